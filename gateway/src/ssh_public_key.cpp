#include "gateway/ssh_public_key.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace rempart::gateway {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(char c) {
  auto p = kAlphabet.find(c);
  return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

// Reads SSH wire-format fields (RFC 4251): uint32 length, then bytes.
class BlobReader {
 public:
  explicit BlobReader(std::string_view b) : b_(b) {}
  Result<std::string_view> string(std::string_view what) {
    if (b_.size() < 4)
      return fail(ErrorCode::kInvalidInput, "key blob: truncated " + std::string(what));
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = n << 8 | static_cast<uint8_t>(b_[i]);
    b_.remove_prefix(4);
    if (n > b_.size())
      return fail(ErrorCode::kInvalidInput, "key blob: truncated " + std::string(what));
    auto s = b_.substr(0, n);
    b_.remove_prefix(n);
    return s;
  }
  bool done() const { return b_.empty(); }

 private:
  std::string_view b_;
};

struct KeyType {
  std::string_view name;
  std::string_view curve;  // for ECDSA
  size_t point_bytes;      // for ECDSA (uncompressed) and ed25519
  unsigned bits;
};

constexpr std::array<KeyType, 5> kKeyTypes{{
    {"ssh-ed25519", "", 32, 256},
    {"ecdsa-sha2-nistp256", "nistp256", 65, 256},
    {"ecdsa-sha2-nistp384", "nistp384", 97, 384},
    {"ecdsa-sha2-nistp521", "nistp521", 133, 521},
    {"ssh-rsa", "", 0, 0},
}};

Result<unsigned> checkBlob(const KeyType& t, std::string_view blob) {
  BlobReader in(blob);
  auto type = TRY(in.string("key type"));
  if (type != t.name) {
    return fail(ErrorCode::kInvalidInput,
                "the key blob is of another type than '" + std::string(t.name) + "'");
  }
  unsigned bits = t.bits;
  if (t.name == "ssh-ed25519") {
    auto pk = TRY(in.string("public key"));
    if (pk.size() != 32) return fail(ErrorCode::kInvalidInput, "ed25519 key is not 32 bytes");
  } else if (t.name == "ssh-rsa") {
    auto e = TRY(in.string("RSA exponent"));
    auto n = TRY(in.string("RSA modulus"));
    if (e.empty() || n.empty() || (static_cast<uint8_t>(n[0]) & 0x80))
      return fail(ErrorCode::kInvalidInput, "malformed RSA key");
    size_t lead = 0;
    while (lead < n.size() && n[lead] == 0) ++lead;
    if (lead == n.size()) return fail(ErrorCode::kInvalidInput, "malformed RSA key");
    unsigned top = static_cast<uint8_t>(n[lead]);
    unsigned top_bits = 0;
    while (top) ++top_bits, top >>= 1;
    bits = static_cast<unsigned>((n.size() - lead - 1) * 8 + top_bits);
    if (bits < kMinRsaBits) {
      return fail(ErrorCode::kInvalidInput, "RSA key of " + std::to_string(bits) +
                                                " bits is too weak (at least " +
                                                std::to_string(kMinRsaBits) + ")");
    }
    if (bits > 16384) return fail(ErrorCode::kInvalidInput, "RSA key is too large");
  } else {
    auto curve = TRY(in.string("curve name"));
    auto q = TRY(in.string("public point"));
    if (curve != t.curve || q.size() != t.point_bytes || q[0] != 4)
      return fail(ErrorCode::kInvalidInput, "malformed ECDSA key");
  }
  if (!in.done()) return fail(ErrorCode::kInvalidInput, "trailing bytes in the key blob");
  return bits;
}

const KeyType* findType(std::string_view name) {
  for (const auto& t : kKeyTypes)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace

Result<std::string> decodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0)
    return fail(ErrorCode::kInvalidInput, "base64 length is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = base64Value(c)) < 0)
        return fail(ErrorCode::kInvalidInput, "invalid base64 at offset " + std::to_string(i + k));
    }
    uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>(n >> 8);
    if (pad < 1) out += static_cast<char>(n);
    // Non-canonical encodings (stray bits in the padding) are refused.
    if ((pad == 1 && (n & 0xff)) || (pad == 2 && (n & 0xffff)))
      return fail(ErrorCode::kInvalidInput, "non-canonical base64 padding");
  }
  return out;
}

std::string encodeBase64(std::string_view bytes, bool pad) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(n >> s) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

std::string sshFingerprint(std::string_view blob) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(blob.data(), blob.size(), md, &len, EVP_sha256(), nullptr);
  return "SHA256:" + encodeBase64(std::string_view(reinterpret_cast<char*>(md), len), false);
}

std::string SshPublicKey::authorizedKeysLine() const {
  return "restrict,pty " + type + " " + blob_base64 + (comment.empty() ? "" : " " + comment);
}

Result<SshPublicKey> parsePublicKeyLine(std::string_view line) {
  if (line.size() > kMaxPublicKeyLineBytes) {
    return fail(ErrorCode::kInvalidInput,
                "the key line is longer than " + std::to_string(kMaxPublicKeyLineBytes) + " bytes");
  }
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  for (char c : line) {
    if (c == '\n') return fail(ErrorCode::kInvalidInput, "give exactly one key line");
    if (c == '\0' || c == '\r')
      return fail(ErrorCode::kInvalidInput, "the key line contains a control character");
  }
  auto skipBlanks = [&] {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  };
  auto token = [&] {
    skipBlanks();
    size_t end = line.find_first_of(" \t");
    auto t = line.substr(0, end);
    line.remove_prefix(t.size());
    return t;
  };
  auto type_name = token();
  if (type_name.empty()) return fail(ErrorCode::kInvalidInput, "no key given");
  const KeyType* type = findType(type_name);
  if (!type) {
    if (type_name.find('=') != std::string_view::npos ||
        type_name.find(',') != std::string_view::npos || type_name == "restrict" ||
        type_name.find("no-") == 0 || type_name == "cert-authority") {
      return fail(ErrorCode::kInvalidInput,
                  "authorized_keys options are not accepted; give only '<type> <key> [comment]'");
    }
    if (type_name == "ssh-dss") return fail(ErrorCode::kInvalidInput, "DSA keys are not accepted");
    return fail(ErrorCode::kInvalidInput,
                "key type '" + std::string(type_name.substr(0, 64)) +
                    "' is not accepted (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa >= " +
                    std::to_string(kMinRsaBits) + " bits)");
  }
  auto b64 = token();
  if (b64.empty()) return fail(ErrorCode::kInvalidInput, "the key data is missing");
  auto blob = decodeBase64(b64);
  if (!blob) return fail(ErrorCode::kInvalidInput, "the key data: " + blob.error().message());
  SshPublicKey key;
  key.bits = TRY(checkBlob(*type, *blob));
  key.type = std::string(type->name);
  key.blob_base64 = std::string(b64);
  key.fingerprint = sshFingerprint(*blob);
  skipBlanks();
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  for (char c : line.substr(0, kMaxKeyCommentBytes)) {
    auto u = static_cast<unsigned char>(c);
    key.comment += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  // The cut may leave trailing blanks, which a re-read of the written line would drop.
  while (!key.comment.empty() && key.comment.back() == ' ') key.comment.pop_back();
  return key;
}

Result<std::string> fingerprintFromAuthInfo(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.starts_with("publickey "))
    return fail(ErrorCode::kInvalidInput, "not a publickey authentication");
  line.remove_prefix(10);
  auto sp = line.find(' ');
  if (sp == std::string_view::npos) return fail(ErrorCode::kInvalidInput, "no key data");
  auto rest = line.substr(sp + 1);
  auto end = rest.find_first_of(" \n");
  auto blob = TRY(decodeBase64(rest.substr(0, end)));
  return sshFingerprint(blob);
}

}  // namespace rempart::gateway
