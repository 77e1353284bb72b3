#include "gateway/audit/chain_verify.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>

#include "common/unique_fd.hpp"
#include "gateway/audit/chain_format.hpp"
#include "gateway/audit/json.hpp"
#include "gateway/audit/log_files.hpp"

namespace rempart::gateway::audit {

namespace {

std::optional<uint64_t> parseSeq(std::string_view text) {
  if (text.empty() || text.size() > 19 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string shortHash(std::string_view h) {
  return std::string(h.substr(0, 16)) + "...";
}

}  // namespace

Result<RecordHeader> parseRecordHeader(std::string_view line) {
  auto members = TRY(parseJsonObject(line));
  auto bad = [](std::string what) { return fail(ErrorCode::kInvalidInput, std::move(what)); };
  if (members.size() < 4) return bad("a record needs seq, time, prev and event");
  const auto& seq = members[0];
  const auto& time = members[1];
  const auto& prev = members[2];
  if (seq.key != "seq" || time.key != "time" || prev.key != "prev") {
    return bad("a record must start with seq, time and prev, in that order");
  }
  RecordHeader h;
  auto n = seq.kind == JsonMember::Kind::kNumber ? parseSeq(seq.value) : std::nullopt;
  if (!n || *n == 0) return bad("seq is not a positive integer");
  h.seq = *n;
  if (time.kind != JsonMember::Kind::kString || !isRfc3339Ms(time.value)) {
    return bad("time is not a UTC RFC 3339 time with milliseconds");
  }
  h.time = time.value;
  if (prev.kind != JsonMember::Kind::kString || !isSha256Hex(prev.value)) {
    return bad("prev is not a SHA-256 hex digest");
  }
  h.prev = prev.value;
  auto event = std::find_if(members.begin() + 3, members.end(),
                            [](const JsonMember& m) { return m.key == "event"; });
  if (event == members.end() || event->kind != JsonMember::Kind::kString || event->value.empty()) {
    return bad("the record has no event name");
  }
  h.event = event->value;
  return h;
}

Result<ChainVerifier> ChainVerifier::create(VerifyOptions options) {
  if (!options.expect_hash.empty() && !isSha256Hex(options.expect_hash)) {
    return fail(ErrorCode::kInvalidInput, "expected hash '" + options.expect_hash.substr(0, 80) +
                                              "' is not 64 lowercase hex characters");
  }
  auto sha = TRY(Sha256::create());
  return ChainVerifier(std::move(options), std::move(sha));
}

void ChainVerifier::beginFile(std::string display_name) {
  file_ = std::move(display_name);
  line_ = 0;
  pending_.clear();
  overlong_ = false;
  ++summary_.files;
}

void ChainVerifier::report(std::string reason) {
  if (!issue_) issue_ = VerifyIssue{file_, line_, std::move(reason)};
}

bool ChainVerifier::feed(std::string_view bytes) {
  while (!issue_ && !bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const std::string_view chunk = bytes.substr(0, nl);
    if (!overlong_) {
      if (pending_.size() + chunk.size() > kMaxRecordBytes) {
        overlong_ = true;  // keep memory bounded; report once the line number is known
        pending_.clear();
      } else {
        pending_.append(chunk);
      }
    }
    if (nl == std::string_view::npos) break;
    ++line_;
    if (overlong_) {
      report("record longer than " + std::to_string(kMaxRecordBytes) + " bytes");
    } else {
      checkLine(pending_);
    }
    pending_.clear();
    overlong_ = false;
    bytes.remove_prefix(nl + 1);
  }
  return !issue_;
}

bool ChainVerifier::endFile() {
  if (!issue_ && (!pending_.empty() || overlong_)) {
    ++line_;
    report("last line is incomplete (no newline): the file was truncated or a write was torn");
  }
  pending_.clear();
  overlong_ = false;
  return !issue_;
}

void ChainVerifier::checkLine(std::string_view line) {
  if (line.empty()) return report("empty line");
  auto header = parseRecordHeader(line);
  if (!header) return report("malformed record: " + header.error().context);
  auto hash = sha_.hexDigest(line);
  if (!hash) return report(hash.error().message());

  const bool first = summary_.records == 0;
  const std::string where_prev = last_file_ == file_
                                     ? "line " + std::to_string(last_line_)
                                     : last_file_ + ":" + std::to_string(last_line_);
  if (first) {
    if (header->prev == kGenesisPrev) {
      if (header->seq != 1) {
        return report("first record has the genesis prev but seq " + std::to_string(header->seq) +
                      ", expected 1");
      }
    } else if (!options_.allow_partial) {
      return report("the log does not start at its first record (seq " +
                    std::to_string(header->seq) +
                    ", prev is not the genesis value): earlier records are missing; use "
                    "--partial to verify a log that starts later");
    }
    summary_.first_seq = header->seq;
    summary_.first_prev = header->prev;
  } else {
    if (header->seq <= summary_.last_seq) {
      return report("seq goes back from " + std::to_string(summary_.last_seq) + " to " +
                    std::to_string(header->seq) + ": a record was inserted, repeated or reordered");
    }
    if (header->seq != summary_.last_seq + 1) {
      return report("seq jumps from " + std::to_string(summary_.last_seq) + " to " +
                    std::to_string(header->seq) + ": records are missing");
    }
    if (header->prev != summary_.last_hash) {
      return report("prev hash does not match " + where_prev + " (seq " +
                    std::to_string(summary_.last_seq) +
                    "): that record was altered, or this "
                    "one was edited or inserted");
    }
  }
  ++summary_.records;
  summary_.last_seq = header->seq;
  summary_.last_hash = std::move(*hash);
  last_file_ = file_;
  last_line_ = line_;
  if (!options_.expect_hash.empty() && summary_.last_hash == options_.expect_hash) {
    found_expected_ = true;
  }
}

VerifyResult ChainVerifier::finish() {
  if (!issue_ && summary_.records == 0) {
    report("no records: the log is empty");
  }
  if (!issue_ && !options_.expect_hash.empty() && !found_expected_) {
    issue_ = VerifyIssue{last_file_, last_line_,
                         "the expected record " + shortHash(options_.expect_hash) +
                             " is not in the log: records were removed from its end (the log ends "
                             "at seq " +
                             std::to_string(summary_.last_seq) + ")"};
  }
  return VerifyResult{issue_, summary_};
}

// ---- files ----

namespace {

Result<void> feedFd(ChainVerifier& verifier, int fd, const std::string& what) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failErrno("reading " + what);
    }
    if (n == 0) return {};
    if (!verifier.feed(std::string_view(buf, static_cast<size_t>(n)))) return {};
  }
}

Result<VerifyResult> verifyChain(const std::vector<std::string>& files,
                                 const VerifyOptions& options) {
  auto verifier = TRY(ChainVerifier::create(options));
  for (const auto& file : files) {
    if (file == "-") {
      verifier.beginFile("<stdin>");
      TRY(feedFd(verifier, STDIN_FILENO, "stdin"));
    } else {
      UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
      if (!fd) return failErrno("opening " + file);
      verifier.beginFile(file);
      TRY(feedFd(verifier, fd.get(), file));
    }
    if (!verifier.endFile()) break;
  }
  return verifier.finish();
}

}  // namespace

Result<std::vector<NamedVerifyResult>> verifyPaths(const std::vector<std::string>& paths,
                                                   const VerifyOptions& options) {
  std::vector<NamedVerifyResult> results;
  std::vector<std::string> run;  // consecutive file arguments form one chain
  auto flush = [&]() -> Result<void> {
    if (run.empty()) return {};
    std::string label;
    for (const auto& f : run) label += (label.empty() ? "" : " ") + (f == "-" ? "<stdin>" : f);
    results.push_back({label, TRY(verifyChain(run, options))});
    run.clear();
    return {};
  };
  for (const auto& path : paths) {
    std::error_code ec;
    if (path != "-" && std::filesystem::is_directory(path, ec)) {
      TRY(flush());
      auto logs = TRY(listLogFiles(path));
      for (const auto& [name, files] : logs) {
        std::vector<std::string> names(files.begin(), files.end());
        results.push_back(
            {(std::filesystem::path(path) / name).string(), TRY(verifyChain(names, options))});
      }
    } else {
      run.push_back(path);
    }
  }
  TRY(flush());
  return results;
}

}  // namespace rempart::gateway::audit
