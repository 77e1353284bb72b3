// Reading the audit logs for people: the filters of `show log connections|admin` (--since,
// --until, --level, --tunnel, --peer), their argument parsing, and the three output forms
// (aligned table, JSON Lines of the stored records, RFC 4180 CSV guarded against formula
// injection). Pure functions over record lines; no I/O, no daemon.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway::audit {

using SysTime = std::chrono::system_clock::time_point;

// "2026-12-04T10:00:07Z", "2026-12-04T10:00:07.500+02:00", "2026-12-04" (midnight UTC), or a
// span back from `now`: "30s", "30m", "24h", "7d", "2w". kInvalidInput says what is wrong.
[[nodiscard]] Result<SysTime> parseTimeArgument(std::string_view text, SysTime now);

// The RFC 3339 time of a record ("...Z" or with an offset); kInvalidInput when malformed.
[[nodiscard]] Result<SysTime> parseRfc3339(std::string_view text);

enum class LogOutput { kTable, kJson, kCsv };

struct LogQuery {
  std::optional<SysTime> since, until;  // since <= time < until
  std::string level, tunnel, peer;      // exact matches; empty: any
  LogOutput output = LogOutput::kTable;
};

// Parses the words after `show log NAME` (--json is passed as `json`). Unknown flags, missing
// values, bad times, --json with --csv: kInvalidInput naming the word.
[[nodiscard]] Result<LogQuery> parseLogQuery(const std::vector<std::string>& args, bool json,
                                             SysTime now);

// One record line as the reader sees it: the common columns and the rest as `key=value`.
struct LogRow {
  std::string seq, time, event, level, tunnel, peer, details;
};

// Parses one stored line; kInvalidInput if it is not a JSON object.
[[nodiscard]] Result<LogRow> parseLogRow(std::string_view line);

// Whether the row passes the query's filters. A row whose time cannot be parsed fails any time
// filter. --peer matches the remote address or identity (connection log) or the client
// address (admin trail, "source").
bool matchesQuery(const LogRow& row, const LogQuery& query);

// One CSV cell: a cell starting with = + - @ TAB or CR gets a leading ' (so that a spreadsheet
// never evaluates a peer-controlled string), then RFC 4180 quoting when needed.
std::string csvCell(std::string_view text);

// Formats the matching lines of `lines` (each without '\n'). JSON: the stored records, one per
// line, unchanged (JSON Lines). Table and CSV: seq, time, event, level, tunnel, peer, details.
std::string formatLog(const std::vector<std::string>& lines, const LogQuery& query);

}  // namespace rempart::gateway::audit
