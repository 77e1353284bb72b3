// The on-disk format shared by the audit log writer and its verifier (gateway/docs/audit-log.md is
// the long form). A log is a sequence of files <name>-<first seq, 12 digits>.jsonl; each line is
//   {"seq":N,"time":"2026-12-04T15:59:38.123Z","prev":"<sha256 hex>",<payload, keys sorted>}
// where prev is the SHA-256 of the previous line's bytes (without its '\n'), across files, and
// kGenesisPrev for the very first record. Every payload has a string "event".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rempart::gateway::audit {

inline constexpr std::string_view kGenesisPrev =
    "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr std::string_view kLogFormat = "rempart-audit/1";
// Hard cap on one line, without its newline. The writer never exceeds it (oversized payloads are
// replaced by a stub that keeps their size and hash); the verifier refuses longer lines.
inline constexpr size_t kMaxRecordBytes = 64 * 1024;
inline constexpr int kFileSeqDigits = 12;

// "2026-12-04T15:59:38.123Z" (UTC, milliseconds).
std::string formatRfc3339Ms(std::chrono::system_clock::time_point t);
// True when `s` has exactly the shape formatRfc3339Ms produces, with valid field ranges.
bool isRfc3339Ms(std::string_view s);

// "<name>-000000000042.jsonl" for the file whose first record has seq 42.
std::string logFileName(std::string_view name, uint64_t first_seq);
// Inverse of logFileName: the first seq when `file_name` is a file of log `name`.
std::optional<uint64_t> parseLogFileName(std::string_view name, std::string_view file_name);

}  // namespace rempart::gateway::audit
