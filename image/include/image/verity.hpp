// dm-verity hash trees (format 1, as `veritysetup format` writes them), computed in userspace.
// The image build uses it to protect the root file system, and the updater to check a slot
// before it is marked bootable. Output is byte-identical to veritysetup given the same salt
// and UUID, so the kernel's dm-verity and veritysetup both accept it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace rempart::image {

inline constexpr size_t kVerityBlockSize = 4096;
inline constexpr size_t kVerityDigestSize = 32;  // sha256
inline constexpr size_t kVerityMaxSalt = 256;
inline constexpr size_t kVeritySuperblockSize = 512;

struct VerityParams {
  std::vector<uint8_t> salt;       // at most kVerityMaxSalt bytes
  std::array<uint8_t, 16> uuid{};  // written into the superblock
  unsigned threads = 2;            // worker threads for the data level
};

struct VerityTree {
  std::array<uint8_t, kVerityDigestSize> root_hash{};
  uint64_t data_blocks = 0;
  // The hash device's contents: the 512-byte superblock padded to one block, then the tree,
  // top level first, exactly as veritysetup lays it out.
  std::vector<uint8_t> hash_device;
};

// Computes the tree over `data`, whose size must be a non-zero multiple of kVerityBlockSize.
// Fails with kInvalidInput on a bad size or salt. Pure apart from its worker threads.
[[nodiscard]] Result<VerityTree> computeVerityTree(const uint8_t* data, size_t size,
                                                   const VerityParams& params);

// Reads `data_path` (mapped read-only), computes the tree and writes the hash device to
// `hash_path` atomically. Returns the tree (hash_device included).
[[nodiscard]] Result<VerityTree> formatVerity(const std::filesystem::path& data_path,
                                              const std::filesystem::path& hash_path,
                                              const VerityParams& params);

// Recomputes the tree of `data_path` using the salt, UUID and geometry recorded in the
// superblock of `hash_path`, and checks it against `expected_root` and the stored tree.
// Fails with kInvalidInput naming the first mismatch ("data block 12 does not match").
[[nodiscard]] Result<void> verifyVerity(const std::filesystem::path& data_path,
                                        const std::filesystem::path& hash_path,
                                        const std::array<uint8_t, kVerityDigestSize>& expected_root,
                                        unsigned threads = 2);

std::string toHex(const uint8_t* bytes, size_t n);
template <size_t N>
std::string toHex(const std::array<uint8_t, N>& a) {
  return toHex(a.data(), N);
}
// Strict hex decoding (even length, [0-9a-fA-F] only).
[[nodiscard]] Result<std::vector<uint8_t>> fromHex(std::string_view hex);
// "01234567-89ab-cdef-0123-456789abcdef" -> 16 bytes.
[[nodiscard]] Result<std::array<uint8_t, 16>> parseUuid(std::string_view text);

}  // namespace rempart::image
