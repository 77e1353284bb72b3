// The writer: chained records on disk, rotation, reopening, torn tails and refusals.
#include <fcntl.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "audit_test_util.hpp"
#include "gateway/audit/chain_format.hpp"
#include "gateway/audit/chain_verify.hpp"
#include "gateway/audit/log_files.hpp"

using namespace rempart::gateway::audit;
using namespace audit_test;

namespace {

VerifyResult verify(const std::vector<std::string>& files, VerifyOptions opts = {}) {
  auto r = verifyPaths(files, opts);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  return (*r)[0].result;
}

std::vector<std::string> logFiles(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".jsonl") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("chain log writes canonical chained records that verify", "[unit][audit][chain]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 4);
  CHECK(file.filename() == "connections-000000000001.jsonl");
  const auto ls = lines(file);
  REQUIRE(ls.size() == 5);
  CHECK(ls[0] == R"({"seq":1,"time":"2026-12-04T10:00:01.500Z","prev":")" +
                     std::string(kGenesisPrev) +
                     R"(","event":"log.start","format":"rempart-audit/1","log":"connections"})");
  auto sha = Sha256::create().value();
  for (size_t i = 1; i < ls.size(); ++i) {
    auto h = parseRecordHeader(ls[i]).value();
    CHECK(h.seq == i + 1);
    CHECK(h.prev == sha.hexDigest(ls[i - 1]).value());
    CHECK(h.event == "test.event");
  }
  CHECK(ls[4] == R"({"seq":5,"time":"2026-12-04T10:00:07.500Z","prev":")" +
                     sha.hexDigest(ls[3]).value() +
                     R"(","event":"test.event","n":3,"tunnel":"paris-lyon"})");
  auto result = verify({file.string()});
  CHECK(result.ok());
  CHECK(result.summary.records == 5);
  CHECK(result.summary.last_seq == 5);
  CHECK(result.summary.last_hash == sha.hexDigest(ls[4]).value());
}

TEST_CASE("reopening a log continues its chain without a second start", "[unit][audit][chain]") {
  TempDir dir;
  writeLog(dir.path, 2);
  {
    auto log = ChainLog::open(options(dir.path));
    REQUIRE(log);
    CHECK_FALSE(log->recovery().started_new_log);
    CHECK(log->lastSeq() == 3);
    auto rec = log->append(event("after.reopen", 1));
    REQUIRE(rec);
    CHECK(rec->seq == 4);
  }
  const auto ls = lines(dir.path / "connections-000000000001.jsonl");
  REQUIRE(ls.size() == 4);
  CHECK(parseRecordHeader(ls[3]).value().event == "after.reopen");
  CHECK(verify({(dir.path / "connections-000000000001.jsonl").string()}).ok());
}

TEST_CASE("rotation by size keeps one chain across files", "[unit][audit][chain][rotation]") {
  TempDir dir;
  {
    auto log = ChainLog::open(options(dir.path, 1000)).value();
    for (int i = 0; i < 30; ++i) REQUIRE(log.append(event("test.event", i)));
  }
  const auto files = logFiles(dir.path);
  REQUIRE(files.size() >= 3);
  auto sha = Sha256::create().value();
  for (size_t f = 1; f < files.size(); ++f) {
    CHECK(fs::file_size(files[f - 1]) <= 1000);
    const auto prev_lines = lines(files[f - 1]);
    const auto first = parseRecordHeader(lines(files[f]).front()).value();
    CHECK(first.event == "log.rotate");
    CHECK(first.prev == sha.hexDigest(prev_lines.back()).value());
    CHECK(fs::path(files[f]).filename() == logFileName("connections", first.seq));
  }
  auto all = verify(files);
  CHECK(all.ok());
  CHECK(all.summary.files == files.size());
  // The directory form finds the same chain.
  auto by_dir = verifyPaths({dir.path.string()}, {}).value();
  REQUIRE(by_dir.size() == 1);
  CHECK(by_dir[0].result.ok());
  CHECK(by_dir[0].result.summary.records == all.summary.records);

  SECTION("a missing middle file is named") {
    auto without = files;
    const auto missing_first = parseRecordHeader(lines(files[1]).front()).value().seq;
    without.erase(without.begin() + 1);
    auto r = verify(without);
    REQUIRE(r.issue);
    CHECK(r.issue->file == files[2]);
    CHECK(r.issue->line == 1);
    CHECK_THAT(r.issue->reason,
               Catch::StartsWith("seq jumps from " + std::to_string(missing_first - 1)));
  }
  SECTION("files given out of order are refused") {
    auto swapped = files;
    std::swap(swapped[0], swapped[1]);
    auto r = verify(swapped);
    REQUIRE(r.issue);
    CHECK(r.issue->file == files[1]);
    CHECK(r.issue->line == 1);
    CHECK_THAT(r.issue->reason, Catch::Contains("does not start at its first record"));
  }
  SECTION("a later file alone verifies only with --partial, reporting its anchor") {
    CHECK_FALSE(verify({files.back()}).ok());
    auto r = verify({files.back()}, VerifyOptions{.allow_partial = true, .expect_hash = ""});
    CHECK(r.ok());
    CHECK(r.summary.first_prev == sha.hexDigest(lines(files[files.size() - 2]).back()).value());
  }
  SECTION("reopening after rotation appends to the newest file") {
    auto log = ChainLog::open(options(dir.path, 1000)).value();
    CHECK(log.currentFile() == files.back());
    REQUIRE(log.append(event("again", 1)));
    CHECK(verify(logFiles(dir.path)).ok());
  }
}

TEST_CASE("a torn last line is cut on open and the cut is logged", "[unit][audit][chain][torn]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 3);
  const std::string good = readAll(file);
  // A crash in the middle of write(): a prefix of the next record, no newline.
  const std::string torn = R"({"seq":5,"time":"2026-12-04T10:00:09.000Z","prev":"ab)";
  writeAll(file, good + torn);

  auto before = verify({file.string()});
  REQUIRE(before.issue);
  CHECK(before.issue->line == 5);
  CHECK_THAT(before.issue->reason, Catch::Contains("incomplete"));

  {
    auto log = ChainLog::open(options(dir.path));
    REQUIRE(log);
    CHECK(log->recovery().torn_bytes_dropped == torn.size());
    REQUIRE(log->append(event("after.crash", 1)));
  }
  const auto ls = lines(file);
  REQUIRE(ls.size() == 6);
  CHECK(readAll(file).starts_with(good));  // acknowledged records are untouched
  auto members = parseJsonObject(ls[4]).value();
  auto field = [&](const std::string& k) {
    for (const auto& m : members)
      if (m.key == k) return m.value;
    return std::string("<absent>");
  };
  CHECK(field("event") == "log.torn-tail");
  CHECK(field("dropped_bytes") == std::to_string(torn.size()));
  CHECK(field("dropped_text") == torn);
  CHECK(field("dropped_sha256") == Sha256::create().value().hexDigest(torn).value());
  CHECK(parseRecordHeader(ls[4]).value().seq == 5);
  CHECK(verify({file.string()}).ok());
}

TEST_CASE("a torn first record of a new log restarts it cleanly", "[unit][audit][chain][torn]") {
  TempDir dir;
  writeAll(dir.path / "connections-000000000001.jsonl", R"({"seq":1,"ti)");
  auto log = ChainLog::open(options(dir.path));
  REQUIRE(log);
  CHECK(log->recovery().started_new_log);
  CHECK(log->recovery().torn_bytes_dropped == 12);
  const auto ls = lines(dir.path / "connections-000000000001.jsonl");
  REQUIRE(ls.size() == 2);
  CHECK(parseRecordHeader(ls[0]).value().event == "log.start");
  CHECK(parseRecordHeader(ls[1]).value().event == "log.torn-tail");
  CHECK(verify({(dir.path / "connections-000000000001.jsonl").string()}).ok());
}

TEST_CASE("an empty file left by a crash during rotation chains to the previous file",
          "[unit][audit][chain][torn]") {
  TempDir dir;
  writeLog(dir.path, 2);  // seq 1..3
  writeAll(dir.path / "connections-000000000004.jsonl", "");
  {
    auto log = ChainLog::open(options(dir.path));
    REQUIRE(log);
    CHECK(log->currentFile().filename() == "connections-000000000004.jsonl");
    CHECK(log->append(event("x", 1)).value().seq == 4);
  }
  CHECK(verify(logFiles(dir.path)).ok());
}

TEST_CASE("the writer refuses to guess or to share", "[unit][audit][chain]") {
  TempDir dir;
  SECTION("a second writer on the same log") {
    auto first = ChainLog::open(options(dir.path));
    REQUIRE(first);
    auto second = ChainLog::open(options(dir.path));
    REQUIRE_FALSE(second);
    CHECK(second.error().code == rempart::ErrorCode::kConflict);
  }
  SECTION("a last record that is not a record") {
    const fs::path file = writeLog(dir.path, 1);
    writeAll(file, readAll(file) + "not json\n");
    auto log = ChainLog::open(options(dir.path));
    REQUIRE_FALSE(log);
    CHECK(log.error().code == rempart::ErrorCode::kInvalidInput);
    CHECK_THAT(log.error().context, Catch::Contains("last record is invalid"));
  }
  SECTION("payloads without an event or with reserved keys") {
    auto log = ChainLog::open(options(dir.path)).value();
    JsonObject no_event;
    no_event.set("x", 1);
    CHECK_FALSE(log.append(no_event));
    CHECK_FALSE(log.append(event("e", 1).set("seq", 99)));
    CHECK_FALSE(log.append(event("e", 1).set("prev", "x")));
    CHECK(log.lastSeq() == 1);
  }
}

TEST_CASE("an oversized payload becomes a stub that keeps its size and hash",
          "[unit][audit][chain]") {
  TempDir dir;
  auto log = ChainLog::open(options(dir.path)).value();
  auto big = event("ike.up", 1).set("remote_id", std::string(kMaxRecordBytes, 'x'));
  auto rec = log.append(big);
  REQUIRE(rec);
  const auto ls = lines(log.currentFile());
  REQUIRE(ls.size() == 2);
  CHECK(ls[1].size() < 1024);
  CHECK_THAT(ls[1], Catch::Contains(R"("event":"oversize")"));
  CHECK_THAT(ls[1], Catch::Contains(R"("oversize_sha256":")" +
                                    Sha256::create().value().hexDigest(big.membersJson()).value()));
  CHECK(verify({log.currentFile().string()}).ok());
}

TEST_CASE("an export of a rotated log verifies as one stream", "[unit][audit][chain][export]") {
  TempDir dir;
  {
    auto log = ChainLog::open(options(dir.path, 800)).value();
    for (int i = 0; i < 20; ++i) REQUIRE(log.append(event("test.event", i)));
  }
  const fs::path out = dir.path / "export.out";
  {
    rempart::UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(fd);
    REQUIRE(exportLog(dir.path, "connections", fd.get()));
  }
  std::string concatenated;
  for (const auto& f : logFiles(dir.path)) concatenated += readAll(f);
  CHECK(readAll(out) == concatenated);
  CHECK(logFiles(dir.path).size() > 2);
  auto r = verify({out.string()});
  CHECK(r.ok());
  CHECK(r.summary.records == 21 + logFiles(dir.path).size() - 1);  // + one log.rotate per file
  auto missing = exportLog(dir.path, "admin", STDOUT_FILENO);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == rempart::ErrorCode::kNotFound);
}

TEST_CASE("a failed append leaves no partial record behind", "[unit][audit][chain]") {
  TempDir dir;
  auto log = ChainLog::open(options(dir.path)).value();
  REQUIRE(log.append(event("before", 1)));
  const std::string before = readAll(log.currentFile());

  // The file-size limit makes write() stop part-way through the record (then EFBIG), the way a
  // full disk would; SIGXFSZ is ignored so the process survives to see the error.
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit tight = old;
  tight.rlim_cur = before.size() + 40;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &tight) == 0);
  auto failed = log.append(event("too.big.for.the.disk", 2));
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);

  REQUIRE_FALSE(failed);
  CHECK(failed.error().errnum == EFBIG);
  CHECK(readAll(log.currentFile()) == before);
  CHECK(log.lastSeq() == 2);
  auto next = log.append(event("after", 3));
  REQUIRE(next);
  CHECK(next->seq == 3);
  CHECK(verify({log.currentFile().string()}).ok());
}
