// Runs the built `rempart log verify` the way an auditor does: files, a directory, stdin.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "audit_test_util.hpp"

using namespace audit_test;

namespace {

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run runCli(const std::string& args) {
  Run r;
  const std::string cmd = std::string(REMPART_CLI) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("rempart log verify passes a good log and names the tampered line",
          "[unit][audit][cli]") {
  TempDir dir;
  const fs::path file = writeLog(dir.path, 6);

  auto ok = runCli("log verify " + file.string());
  CHECK(ok.status == 0);
  CHECK_THAT(ok.output, Catch::Contains(": OK, 7 records, seq 1..7, last hash "));

  auto by_dir = runCli("log verify " + dir.path.string());
  CHECK(by_dir.status == 0);
  CHECK_THAT(by_dir.output, Catch::Contains("connections: OK, 7 records"));

  auto from_stdin = runCli("log verify - < " + file.string());
  CHECK(from_stdin.status == 0);
  CHECK_THAT(from_stdin.output, Catch::Contains("<stdin>: OK, 7 records"));

  auto ls = lines(file);
  std::swap(ls[3], ls[4]);
  writeLines(file, ls);
  auto bad = runCli("log verify " + file.string());
  CHECK(bad.status == 1);
  CHECK_THAT(bad.output, Catch::Contains(file.string() + ":4: seq jumps from 3 to 5"));
  CHECK_THAT(bad.output, Catch::Contains("FAILED after 3 good records"));

  auto bad_stdin = runCli("log verify - < " + file.string());
  CHECK(bad_stdin.status == 1);
  CHECK_THAT(bad_stdin.output, Catch::Contains("<stdin>:4: seq jumps from 3 to 5"));
}

TEST_CASE("rempart log verify reports usage and I/O errors distinctly", "[unit][audit][cli]") {
  TempDir dir;
  CHECK(runCli("log verify --bogus").status == 2);
  CHECK(runCli("log verify --head nothex x").status == 2);
  CHECK(runCli("log frobnicate").status == 2);
  auto missing = runCli("log verify " + (dir.path / "absent.jsonl").string());
  CHECK(missing.status == 1);
  CHECK_THAT(missing.output, Catch::Contains("absent.jsonl"));
}
