// SHA-256 through OpenSSL 3's EVP interface, for the audit hash chain. Handles are owned by
// unique_ptr deleters; a Sha256 object is single-threaded and reusable after finish().
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace rempart::gateway::audit {

inline constexpr size_t kSha256HexLength = 64;

class Sha256 {
 public:
  // Fetches the SHA-256 implementation and a context. Fails (kSystem) only if OpenSSL cannot.
  static Result<Sha256> create();

  // Hex digest (64 lowercase characters) of `data`, in one call.
  [[nodiscard]] Result<std::string> hexDigest(std::string_view data);

 private:
  struct MdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
  };
  struct CtxFree {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  Sha256(std::unique_ptr<EVP_MD, MdFree> md, std::unique_ptr<EVP_MD_CTX, CtxFree> ctx)
      : md_(std::move(md)), ctx_(std::move(ctx)) {}

  std::unique_ptr<EVP_MD, MdFree> md_;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

// True when `s` is 64 lowercase hex characters.
bool isSha256Hex(std::string_view s);

}  // namespace rempart::gateway::audit
