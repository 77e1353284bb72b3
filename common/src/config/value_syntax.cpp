#include "value_syntax.hpp"

#include <algorithm>
#include <array>

#include "common/config/model.hpp"
#include "yaml_reader.hpp"

namespace rempart::config::detail {

namespace {

bool isLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isAlnum(char c) {
  return isLower(c) || isDigit(c) || (c >= 'A' && c <= 'Z');
}

// Logins that belong to the system; an operator role must never be one of them.
constexpr std::array<std::string_view, 12> kReservedUsers = {
    "root",       "daemon",          "bin",  "sys",     "sync",  "nobody", "sshd",
    "messagebus", "systemd-network", "_apt", "dnsmasq", "charon"};

}  // namespace

std::string nameProblem(std::string_view text) {
  bool ok = !text.empty() && text.size() <= kMaxNameLength && isLower(text[0]) &&
            std::all_of(text.begin(), text.end(),
                        [](char c) { return isLower(c) || isDigit(c) || c == '-'; });
  if (ok) return "";
  return quoted(text) + " is not a valid name (a lowercase letter, then lowercase letters, " +
         "digits or '-', at most " + std::to_string(kMaxNameLength) + " characters)";
}

bool isDnsName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  if (text.back() == '.') text.remove_suffix(1);  // a fully qualified name
  std::string_view last_label;
  while (true) {
    size_t dot = text.find('.');
    std::string_view label = text.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return isAlnum(c) || c == '-'; }))
      return false;
    last_label = label;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  // "10.0.0.256" is a bad address, not a name: top-level labels are never all digits.
  return !std::all_of(last_label.begin(), last_label.end(), isDigit);
}

std::string hostnameProblem(std::string_view text) {
  if (text.size() <= 64 && text.find('.') == std::string_view::npos && isDnsName(text)) return "";
  return quoted(text) +
         " is not a valid host name (letters, digits and '-', at most 64 characters, no dots)";
}

std::string interfaceNameProblem(std::string_view text) {
  bool ok = !text.empty() && text.size() <= 15 && isAlnum(text[0]) &&
            std::all_of(text.begin(), text.end(),
                        [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
  if (ok) return "";
  return quoted(text) + " is not a valid interface name (1 to 15 letters, digits, '-', '_' " +
         "or '.', starting with a letter or digit)";
}

std::string unixUserProblem(std::string_view text) {
  if (std::find(kReservedUsers.begin(), kReservedUsers.end(), text) != kReservedUsers.end())
    return quoted(text) + " is a system account and cannot have a role";
  bool ok = !text.empty() && text.size() <= 32 && (isLower(text[0]) || text[0] == '_') &&
            std::all_of(text.begin(), text.end(),
                        [](char c) { return isLower(c) || isDigit(c) || c == '-' || c == '_'; });
  if (ok) return "";
  return quoted(text) + " is not a valid user name (a lowercase letter or '_', then lowercase " +
         "letters, digits, '-' or '_', at most 32 characters)";
}

std::string identityProblem(std::string_view text) {
  if (text.empty() || text.size() > 255)
    return quoted(text) + " is not a valid IKE identity (1 to 255 characters)";
  if (text.front() == '%') return quoted(text) + " is a wildcard; name the exact identity";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
      return quoted(text) + " is not a valid IKE identity (no control characters, quotes or " +
             "backslashes)";
  }
  return "";
}

std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  constexpr std::array<std::pair<char, long>, 4> kUnits = {
      {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};
  if (text.empty()) return std::nullopt;
  long total = 0;
  size_t next_unit = 0;  // units must come in decreasing order, each at most once
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    long value = 0;
    while (i < text.size() && isDigit(text[i]) && i - start < 7)
      value = value * 10 + (text[i++] - '0');
    if (i == start || i == text.size()) return std::nullopt;
    char unit = text[i++];
    while (next_unit < kUnits.size() && kUnits[next_unit].first != unit) ++next_unit;
    if (next_unit == kUnits.size()) return std::nullopt;
    total += value * kUnits[next_unit++].second;
  }
  return std::chrono::seconds(total);
}

std::string formatDuration(std::chrono::seconds s) {
  long left = s.count();
  if (left == 0) return "0s";
  std::string out;
  for (auto [unit, size] : {std::pair{'d', 86400L}, {'h', 3600L}, {'m', 60L}, {'s', 1L}}) {
    if (left >= size) {
      out += std::to_string(left / size) + unit;
      left %= size;
    }
  }
  return out;
}

}  // namespace rempart::config::detail
