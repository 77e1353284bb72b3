#include "gateway/audit/chain_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "gateway/audit/chain_format.hpp"
#include "gateway/audit/chain_verify.hpp"

namespace rempart::gateway::audit {

namespace fs = std::filesystem;

namespace {

// Largest torn tail we accept to cut: a prefix of one record. Anything longer without a
// newline was not written by us, and we refuse to destroy it.
constexpr size_t kTailWindow = 2 * (kMaxRecordBytes + 1);
constexpr size_t kDroppedTextBytes = 512;

Result<void> fsyncDir(const fs::path& dir) {
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) return failErrno("opening directory " + dir.string());
  if (::fsync(dfd.get()) != 0) return failErrno("fsync directory " + dir.string());
  return {};
}

Result<std::string> preadAll(int fd, uint64_t offset, size_t len, const fs::path& path) {
  std::string buf(len, '\0');
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, buf.data() + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return failErrno("reading " + path.string());
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  buf.resize(done);
  return buf;
}

// The tail of a log file: its last complete line (empty if none) and the torn bytes after it.
struct Tail {
  std::string last_line;
  std::string torn;
  uint64_t size = 0;
};

Result<Tail> readTail(int fd, const fs::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return failErrno("stat " + path.string());
  Tail tail;
  tail.size = static_cast<uint64_t>(st.st_size);
  const uint64_t start = tail.size > kTailWindow ? tail.size - kTailWindow : 0;
  const std::string buf = TRY(preadAll(fd, start, static_cast<size_t>(tail.size - start), path));
  const size_t last_nl = buf.rfind('\n');
  const size_t torn_from = last_nl == std::string::npos ? 0 : last_nl + 1;
  if (last_nl == std::string::npos && start != 0) {
    return fail(ErrorCode::kInvalidInput,
                path.string() + " ends with more than " + std::to_string(kTailWindow) +
                    " bytes without a newline: not an audit log; refusing to append");
  }
  tail.torn = buf.substr(torn_from);
  if (tail.torn.size() > kMaxRecordBytes) {
    return fail(ErrorCode::kInvalidInput,
                path.string() + " ends with " + std::to_string(tail.torn.size()) +
                    " bytes without a newline, more than one record: refusing to cut them");
  }
  if (last_nl == std::string::npos) return tail;  // no complete line at all
  const size_t prev_nl = last_nl == 0 ? std::string::npos : buf.rfind('\n', last_nl - 1);
  if (prev_nl == std::string::npos && start != 0) {
    return fail(ErrorCode::kInvalidInput,
                "the last record of " + path.string() + " is longer than allowed");
  }
  const size_t line_from = prev_nl == std::string::npos ? 0 : prev_nl + 1;
  tail.last_line = buf.substr(line_from, last_nl - line_from);
  return tail;
}

}  // namespace

Result<ChainLog> ChainLog::open(ChainLogOptions options) {
  if (options.name.empty() || options.name.find('/') != std::string::npos) {
    return fail(ErrorCode::kInvalidInput,
                "audit log name '" + options.name + "' is not a file name");
  }
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  auto sha = TRY(Sha256::create());
  ChainLog log(std::move(options), std::move(sha));
  TRY(log.recover());
  return log;
}

Result<void> ChainLog::openFile(const fs::path& path, bool create) {
  const int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0);
  UniqueFd fd(::open(path.c_str(), flags, 0640));
  if (!fd) return failErrno(std::string(create ? "creating " : "opening ") + path.string());
  if (create) TRY(fsyncDir(options_.dir));
  fd_ = std::move(fd);
  file_path_ = path;
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return failErrno("stat " + path.string());
  file_size_ = static_cast<uint64_t>(st.st_size);
  return {};
}

Result<void> ChainLog::recover() {
  const fs::path& dir = options_.dir;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return failErrno(ec.value(), "creating " + dir.string());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  // One writer per log: a second rempartd on the same state directory must not interleave.
  lock_ = UniqueFd(::open((dir / ("." + options_.name + ".lock")).c_str(),
                          O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock_) return failErrno("opening the lock of audit log " + options_.name);
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return fail(ErrorCode::kConflict, "audit log " + options_.name + " in " + dir.string() +
                                            " is already open by another writer");
    }
    return failErrno("locking audit log " + options_.name);
  }

  std::map<uint64_t, fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (auto seq = parseLogFileName(options_.name, entry.path().filename().string())) {
      files[*seq] = entry.path();
    }
  }
  if (ec) return failErrno(ec.value(), "listing " + dir.string());

  bool fresh = false;
  if (files.empty()) {
    TRY(openFile(dir / logFileName(options_.name, 1), /*create=*/true));
    fresh = true;
  } else {
    auto newest = std::prev(files.end());
    TRY(openFile(newest->second, false));
    Tail tail = TRY(readTail(fd_.get(), file_path_));
    std::string last_line = tail.last_line;
    if (last_line.empty()) {
      // Rotation created this file but crashed before its first record: chain to the previous.
      if (newest == files.begin()) {
        if (newest->first != 1) {
          return fail(ErrorCode::kInvalidInput,
                      file_path_.string() + " is empty and no earlier file of the log exists");
        }
        fresh = true;
      } else {
        const fs::path& prev_path = std::prev(newest)->second;
        UniqueFd pfd(::open(prev_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!pfd) return failErrno("opening " + prev_path.string());
        Tail prev_tail = TRY(readTail(pfd.get(), prev_path));
        if (!prev_tail.torn.empty() || prev_tail.last_line.empty()) {
          return fail(ErrorCode::kInvalidInput,
                      prev_path.string() + " does not end with a complete record");
        }
        last_line = prev_tail.last_line;
      }
    }
    if (!fresh) {
      auto header = parseRecordHeader(last_line);
      if (!header) {
        return fail(ErrorCode::kInvalidInput,
                    "cannot continue audit log " + options_.name +
                        ": its last record is invalid (" + header.error().context +
                        "); run `rempart log verify " + dir.string() + "`");
      }
      if (tail.last_line.empty() && header->seq + 1 != newest->first) {
        return fail(ErrorCode::kInvalidInput, file_path_.string() + " should start at seq " +
                                                  std::to_string(header->seq + 1));
      }
      last_seq_ = header->seq;
      last_hash_ = TRY(sha_.hexDigest(last_line));
    }
    if (!tail.torn.empty()) {
      if (::ftruncate(fd_.get(), static_cast<off_t>(tail.size - tail.torn.size())) != 0 ||
          ::fdatasync(fd_.get()) != 0) {
        return failErrno("cutting the torn tail of " + file_path_.string());
      }
      file_size_ = tail.size - tail.torn.size();
      recovery_.torn_bytes_dropped = tail.torn.size();
    }
    // Remember what was cut, to log it once the chain is positioned.
    if (!tail.torn.empty()) {
      torn_record_.set("event", "log.torn-tail")
          .set("file", file_path_.filename().string())
          .set("dropped_bytes", static_cast<uint64_t>(tail.torn.size()))
          .set("dropped_sha256", TRY(sha_.hexDigest(tail.torn)))
          .set("dropped_text", std::string_view(tail.torn).substr(0, kDroppedTextBytes));
    }
  }
  recovery_.started_new_log = fresh;
  if (fresh) {
    last_seq_ = 0;
    last_hash_ = std::string(kGenesisPrev);
    JsonObject start;
    start.set("event", "log.start").set("log", options_.name).set("format", kLogFormat);
    TRY(writeLine(start));
  }
  if (!torn_record_.empty()) TRY(writeLine(torn_record_));
  recovery_.file = file_path_;
  return {};
}

Result<void> ChainLog::rotate() {
  const std::string previous = file_path_.filename().string();
  TRY(openFile(options_.dir / logFileName(options_.name, last_seq_ + 1), /*create=*/true));
  JsonObject marker;
  marker.set("event", "log.rotate").set("previous_file", previous);
  TRY(writeLine(marker));
  return {};
}

Result<AppendedRecord> ChainLog::append(const JsonObject& payload) {
  if (!payload.contains("event"))
    return fail(ErrorCode::kInvalidInput, "audit record without an event");
  for (const char* reserved : {"seq", "time", "prev"}) {
    if (payload.contains(reserved)) {
      return fail(ErrorCode::kInvalidInput,
                  std::string("audit payload uses the reserved key ") + reserved);
    }
  }
  return writeLine(payload);
}

Result<AppendedRecord> ChainLog::writeLine(const JsonObject& payload) {
  if (broken_) {
    return fail(ErrorCode::kSystem, "audit log " + options_.name +
                                        " is in an unknown state after a failed write; reopen it");
  }
  auto render = [&](const std::string& members) {
    std::string line = "{\"seq\":" + std::to_string(last_seq_ + 1) + ",\"time\":";
    appendJsonString(line, formatRfc3339Ms(options_.clock()));
    line += ",\"prev\":\"" + last_hash_ + "\"";
    if (!members.empty()) line += "," + members;
    line += "}";
    return line;
  };
  std::string members = payload.membersJson();
  std::string line = render(members);
  if (line.size() > kMaxRecordBytes) {
    JsonObject stub;
    stub.set("event", "oversize")
        .set("oversize_bytes", static_cast<uint64_t>(line.size()))
        .set("oversize_sha256", TRY(sha_.hexDigest(members)));
    members = stub.membersJson();
    line = render(members);
  }
  if (file_size_ > 0 && file_size_ + line.size() + 1 > options_.rotate_bytes) {
    TRY(rotate());
    line = render(members);
  }
  const std::string hash = TRY(sha_.hexDigest(line));
  line += '\n';

  std::string_view rest = line;
  Result<void> outcome;
  while (!rest.empty()) {
    ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      outcome = failErrno("appending to " + file_path_.string());
      break;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (outcome && ::fdatasync(fd_.get()) != 0)
    outcome = failErrno("fdatasync " + file_path_.string());
  if (!outcome) {
    // Leave no partial record behind; if we cannot be sure of that, stop writing.
    if (::ftruncate(fd_.get(), static_cast<off_t>(file_size_)) != 0 ||
        ::fdatasync(fd_.get()) != 0) {
      broken_ = true;
    }
    return unexpected<Error>(outcome.error());
  }
  file_size_ += line.size();
  ++last_seq_;
  last_hash_ = hash;
  return AppendedRecord{last_seq_, hash, file_path_};
}

}  // namespace rempart::gateway::audit
