// dm-verity hash trees: byte-identical to `veritysetup format` (the anchor, run for real), and
// every tampered block or wrong root hash is refused with the place named.
#include "image/verity.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "common/atomic_file.hpp"

using namespace rempart;
using namespace rempart::image;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSalt = "5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d5a1f00d0";
constexpr const char* kUuid = "4f7c1a3e-2b9d-4e51-8a6c-0d3f2e1b9a77";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rempart-verity.XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

void writeRandom(const fs::path& p, size_t bytes, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string data(bytes, '\0');
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    uint64_t v = rng();
    std::memcpy(data.data() + i, &v, 8);
  }
  REQUIRE(writeFileAtomic(p, data));
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(f != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int rc = ::pclose(f);
  INFO(cmd << "\n" << out);
  REQUIRE(rc == 0);
  return out;
}

std::string rootFromVeritysetup(const std::string& out) {
  auto pos = out.find("Root hash:");
  REQUIRE(pos != std::string::npos);
  auto start = out.find_first_not_of(" \t", pos + 10);
  return out.substr(start, 64);
}

VerityParams params() {
  VerityParams p;
  p.salt = fromHex(kSalt).value();
  p.uuid = parseUuid(kUuid).value();
  return p;
}

void flipByte(const fs::path& p, size_t offset) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("verity tree is byte-identical to veritysetup format", "[unit][verity]") {
  TempDir dir;
  // Sizes cover: one block (no tree levels), one full hash block, a partial second level,
  // and three levels (more than 128*128 blocks).
  for (size_t blocks : {size_t{1}, size_t{128}, size_t{129}, size_t{5000}, size_t{16385}}) {
    DYNAMIC_SECTION("blocks=" << blocks) {
      auto data = dir.path / "data", ours = dir.path / "ours.hash", theirs = dir.path / "vs.hash";
      writeRandom(data, blocks * kVerityBlockSize, static_cast<unsigned>(blocks));
      auto out = run("veritysetup format --salt=" + std::string(kSalt) + " --uuid=" + kUuid + " " +
                     data.string() + " " + theirs.string());
      auto tree = formatVerity(data, ours, params());
      REQUIRE(tree);
      CHECK(tree->data_blocks == blocks);
      CHECK(toHex(tree->root_hash) == rootFromVeritysetup(out));
      auto a = readFile(ours, 64 << 20).value(), b = readFile(theirs, 64 << 20).value();
      CHECK(a.size() == b.size());
      CHECK(a == b);
      // And veritysetup accepts our hash device.
      run("veritysetup verify " + data.string() + " " + ours.string() + " " +
          toHex(tree->root_hash));
    }
  }
}

TEST_CASE("verity verify names a tampered data block, hash block or wrong root", "[unit][verity]") {
  TempDir dir;
  auto data = dir.path / "data", hash = dir.path / "hash";
  writeRandom(data, 300 * kVerityBlockSize, 7);
  auto tree = formatVerity(data, hash, params()).value();
  REQUIRE(verifyVerity(data, hash, tree.root_hash));

  auto wrong = tree.root_hash;
  wrong[0] ^= 1;
  auto r = verifyVerity(data, hash, wrong);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("does not match the expected") != std::string::npos);

  flipByte(data, 17 * kVerityBlockSize + 5);
  r = verifyVerity(data, hash, tree.root_hash);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == data.string() + ": data block 17 is corrupted");
  flipByte(data, 17 * kVerityBlockSize + 5);
  REQUIRE(verifyVerity(data, hash, tree.root_hash));

  flipByte(hash, 3 * kVerityBlockSize + 100);
  r = verifyVerity(data, hash, tree.root_hash);
  REQUIRE_FALSE(r);
  // Blocks: 0 superblock, 1 top level, 2-4 level 0.
  CHECK(r.error().message() == hash.string() + ": hash block 3 is corrupted");

  flipByte(hash, 3 * kVerityBlockSize + 100);
  flipByte(hash, kVerityBlockSize + 40);
  r = verifyVerity(data, hash, tree.root_hash);
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("does not match the expected") != std::string::npos);
}

TEST_CASE("verity refuses bad sizes, salts, superblocks and arguments", "[unit][verity]") {
  std::vector<uint8_t> data(kVerityBlockSize + 1);
  auto r = computeVerityTree(data.data(), data.size(), params());
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "data size 4097 is not a non-zero multiple of 4096 bytes");
  VerityParams p = params();
  p.salt.assign(257, 0);
  CHECK(computeVerityTree(data.data(), kVerityBlockSize, p).error().message() ==
        "salt is longer than 256 bytes");

  TempDir dir;
  auto junk = dir.path / "junk";
  REQUIRE(writeFileAtomic(junk, std::string(8192, 'x')));
  auto v = verifyVerity(junk, junk, {});
  REQUIRE_FALSE(v);
  CHECK(v.error().message().find("no verity superblock") != std::string::npos);

  CHECK_FALSE(fromHex("abc"));
  CHECK(fromHex("zz").error().message() == "'zz' is not hex");
  CHECK_FALSE(parseUuid("4f7c1a3e2b9d-4e51-8a6c-0d3f2e1b9a77x"));
  CHECK_FALSE(parseUuid("4f7c1a3e-2b9d-4e51-8a6c-0d3f2e1b9a7g"));
}
