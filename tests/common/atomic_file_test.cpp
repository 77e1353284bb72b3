#include "common/atomic_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace rempart;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rempart-test.XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("writeFileAtomic replaces content and leaves no temporary file", "[unit][atomic]") {
  TempDir dir;
  auto file = dir.path / "active.yaml";
  REQUIRE(writeFileAtomic(file, "first\n"));
  REQUIRE(writeFileAtomic(file, "second\n", 0640));
  CHECK(readFile(file).value() == "second\n");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  size_t entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("writeFileAtomic fails cleanly and keeps the old file", "[unit][atomic]") {
  TempDir dir;
  auto r = writeFileAtomic(dir.path / "missing-dir" / "x", "data");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kSystem);
  CHECK(r.error().message().find("missing-dir") != std::string::npos);

  // A directory standing where the file should go: rename fails, the directory survives and no
  // temporary file is left behind.
  fs::create_directory(dir.path / "taken");
  fs::create_directory(dir.path / "taken" / "child");
  REQUIRE_FALSE(writeFileAtomic(dir.path / "taken", "data"));
  CHECK(fs::is_directory(dir.path / "taken"));
  size_t entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("readFile refuses oversized and non-regular files", "[unit][atomic]") {
  TempDir dir;
  auto file = dir.path / "big";
  REQUIRE(writeFileAtomic(file, std::string(100, 'x')));
  CHECK(readFile(file, 100));
  auto r = readFile(file, 99);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kLimit);
  CHECK(readFile(dir.path).error().code == ErrorCode::kInvalidInput);
  CHECK(readFile(dir.path / "nope").error().errnum == ENOENT);
}
