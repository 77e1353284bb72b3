#include "gateway/audit/chain_format.hpp"

#include <cstdio>
#include <ctime>

namespace rempart::gateway::audit {

std::string formatRfc3339Ms(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<time_t>(ms_total / 1000);
  auto ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {  // before 1970: floor, not truncate
    ms += 1000;
    --secs;
  }
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler imagines
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

bool isRfc3339Ms(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS.mmmZ
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kShape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != kShape[i]) return false;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const int month = num(5, 2), day = num(8, 2), hour = num(11, 2), minute = num(14, 2),
            second = num(17, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

std::string logFileName(std::string_view name, uint64_t first_seq) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*llu", kFileSeqDigits,
                static_cast<unsigned long long>(first_seq));
  return std::string(name) + "-" + digits + ".jsonl";
}

std::optional<uint64_t> parseLogFileName(std::string_view name, std::string_view file_name) {
  constexpr std::string_view kSuffix = ".jsonl";
  if (!file_name.starts_with(name) || !file_name.ends_with(kSuffix)) return std::nullopt;
  file_name.remove_prefix(name.size());
  file_name.remove_suffix(kSuffix.size());
  if (!file_name.starts_with('-')) return std::nullopt;
  file_name.remove_prefix(1);
  if (file_name.size() < static_cast<size_t>(kFileSeqDigits) || file_name.size() > 19) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : file_name) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace rempart::gateway::audit
