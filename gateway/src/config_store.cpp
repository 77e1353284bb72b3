#include "gateway/config_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "common/unique_fd.hpp"

namespace rempart::gateway {

namespace {

constexpr const char* kPendingMagic = "rempart-pending-confirm 1";

Result<void> ensureDir(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::create_directories(p, ec);
  if (ec) return failErrno(ec.value(), "creating " + p.string());
  if (::chmod(p.c_str(), 0700) != 0) return failErrno("chmod " + p.string());
  return {};
}

// Temporary files of writeFileAtomic are ".<name>.XXXXXX": nothing else here starts with '.'.
Result<void> removeTemporaries(const std::filesystem::path& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with(".") && e.is_regular_file()) std::filesystem::remove(e.path(), ec);
  }
  if (ec) return failErrno(ec.value(), "cleaning " + dir.string());
  return {};
}

std::string oneLine(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

std::string utcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string entryName(unsigned n, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06u.%s", n, ext);
  return buf;
}

bool fileExists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

// Removes `p` and makes the removal durable (a confirmed commit must not come back as pending).
Result<void> removeFile(const std::filesystem::path& p) {
  if (::unlink(p.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return failErrno("removing " + p.string());
  }
  UniqueFd dir(::open(p.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return failErrno("opening " + p.parent_path().string());
  if (::fsync(dir.get()) != 0) return failErrno("fsync " + p.parent_path().string());
  return {};
}

}  // namespace

Result<ConfigStore> ConfigStore::open(std::filesystem::path dir) {
  ConfigStore store(std::move(dir));
  TRY(ensureDir(store.dir_));
  TRY(ensureDir(store.historyDir()));
  TRY(removeTemporaries(store.dir_));
  TRY(removeTemporaries(store.historyDir()));
  return store;
}

Result<StartupReport> ConfigStore::prepare(const std::optional<std::string>& seed,
                                           std::string_view seed_comment) {
  StartupReport report;
  if (!hasActive()) {
    if (!seed)
      return fail(ErrorCode::kNotFound,
                  "the config store " + dir_.string() + " has no active config to load");
    TRY(setActive(*seed));
    TRY(appendHistory(*seed, "rempartd", seed_comment));
    report.seeded = true;
  }
  if (auto p = TRY(pending())) {
    // Never confirmed: whether or not the commit point was passed, go back to what ran before.
    TRY(setActive(p->previous));
    TRY(clearPending());
    report.rolled_back = std::move(*p);
  }
  std::string text = TRY(active());
  auto numbers = TRY(historyNumbers());
  bool in_history = false;
  if (!numbers.empty()) {
    auto newest = historyText(numbers.back());
    in_history = newest && *newest == text;
  }
  if (!in_history) {
    TRY(appendHistory(text, "rempartd",
                      report.rolled_back
                          ? "commit not confirmed before rempartd stopped; rolled back"
                          : "active config recovered at start"));
    report.history_repaired = !report.rolled_back.has_value();
  }
  return report;
}

bool ConfigStore::hasActive() const {
  return fileExists(activePath());
}

Result<std::string> ConfigStore::active() const {
  return readFile(activePath(), config::kMaxConfigBytes);
}

Result<void> ConfigStore::setActive(std::string_view text) {
  return writeFileAtomic(activePath(), text, 0600);
}

Result<std::optional<std::string>> ConfigStore::candidate() const {
  auto path = dir_ / "candidate.yaml";
  if (!fileExists(path)) return std::optional<std::string>{};
  return std::optional<std::string>(TRY(readFile(path, config::kMaxConfigBytes)));
}

Result<void> ConfigStore::setCandidate(std::string_view text) {
  return writeFileAtomic(dir_ / "candidate.yaml", text, 0600);
}

Result<void> ConfigStore::clearCandidate() {
  return removeFile(dir_ / "candidate.yaml");
}

Result<std::vector<unsigned>> ConfigStore::historyNumbers() const {
  std::vector<unsigned> numbers;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(historyDir(), ec)) {
    std::string name = e.path().filename().string();
    if (name.size() != 11 || !name.ends_with(".yaml")) continue;
    unsigned n = 0;
    auto [ptr, err] = std::from_chars(name.data(), name.data() + 6, n);
    if (err == std::errc() && ptr == name.data() + 6 && n > 0) numbers.push_back(n);
  }
  if (ec) return failErrno(ec.value(), "listing " + historyDir().string());
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

Result<unsigned> ConfigStore::appendHistory(std::string_view text, std::string_view who,
                                            std::string_view comment) {
  auto numbers = TRY(historyNumbers());
  unsigned n = numbers.empty() ? 1 : numbers.back() + 1;
  if (n > 999999) return fail(ErrorCode::kLimit, "config history numbers are exhausted (999999)");
  // The metadata first: the .yaml file is what makes the entry exist.
  std::string meta = "who=" + oneLine(who, 64) + "\nwhen=" + utcNow() +
                     "\ncomment=" + oneLine(comment, kMaxCommentBytes) + "\n";
  TRY(writeFileAtomic(historyDir() / entryName(n, "meta"), meta, 0600));
  TRY(writeFileAtomic(historyDir() / entryName(n, "yaml"), text, 0600));
  numbers.push_back(n);
  for (size_t i = 0; i + kMaxHistory < numbers.size(); ++i) {
    TRY(removeFile(historyDir() / entryName(numbers[i], "yaml")));
    TRY(removeFile(historyDir() / entryName(numbers[i], "meta")));
  }
  return n;
}

Result<std::vector<HistoryEntry>> ConfigStore::history() const {
  auto numbers = TRY(historyNumbers());
  std::vector<HistoryEntry> out;
  for (auto it = numbers.rbegin(); it != numbers.rend(); ++it) {
    HistoryEntry e;
    e.number = *it;
    e.who = "?";
    if (auto meta = readFile(historyDir() / entryName(*it, "meta"), 4096)) {
      std::string_view m = *meta;
      while (!m.empty()) {
        size_t nl = m.find('\n');
        std::string_view line = m.substr(0, nl);
        m.remove_prefix(nl == std::string_view::npos ? m.size() : nl + 1);
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        auto key = line.substr(0, eq);
        std::string value(line.substr(eq + 1));
        if (key == "who")
          e.who = value;
        else if (key == "when")
          e.when = value;
        else if (key == "comment")
          e.comment = value;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::string> ConfigStore::historyText(unsigned number) const {
  auto path = historyDir() / entryName(number, "yaml");
  if (number == 0 || number > 999999 || !fileExists(path))
    return fail(ErrorCode::kNotFound, "no config history entry " + std::to_string(number));
  return readFile(path, config::kMaxConfigBytes);
}

std::string ConfigStore::encodePending(const PendingConfirm& p) {
  char minutes[32];
  std::snprintf(minutes, sizeof minutes, "%g", p.minutes);
  return std::string(kPendingMagic) + "\narmed_by=" + oneLine(p.armed_by, 64) +
         "\nminutes=" + minutes + "\ndeadline=" + std::to_string(p.deadline_unix) + "\n\n" +
         p.previous;
}

Result<PendingConfirm> ConfigStore::decodePending(std::string_view text) {
  auto bad = [](std::string what) {
    return fail(ErrorCode::kInvalidInput, "confirm.pending: " + what);
  };
  std::string magic = std::string(kPendingMagic) + "\n";
  if (!text.starts_with(magic)) return bad("not a pending-confirm record");
  text.remove_prefix(magic.size());
  size_t end = text.find("\n\n");
  if (end == std::string_view::npos) return bad("no blank line after the header");
  std::string_view header = text.substr(0, end + 1);
  PendingConfirm p;
  p.previous = std::string(text.substr(end + 2));
  bool have_deadline = false;
  while (!header.empty()) {
    size_t nl = header.find('\n');
    std::string_view line = header.substr(0, nl);
    header.remove_prefix(nl + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return bad("malformed header line");
    auto key = line.substr(0, eq);
    auto value = line.substr(eq + 1);
    if (key == "armed_by") {
      p.armed_by = std::string(value);
    } else if (key == "minutes") {
      p.minutes = std::strtod(std::string(value).c_str(), nullptr);
    } else if (key == "deadline") {
      auto [ptr, err] = std::from_chars(value.data(), value.data() + value.size(), p.deadline_unix);
      if (err != std::errc() || ptr != value.data() + value.size()) return bad("bad deadline");
      have_deadline = true;
    }
  }
  if (!have_deadline) return bad("no deadline");
  return p;
}

Result<void> ConfigStore::setPending(const PendingConfirm& pending) {
  return writeFileAtomic(dir_ / "confirm.pending", encodePending(pending), 0600);
}

Result<std::optional<PendingConfirm>> ConfigStore::pending() const {
  auto path = dir_ / "confirm.pending";
  if (!fileExists(path)) return std::optional<PendingConfirm>{};
  auto text = TRY(readFile(path, config::kMaxConfigBytes + 4096));
  return std::optional<PendingConfirm>(TRY(decodePending(text)));
}

Result<void> ConfigStore::clearPending() {
  return removeFile(dir_ / "confirm.pending");
}

}  // namespace rempart::gateway
