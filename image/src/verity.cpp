#include "image/verity.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstring>
#include <memory>
#include <thread>

#include "common/atomic_file.hpp"
#include "common/unique_fd.hpp"

namespace rempart::image {

namespace {

constexpr size_t kHashesPerBlock = kVerityBlockSize / kVerityDigestSize;  // 128
constexpr unsigned kHashPerBlockBits = 7;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MdDeleter {
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// Hashes blocks as salt || block with a context pre-seeded with the salt, so the salt is not
// re-hashed for each of the millions of blocks.
class SaltedHasher {
 public:
  static Result<SaltedHasher> create(const std::vector<uint8_t>& salt) {
    std::unique_ptr<EVP_MD, MdDeleter> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    MdCtx base(EVP_MD_CTX_new()), work(EVP_MD_CTX_new());
    if (!md || !base || !work || EVP_DigestInit_ex(base.get(), md.get(), nullptr) != 1 ||
        EVP_DigestUpdate(base.get(), salt.data(), salt.size()) != 1) {
      return fail(ErrorCode::kSystem, "initialising SHA-256");
    }
    return SaltedHasher(std::move(base), std::move(work));
  }

  bool hash(const uint8_t* block, size_t size, uint8_t* out) {
    unsigned len = 0;
    return EVP_MD_CTX_copy_ex(work_.get(), base_.get()) == 1 &&
           EVP_DigestUpdate(work_.get(), block, size) == 1 &&
           EVP_DigestFinal_ex(work_.get(), out, &len) == 1 && len == kVerityDigestSize;
  }

 private:
  SaltedHasher(MdCtx base, MdCtx work) : base_(std::move(base)), work_(std::move(work)) {}
  MdCtx base_, work_;
};

// Hashes `count` blocks of `in` into consecutive digests at `out` (which is zeroed beyond the
// last digest by the caller), split across `threads` workers.
Result<void> hashBlocks(const uint8_t* in, uint64_t count, uint8_t* out,
                        const std::vector<uint8_t>& salt, unsigned threads) {
  if (threads == 0) threads = 1;
  if (count < 1024) threads = 1;
  std::vector<std::thread> workers;
  std::vector<char> ok(threads, 0);
  auto work = [&](unsigned t) {
    auto hasher = SaltedHasher::create(salt);
    if (!hasher) return;
    uint64_t first = count * t / threads, last = count * (t + 1) / threads;
    for (uint64_t b = first; b < last; ++b) {
      if (!hasher->hash(in + b * kVerityBlockSize, kVerityBlockSize, out + b * kVerityDigestSize))
        return;
    }
    ok[t] = 1;
  };
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& w : workers) w.join();
  for (char k : ok)
    if (!k) return fail(ErrorCode::kSystem, "hashing data blocks");
  return {};
}

void putLe(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t getLe(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// Superblock field offsets (little-endian, 512 bytes), as veritysetup writes them.
constexpr size_t kSbVersion = 8, kSbHashType = 12, kSbUuid = 16, kSbAlgorithm = 32,
                 kSbDataBlockSize = 64, kSbHashBlockSize = 68, kSbDataBlocks = 72, kSbSaltSize = 80,
                 kSbSalt = 88;

void writeSuperblock(uint8_t* sb, uint64_t data_blocks, const VerityParams& p) {
  std::memcpy(sb, "verity\0\0", 8);
  putLe(sb + kSbVersion, 1, 4);
  putLe(sb + kSbHashType, 1, 4);
  std::memcpy(sb + kSbUuid, p.uuid.data(), 16);
  std::memcpy(sb + kSbAlgorithm, "sha256", 6);
  putLe(sb + kSbDataBlockSize, kVerityBlockSize, 4);
  putLe(sb + kSbHashBlockSize, kVerityBlockSize, 4);
  putLe(sb + kSbDataBlocks, data_blocks, 8);
  putLe(sb + kSbSaltSize, p.salt.size(), 2);
  std::memcpy(sb + kSbSalt, p.salt.data(), p.salt.size());
}

// A read-only mapping of a whole file.
class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return failErrno("opening " + path.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return failErrno("stat " + path.string());
    size_t size = static_cast<size_t>(st.st_size);
    if (size == 0) return MappedFile(nullptr, 0);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
    if (p == MAP_FAILED) return failErrno("mapping " + path.string());
    return MappedFile(static_cast<const uint8_t*>(p), size);
  }
  MappedFile(MappedFile&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(o.size_) {}
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  MappedFile(const uint8_t* d, size_t s) : data_(d), size_(s) {}
  const uint8_t* data_;
  size_t size_;
};

// Tree geometry as veritysetup computes it: level i holds ceil(blocks / 128^(i+1)) hash blocks;
// levels are stored top first, right after the superblock block.
struct Geometry {
  std::vector<uint64_t> level_blocks, level_start;
  uint64_t total_blocks = 1;  // superblock block included
};

Geometry geometryFor(uint64_t data_blocks) {
  unsigned levels = 0;
  while (kHashPerBlockBits * levels < 64 && ((data_blocks - 1) >> (kHashPerBlockBits * levels)))
    ++levels;
  Geometry g;
  g.level_blocks.resize(levels);
  g.level_start.resize(levels);
  for (int i = static_cast<int>(levels) - 1; i >= 0; --i) {
    unsigned shift = (i + 1) * kHashPerBlockBits;
    g.level_blocks[i] = (data_blocks + (uint64_t{1} << shift) - 1) >> shift;
    g.level_start[i] = g.total_blocks;
    g.total_blocks += g.level_blocks[i];
  }
  return g;
}

}  // namespace

Result<VerityTree> computeVerityTree(const uint8_t* data, size_t size, const VerityParams& p) {
  if (size == 0 || size % kVerityBlockSize != 0) {
    return fail(ErrorCode::kInvalidInput, "data size " + std::to_string(size) +
                                              " is not a non-zero multiple of " +
                                              std::to_string(kVerityBlockSize) + " bytes");
  }
  if (p.salt.size() > kVerityMaxSalt) {
    return fail(ErrorCode::kInvalidInput, "salt is longer than 256 bytes");
  }
  VerityTree tree;
  tree.data_blocks = size / kVerityBlockSize;

  const Geometry g = geometryFor(tree.data_blocks);
  const auto levels = static_cast<unsigned>(g.level_blocks.size());
  tree.hash_device.assign(g.total_blocks * kVerityBlockSize, 0);
  writeSuperblock(tree.hash_device.data(), tree.data_blocks, p);

  const uint8_t* below = data;
  uint64_t below_blocks = tree.data_blocks;
  for (unsigned i = 0; i < levels; ++i) {
    uint8_t* out = tree.hash_device.data() + g.level_start[i] * kVerityBlockSize;
    TRY(hashBlocks(below, below_blocks, out, p.salt, i == 0 ? p.threads : 1));
    below = out;
    below_blocks = g.level_blocks[i];
  }
  auto hasher = TRY(SaltedHasher::create(p.salt));
  if (!hasher.hash(below, kVerityBlockSize, tree.root_hash.data()))
    return fail(ErrorCode::kSystem, "hashing the root block");
  static_assert(kHashesPerBlock == 128);
  return tree;
}

Result<VerityTree> formatVerity(const std::filesystem::path& data_path,
                                const std::filesystem::path& hash_path, const VerityParams& p) {
  auto data = TRY(MappedFile::open(data_path));
  auto tree = TRY(computeVerityTree(data.data(), data.size(), p).map_error([&](Error e) {
    return e.wrap(data_path.string());
  }));
  std::string_view bytes(reinterpret_cast<const char*>(tree.hash_device.data()),
                         tree.hash_device.size());
  TRY(writeFileAtomic(hash_path, bytes, 0644));
  return tree;
}

Result<void> verifyVerity(const std::filesystem::path& data_path,
                          const std::filesystem::path& hash_path,
                          const std::array<uint8_t, kVerityDigestSize>& expected_root,
                          unsigned threads) {
  auto stored = TRY(MappedFile::open(hash_path));
  const uint8_t* sb = stored.data();
  auto bad = [&](std::string why) {
    return fail(ErrorCode::kInvalidInput, hash_path.string() + ": " + why);
  };
  if (stored.size() < kVerityBlockSize || std::memcmp(sb, "verity\0\0", 8) != 0)
    return bad("no verity superblock");
  if (getLe(sb + kSbVersion, 4) != 1 || getLe(sb + kSbHashType, 4) != 1 ||
      std::memcmp(sb + kSbAlgorithm, "sha256\0", 7) != 0 ||
      getLe(sb + kSbDataBlockSize, 4) != kVerityBlockSize ||
      getLe(sb + kSbHashBlockSize, 4) != kVerityBlockSize)
    return bad("unsupported verity parameters (need format 1, sha256, 4096-byte blocks)");
  size_t salt_size = getLe(sb + kSbSaltSize, 2);
  if (salt_size > kVerityMaxSalt) return bad("salt size out of range");
  VerityParams p;
  p.salt.assign(sb + kSbSalt, sb + kSbSalt + salt_size);
  std::memcpy(p.uuid.data(), sb + kSbUuid, 16);
  p.threads = threads;

  auto data = TRY(MappedFile::open(data_path));
  uint64_t blocks = getLe(sb + kSbDataBlocks, 8);
  if (blocks == 0 || data.size() / kVerityBlockSize < blocks)
    return bad("data device does not hold the " + std::to_string(blocks) + " blocks recorded");
  const Geometry g = geometryFor(blocks);
  if (stored.size() < g.total_blocks * kVerityBlockSize) return bad("hash device is truncated");

  // Top down, as the kernel checks: the root against the top block, each stored hash block
  // against its digest one level up, then every data block against level 0. The first failure
  // names the corrupted block.
  auto hasher = TRY(SaltedHasher::create(p.salt));
  uint8_t digest[kVerityDigestSize];
  auto block = [&](uint64_t index) { return stored.data() + index * kVerityBlockSize; };
  const uint8_t* top = g.level_blocks.empty() ? data.data() : block(g.level_start.back());
  if (!hasher.hash(top, kVerityBlockSize, digest)) return fail(ErrorCode::kSystem, "hashing");
  if (std::memcmp(digest, expected_root.data(), kVerityDigestSize) != 0)
    return fail(ErrorCode::kInvalidInput, "root hash " + toHex(digest, kVerityDigestSize) +
                                              " does not match the expected " +
                                              toHex(expected_root));
  for (size_t i = g.level_blocks.size(); i-- > 1;) {
    for (uint64_t b = 0; b < g.level_blocks[i - 1]; ++b) {
      uint64_t index = g.level_start[i - 1] + b;
      if (!hasher.hash(block(index), kVerityBlockSize, digest))
        return fail(ErrorCode::kSystem, "hashing");
      if (std::memcmp(digest, block(g.level_start[i]) + b * kVerityDigestSize, kVerityDigestSize) !=
          0)
        return bad("hash block " + std::to_string(index) + " is corrupted");
    }
  }
  if (g.level_blocks.empty()) return {};
  std::vector<uint8_t> digests(blocks * kVerityDigestSize);
  TRY(hashBlocks(data.data(), blocks, digests.data(), p.salt, threads));
  const uint8_t* level0 = block(g.level_start[0]);
  for (uint64_t b = 0; b < blocks; ++b) {
    if (std::memcmp(digests.data() + b * kVerityDigestSize, level0 + b * kVerityDigestSize,
                    kVerityDigestSize) != 0)
      return fail(ErrorCode::kInvalidInput,
                  data_path.string() + ": data block " + std::to_string(b) + " is corrupted");
  }
  return {};
}

std::string toHex(const uint8_t* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

Result<std::vector<uint8_t>> fromHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return fail(ErrorCode::kInvalidInput, "odd number of hex digits");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return fail(ErrorCode::kInvalidInput, "'" + std::string(hex.substr(i, 2)) + "' is not hex");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

Result<std::array<uint8_t, 16>> parseUuid(std::string_view text) {
  static constexpr size_t kDashes[] = {8, 13, 18, 23};
  if (text.size() != 36) return fail(ErrorCode::kInvalidInput, "a UUID has 36 characters");
  std::string hex;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash_here = false;
    for (size_t d : kDashes) dash_here |= (d == i);
    if (dash_here != (text[i] == '-'))
      return fail(ErrorCode::kInvalidInput, "'" + std::string(text) + "' is not a UUID");
    if (!dash_here) hex += text[i];
  }
  auto bytes = TRY(fromHex(hex));
  std::array<uint8_t, 16> out{};
  std::memcpy(out.data(), bytes.data(), 16);
  return out;
}

}  // namespace rempart::image
