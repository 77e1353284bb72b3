// The writer of a hash-chained audit log (format: chain_format.hpp). Used for the connection log
// (issue 5) and the admin trail (issue 6). Each append is durable before it reports success:
// one write() on an O_APPEND file, then fdatasync. Files rotate by size and the chain continues
// into the next file. A torn last line left by a crash is cut off on open and the cut is itself
// logged, with the size and hash of the dropped bytes, so the evidence stays in the chain.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "gateway/audit/json.hpp"
#include "gateway/audit/sha256.hpp"

namespace rempart::gateway::audit {

struct ChainLogOptions {
  std::filesystem::path dir;  // created (0700) if missing
  std::string name;           // "connections", "admin": files are <name>-<first seq>.jsonl
  uint64_t rotate_bytes = 8 * 1024 * 1024;  // a file is closed once the next record would pass this
  // Wall clock for the time field; tests inject a fixed one.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct AppendedRecord {
  uint64_t seq = 0;
  std::string hash;  // SHA-256 of the line; the next record's prev
  std::filesystem::path file;
};

// What open() found and did; the caller logs it.
struct ChainLogRecovery {
  bool started_new_log = false;
  uint64_t torn_bytes_dropped = 0;  // 0 when the last line was complete
  std::filesystem::path file;       // the file appended to
};

class ChainLog {
 public:
  // Opens (or starts) the log: finds the newest file, checks that its last record is a valid
  // record to chain to, cuts off a torn tail, and takes an exclusive flock so that a second
  // writer fails with kConflict. A new log begins with a "log.start" record. Errors:
  // kInvalidInput when the last complete record is not a valid record (run `rempart log
  // verify`; the writer refuses to guess), kSystem for I/O.
  static Result<ChainLog> open(ChainLogOptions options);

  // Appends one record; `payload` must have a string "event" and must not use seq, time or prev
  // (kInvalidInput). A payload that would make the line longer than kMaxRecordBytes is replaced
  // by an "oversize" stub that keeps its event, size and SHA-256. On success the record is on
  // disk (fdatasync). On failure nothing of it remains in the file; if even that cannot be
  // ensured the log refuses further appends until reopened. Single-threaded: call it from the
  // daemon's event loop only.
  [[nodiscard]] Result<AppendedRecord> append(const JsonObject& payload);

  uint64_t lastSeq() const { return last_seq_; }
  const std::string& lastHash() const { return last_hash_; }
  const std::filesystem::path& currentFile() const { return file_path_; }
  const ChainLogRecovery& recovery() const { return recovery_; }

 private:
  ChainLog(ChainLogOptions options, Sha256 sha)
      : options_(std::move(options)), sha_(std::move(sha)) {}
  Result<void> openFile(const std::filesystem::path& path, bool create);
  Result<void> recover();
  Result<void> rotate();
  Result<AppendedRecord> writeLine(const JsonObject& payload);

  ChainLogOptions options_;
  Sha256 sha_;
  UniqueFd lock_;  // flock held for the writer's lifetime
  UniqueFd fd_;
  std::filesystem::path file_path_;
  uint64_t file_size_ = 0;
  uint64_t last_seq_ = 0;
  std::string last_hash_;
  bool broken_ = false;
  ChainLogRecovery recovery_;
  JsonObject torn_record_;  // the log.torn-tail record to write during open, if any
};

}  // namespace rempart::gateway::audit
