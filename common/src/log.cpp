#include "common/log.hpp"

#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace rempart::log {

namespace {

std::atomic<Sink> g_sink{Sink::kStderr};
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};
std::mutex g_stderr_mutex;

bool stderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kNotice:
      return "notice";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "?";
}

void appendEscaped(std::string& out, std::string_view value) {
  bool quote = value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      quote = true;
  }
  if (!quote) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

// Journal field names are upper-case letters, digits and underscores.
std::string journalFieldName(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c >= 'a' && c <= 'z')
      out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      out += c;
    else
      out += '_';
  }
  if (out.empty() || out[0] == '_' || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "F");
  return out;
}

}  // namespace

void configure(Sink sink, Level min_level) {
  if (sink == Sink::kAuto) sink = stderrIsJournal() ? Sink::kJournal : Sink::kStderr;
  g_sink = sink;
  g_min_level = static_cast<int>(min_level);
}

std::string formatLine(Level level, std::string_view message, std::initializer_list<Field> fields) {
  std::string line(levelName(level));
  line += ' ';
  for (char c : message) line += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    appendEscaped(line, value);
  }
  return line;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) > g_min_level.load()) return;
  if (g_sink.load() == Sink::kJournal) {
    std::vector<std::string> storage;
    storage.reserve(fields.size() + 2);
    storage.push_back("MESSAGE=" + std::string(message));
    storage.push_back("PRIORITY=" + std::to_string(static_cast<int>(level)));
    for (const auto& [key, value] : fields) storage.push_back(journalFieldName(key) + "=" + value);
    std::vector<iovec> iov;
    for (auto& s : storage) iov.push_back({s.data(), s.size()});
    if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) == 0) return;
  }
  std::string line = formatLine(level, message, fields);
  line += '\n';
  std::lock_guard lock(g_stderr_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rempart::log
