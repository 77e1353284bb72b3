// "The chain": every kind of tampering is detected, and the first bad line is named.
#include <catch2/catch.hpp>

#include "audit_test_util.hpp"
#include "gateway/audit/chain_verify.hpp"

using namespace rempart::gateway::audit;
using namespace audit_test;

namespace {

VerifyResult verifyFile(const fs::path& file, VerifyOptions opts = {}) {
  auto r = verifyPaths({file.string()}, opts);
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  return (*r)[0].result;
}

void requireIssue(const VerifyResult& r, uint64_t line, const std::string& reason_start) {
  REQUIRE(r.issue);
  CHECK(r.issue->line == line);
  CHECK_THAT(r.issue->reason, Catch::StartsWith(reason_start));
}

}  // namespace

TEST_CASE("an edited record is detected at the next line, naming it", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 8);  // 9 lines
  auto ls = lines(file);
  const auto pos = ls[6].find(R"("n":5)");
  REQUIRE(pos != std::string::npos);
  ls[6].replace(pos, 5, R"("n":6)");  // still valid JSON, seq intact
  writeLines(file, ls);
  auto r = verifyFile(file);
  requireIssue(r, 8, "prev hash does not match line 7 (seq 7)");
  CHECK(r.issue->format() == file.string() + ":8: " + r.issue->reason);
  CHECK(r.summary.records == 7);
}

TEST_CASE("an edited prev field is detected on its own line", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 5);
  auto ls = lines(file);
  const auto pos = ls[3].find("\"prev\":\"") + 8;
  ls[3][pos] = ls[3][pos] == 'a' ? 'b' : 'a';
  writeLines(file, ls);
  requireIssue(verifyFile(file), 4, "prev hash does not match line 3");
}

TEST_CASE("a deleted record is detected where the gap is", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 8);
  auto ls = lines(file);
  ls.erase(ls.begin() + 4);  // seq 5
  writeLines(file, ls);
  requireIssue(verifyFile(file), 5, "seq jumps from 4 to 6");
}

TEST_CASE("a deleted and renumbered record still breaks the chain", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 4);
  auto ls = lines(file);
  ls.erase(ls.begin() + 2);  // drop seq 3, renumber seq 4 and 5
  for (size_t i = 2; i < ls.size(); ++i) {
    const auto old_seq = "\"seq\":" + std::to_string(i + 2);
    ls[i].replace(ls[i].find(old_seq), old_seq.size(), "\"seq\":" + std::to_string(i + 1));
  }
  writeLines(file, ls);
  requireIssue(verifyFile(file), 3, "prev hash does not match line 2");
}

TEST_CASE("an inserted record is detected", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 6);
  auto ls = lines(file);
  SECTION("a copy of an existing record") {
    ls.insert(ls.begin() + 3, ls[2]);
    writeLines(file, ls);
    requireIssue(verifyFile(file), 4, "seq goes back from 3 to 3");
  }
  SECTION("a forged record with a correct prev and the next seq") {
    auto sha = Sha256::create().value();
    const std::string forged = R"({"seq":4,"time":"2026-12-04T10:00:06.000Z","prev":")" +
                               sha.hexDigest(ls[2]).value() +
                               R"(","event":"ike.up","tunnel":"fake"})";
    ls.insert(ls.begin() + 3, forged);
    writeLines(file, ls);
    requireIssue(verifyFile(file), 5, "seq goes back from 4 to 4");
  }
}

TEST_CASE("reordered records are detected at the first out-of-place line",
          "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 8);
  auto ls = lines(file);
  std::swap(ls[5], ls[6]);  // lines 6 and 7
  writeLines(file, ls);
  requireIssue(verifyFile(file), 6, "seq jumps from 5 to 7");
}

TEST_CASE("a truncated log is detected", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 5);
  const std::string content = readAll(file);
  SECTION("cut inside a record") {
    writeAll(file, content.substr(0, content.size() - 10));
    requireIssue(verifyFile(file), 6, "last line is incomplete");
  }
  SECTION("cut at a record boundary, against the hash pinned by an earlier check") {
    const auto head = verifyFile(file).summary.last_hash;
    auto ls = lines(file);
    ls.pop_back();
    writeLines(file, ls);
    CHECK(verifyFile(file).ok());  // a chain alone cannot see its end removed
    auto r = verifyFile(file, VerifyOptions{.allow_partial = false, .expect_hash = head});
    requireIssue(r, 5, "the expected record " + head.substr(0, 16));
  }
  SECTION("cut to nothing") {
    writeAll(file, "");
    requireIssue(verifyFile(file), 0, "no records");
  }
  SECTION("the first records removed") {
    auto ls = lines(file);
    ls.erase(ls.begin(), ls.begin() + 2);
    writeLines(file, ls);
    requireIssue(verifyFile(file), 1, "the log does not start at its first record");
  }
}

TEST_CASE("malformed lines are named", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 3);
  auto ls = lines(file);
  SECTION("garbage") {
    ls[2] = "hello";
    writeLines(file, ls);
    requireIssue(verifyFile(file), 3, "malformed record: invalid JSON");
  }
  SECTION("a duplicate seq key") {
    ls[2].insert(1, R"("seq":3,)");
    writeLines(file, ls);
    requireIssue(verifyFile(file), 3, "malformed record: invalid JSON");
  }
  SECTION("an empty line") {
    ls.insert(ls.begin() + 1, "");
    writeLines(file, ls);
    requireIssue(verifyFile(file), 2, "empty line");
  }
  SECTION("a huge line") {
    ls[1] = std::string(200000, 'x');
    writeLines(file, ls);
    requireIssue(verifyFile(file), 2, "record longer than");
  }
}

TEST_CASE("the verifier reads an export in arbitrary chunks", "[unit][audit][tamper]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 6);
  const std::string content = readAll(file);
  for (size_t chunk : {1u, 7u, 100u}) {
    auto v = ChainVerifier::create({}).value();
    v.beginFile("export");
    for (size_t i = 0; i < content.size(); i += chunk)
      v.feed(std::string_view(content).substr(i, chunk));
    v.endFile();
    auto r = v.finish();
    CHECK(r.ok());
    CHECK(r.summary.records == 7);
  }
}
