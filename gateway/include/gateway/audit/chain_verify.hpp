// Verifies a hash-chained audit log (chain_format.hpp) and names the first bad record: an
// edited, deleted, inserted or reordered record, a torn last line or a malformed one. Works on
// the files of the device or on an export read from stdin, on any machine, offline. The input
// is untrusted: memory stays bounded by kMaxRecordBytes whatever the input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "gateway/audit/sha256.hpp"

namespace rempart::gateway::audit {

// The fixed header of one record line.
struct RecordHeader {
  uint64_t seq = 0;
  std::string time;
  std::string prev;
  std::string event;
};

// Parses and checks one line (without '\n'): canonical JSON object whose first three keys are
// seq (integer >= 1), time (UTC RFC 3339 with ms) and prev (SHA-256 hex), with a string event.
// kInvalidInput says what is wrong.
[[nodiscard]] Result<RecordHeader> parseRecordHeader(std::string_view line);

struct VerifyOptions {
  // Accept a log whose first record is not the genesis record (older files were archived or
  // an export starts later). The summary then reports the unverified anchor (first prev).
  bool allow_partial = false;
  // When non-empty, a record with this hash must be present: an auditor pins the last hash of
  // an earlier export so that records removed from the end are detected.
  std::string expect_hash;
};

struct VerifyIssue {
  std::string file;   // as given; "<stdin>" for "-"
  uint64_t line = 0;  // 1-based line in that file
  std::string reason;
  std::string format() const { return file + ":" + std::to_string(line) + ": " + reason; }
};

struct VerifySummary {
  uint64_t files = 0;
  uint64_t records = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::string first_prev;  // kGenesisPrev for a complete log
  std::string last_hash;   // pin this to detect later truncation (VerifyOptions::expect_hash)
};

struct VerifyResult {
  std::optional<VerifyIssue> issue;  // the first problem, if any
  VerifySummary summary;             // what was checked up to the end or to the issue
  bool ok() const { return !issue; }
};

// Incremental verifier: feed the files of one log in order. Single-threaded value.
class ChainVerifier {
 public:
  static Result<ChainVerifier> create(VerifyOptions options);

  // Starts a new file; line numbers restart at 1.
  void beginFile(std::string display_name);
  // Feeds the next bytes of the current file. Returns false once an issue was found; further
  // input is then ignored.
  bool feed(std::string_view bytes);
  // Ends the current file: an unterminated last line is reported as torn.
  bool endFile();
  // Ends the log: an empty log, or a missing expected hash, is an issue.
  VerifyResult finish();

 private:
  ChainVerifier(VerifyOptions options, Sha256 sha)
      : options_(std::move(options)), sha_(std::move(sha)) {}
  void checkLine(std::string_view line);
  void report(std::string reason);

  VerifyOptions options_;
  Sha256 sha_;
  std::string file_;
  uint64_t line_ = 0;
  std::string pending_;  // bytes of the current, unterminated line
  bool overlong_ = false;
  std::optional<VerifyIssue> issue_;
  VerifySummary summary_;
  std::string last_file_;
  uint64_t last_line_ = 0;
  bool found_expected_ = false;
};

// Verifies the given files in order as one log; "-" reads stdin. A directory argument expands
// to its log files (<name>-<digits>.jsonl), each log name verified as its own chain, in name
// order. Returns one result per chain; an unreadable file is an Error.
struct NamedVerifyResult {
  std::string chain;  // the files or log name verified
  VerifyResult result;
};
[[nodiscard]] Result<std::vector<NamedVerifyResult>> verifyPaths(
    const std::vector<std::string>& paths, const VerifyOptions& options);

}  // namespace rempart::gateway::audit
