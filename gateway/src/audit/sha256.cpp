#include "gateway/audit/sha256.hpp"

#include <algorithm>

namespace rempart::gateway::audit {

Result<Sha256> Sha256::create() {
  std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!md) return fail(ErrorCode::kSystem, "OpenSSL: fetching SHA-256 failed");
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return fail(ErrorCode::kSystem, "OpenSSL: allocating a digest context failed");
  return Sha256(std::move(md), std::move(ctx));
}

Result<std::string> Sha256::hexDigest(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx_.get(), md_.get(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_.get(), digest, &len) != 1 || len != 32) {
    return fail(ErrorCode::kSystem, "OpenSSL: computing SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kSha256HexLength);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

bool isSha256Hex(std::string_view s) {
  return s.size() == kSha256HexLength && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace rempart::gateway::audit
