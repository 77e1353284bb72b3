#include "gateway/config_text.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/config/parse.hpp"

namespace rempart::gateway {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool isQuoted(std::string_view v) {
  return v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front();
}

std::string_view unquote(std::string_view v) {
  return isQuoted(v) ? v.substr(1, v.size() - 2) : v;
}

size_t indentOf(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  return i;
}

// End of a flow-context value starting at `from`: the ',' '}' or ']' that closes it.
size_t flowValueEnd(std::string_view line, size_t from) {
  char quote = 0;
  int depth = 0;
  for (size_t j = from; j < line.size(); ++j) {
    char c = line[j];
    if (quote) {
      if (c == '\\' && quote == '"')
        ++j;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'')
      quote = c;
    else if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']') {
      if (depth == 0) return j;
      --depth;
    } else if (c == ',' && depth == 0)
      return j;
  }
  return line.size();
}

// Redacts the secret-named values of one line. Sets `block_col` (and returns true through
// `in_block`) when the value continues on the following, more indented lines.
std::string redactLine(std::string_view line, const std::set<std::string, std::less<>>& refs,
                       bool& in_block, size_t& block_col) {
  std::string out;
  size_t copied = 0;
  size_t key_start = 0;
  char quote = 0;
  int depth = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      break;  // a comment: kept as written
    } else if (c == '{' || c == '[') {
      ++depth;
      key_start = i + 1;
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    } else if (c == ',' && depth > 0) {
      key_start = i + 1;
    } else if (c == '-' && (i + 1 == line.size() || line[i + 1] == ' ') &&
               trim(line.substr(key_start, i - key_start)).empty()) {
      key_start = i + 1;  // a block sequence entry
    } else if (c == ':' && (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t' ||
                            (depth > 0 && (line[i + 1] == ',' || line[i + 1] == '}')))) {
      std::string_view raw_key = line.substr(key_start, i - key_start);
      std::string_view key = unquote(trim(raw_key));
      size_t key_col = key_start + indentOf(raw_key);
      key_start = i + 1;
      if (!isSecretKey(key)) continue;
      size_t vs = i + 1;
      while (vs < line.size() && (line[vs] == ' ' || line[vs] == '\t')) ++vs;
      size_t ve = depth > 0 ? flowValueEnd(line, vs) : line.size();
      std::string_view value = trim(line.substr(vs, ve - vs));
      if (!value.empty() && value.front() != '|' && value.front() != '>' &&
          refs.count(unquote(value)) > 0) {
        i = ve - 1;
        continue;  // a credential name, not a secret
      }
      bool opens_block = value.empty() || value.front() == '|' || value.front() == '>' ||
                         ((value.front() == '"' || value.front() == '\'') && !isQuoted(value));
      if (opens_block && depth == 0) {
        in_block = true;
        block_col = key_col;
      }
      out.append(line.substr(copied, i + 1 - copied));
      out += ' ';
      out += kRedacted;
      copied = ve;
      if (ve >= line.size()) return out;
      i = ve - 1;
    }
  }
  out.append(line.substr(copied));
  return out;
}

std::vector<std::string_view> splitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  while (!s.empty()) {
    size_t nl = s.find('\n');
    if (nl == std::string_view::npos) {
      lines.push_back(s);
      break;
    }
    lines.push_back(s.substr(0, nl));
    s.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

bool isSecretKey(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"psk", "secret", "passw", "passphrase", "private"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string redactSecrets(std::string_view yaml,
                          const std::set<std::string, std::less<>>& references) {
  std::string out;
  bool in_block = false;
  size_t block_col = 0;
  while (!yaml.empty()) {
    size_t nl = yaml.find('\n');
    std::string_view line = yaml.substr(0, nl);
    bool has_newline = nl != std::string_view::npos;
    yaml.remove_prefix(has_newline ? nl + 1 : yaml.size());
    if (in_block) {
      size_t ind = indentOf(line);
      std::string_view rest = line.substr(ind);
      if (trim(line).empty() || ind > block_col ||
          (ind == block_col && (rest == "-" || rest.starts_with("- "))))
        continue;  // part of a secret's block value
      in_block = false;
    }
    out += redactLine(line, references, in_block, block_col);
    if (has_newline) out += '\n';
  }
  return out;
}

std::set<std::string, std::less<>> credentialNames(const config::Config& config) {
  std::set<std::string, std::less<>> names;
  for (const auto& level : config.levels)
    for (const auto& c : level.credentials) names.insert(c.name);
  return names;
}

std::string redactConfigText(std::string_view yaml) {
  auto model = config::parseConfig(yaml, "config");
  return redactSecrets(yaml,
                       model ? credentialNames(*model) : std::set<std::string, std::less<>>{});
}

std::string redactedConfigDiff(std::string_view from, std::string_view to,
                               std::string_view from_label, std::string_view to_label) {
  std::set<std::string, std::less<>> refs;
  for (auto text : {from, to}) {
    if (auto m = config::parseConfig(text, "config")) refs.merge(credentialNames(*m));
  }
  return unifiedDiff(redactSecrets(from, refs), redactSecrets(to, refs), from_label, to_label);
}

std::string unifiedDiff(std::string_view a, std::string_view b, std::string_view a_label,
                        std::string_view b_label, size_t context) {
  if (a == b) return "";
  auto al = splitLines(a);
  auto bl = splitLines(b);
  struct Op {
    char tag;
    std::string_view line;
  };
  std::vector<Op> ops;
  size_t prefix = 0;
  while (prefix < al.size() && prefix < bl.size() && al[prefix] == bl[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < al.size() - prefix && suffix < bl.size() - prefix &&
         al[al.size() - 1 - suffix] == bl[bl.size() - 1 - suffix])
    ++suffix;
  for (size_t i = 0; i < prefix; ++i) ops.push_back({' ', al[i]});
  const size_t n = al.size() - prefix - suffix;
  const size_t m = bl.size() - prefix - suffix;
  constexpr size_t kMaxCells = 4'000'000;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= kMaxCells) {
    // Longest common subsequence of the changed middle, then walk it forwards.
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        at(i, j) = al[prefix + i] == bl[prefix + j] ? at(i + 1, j + 1) + 1
                                                    : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && al[prefix + i] == bl[prefix + j]) {
        ops.push_back({' ', al[prefix + i]});
        ++i, ++j;
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        ops.push_back({'-', al[prefix + i++]});
      } else {
        ops.push_back({'+', bl[prefix + j++]});
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i) ops.push_back({'-', al[prefix + i]});
    for (size_t j = 0; j < m; ++j) ops.push_back({'+', bl[prefix + j]});
  }
  for (size_t i = al.size() - suffix; i < al.size(); ++i) ops.push_back({' ', al[i]});

  // Line numbers before each op, then hunks of changes closer than 2*context apart.
  std::vector<size_t> a_line(ops.size() + 1), b_line(ops.size() + 1);
  for (size_t k = 0; k < ops.size(); ++k) {
    a_line[k + 1] = a_line[k] + (ops[k].tag != '+');
    b_line[k + 1] = b_line[k] + (ops[k].tag != '-');
  }
  std::string out = "--- " + std::string(a_label) + "\n+++ " + std::string(b_label) + "\n";
  size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].tag == ' ') ++k;
    if (k == ops.size()) break;
    size_t start = k > context ? k - context : 0;
    size_t last = k;  // last change in this hunk
    for (size_t x = k; x < ops.size(); ++x) {
      if (ops[x].tag == ' ') continue;
      if (x - last > 2 * context) break;
      last = x;
    }
    size_t end = std::min(ops.size(), last + context + 1);
    size_t a_count = a_line[end] - a_line[start];
    size_t b_count = b_line[end] - b_line[start];
    out += "@@ -" + std::to_string(a_count ? a_line[start] + 1 : a_line[start]) + "," +
           std::to_string(a_count) + " +" +
           std::to_string(b_count ? b_line[start] + 1 : b_line[start]) + "," +
           std::to_string(b_count) + " @@\n";
    for (size_t x = start; x < end; ++x) {
      out += ops[x].tag;
      out.append(ops[x].line);
      out += '\n';
    }
    k = end;
  }
  return out;
}

}  // namespace rempart::gateway
