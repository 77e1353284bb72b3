// Structured logging for daemons and tools. A record is a message plus key=value fields; it goes
// to the systemd journal (as journal fields) when the process runs under journald, otherwise to
// stderr as one line: "<level> message key=value ...". Library code does not log: it returns
// errors, and the caller logs once with context. Thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace rempart::log {

enum class Level { kDebug = 7, kInfo = 6, kNotice = 5, kWarning = 4, kError = 3 };

using Field = std::pair<std::string_view, std::string>;

enum class Sink { kAuto, kStderr, kJournal };

// Chooses where records go and the lowest level emitted. kAuto picks the journal when
// $JOURNAL_STREAM matches stderr. Call once at start-up, before other threads log.
void configure(Sink sink, Level min_level = Level::kInfo);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kDebug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kInfo, m, f);
}
inline void notice(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kNotice, m, f);
}
inline void warning(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kWarning, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::kError, m, f);
}

// Formats one record as the stderr sink does; values with spaces or quotes are quoted, and
// control characters escaped, so that untrusted text cannot forge a second record.
std::string formatLine(Level level, std::string_view message, std::initializer_list<Field> fields);

}  // namespace rempart::log
