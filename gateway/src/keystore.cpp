#include "gateway/keystore.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <tuple>

#include "common/atomic_file.hpp"
#include "common/config/model.hpp"

namespace rempart::gateway {

namespace {

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct ReqDeleter {
  void operator()(X509_REQ* r) const noexcept { X509_REQ_free(r); }
};
struct NameDeleter {
  void operator()(X509_NAME* n) const noexcept { X509_NAME_free(n); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using ReqPtr = std::unique_ptr<X509_REQ, ReqDeleter>;
using NamePtr = std::unique_ptr<X509_NAME, NameDeleter>;

constexpr std::string_view kPrivateKeyPem = "-----BEGIN PRIVATE KEY-----";
constexpr std::string_view kCertificatePem = "-----BEGIN CERTIFICATE-----";

unexpected<Error> sslFail(std::string what) {
  ERR_clear_error();  // OpenSSL's queue may name key material positions; we report our context
  return fail(ErrorCode::kInvalidInput, std::move(what));
}

std::string bioText(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

BioPtr readBio(std::string_view bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string algorithmOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "ED25519")) return "ed25519";
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1) {
      std::string g(group, len);
      return g == "secp384r1" ? "ecdsa-p384" : "ecdsa-" + g;
    }
    return "ecdsa";
  }
  if (EVP_PKEY_is_a(key, "RSA")) return "rsa-" + std::to_string(EVP_PKEY_get_bits(key));
  return "other";
}

std::string fingerprintOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  static const char* kHex = "0123456789abcdef";
  std::string out = "SHA256:";
  for (unsigned i = 0; i < md_len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string nameText(const X509_NAME* name) {
  BioPtr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bioText(b.get());
}

std::string timeText(const ASN1_TIME* t) {
  BioPtr b(BIO_new(BIO_s_mem()));
  ASN1_TIME_print_ex(b.get(), t, ASN1_DTFLGS_ISO8601);
  return bioText(b.get());
}

// Parses "CN=a,O=b" or "/CN=a/O=b" into a name; values may not be empty.
Result<NamePtr> parseSubject(std::string_view subject) {
  if (subject.empty()) return fail(ErrorCode::kInvalidInput, "--subject is empty");
  if (subject.size() > 1024) return fail(ErrorCode::kInvalidInput, "--subject is too long");
  const char sep = subject.front() == '/' ? '/' : ',';
  if (sep == '/') subject.remove_prefix(1);
  NamePtr name(X509_NAME_new());
  size_t start = 0;
  while (start <= subject.size()) {
    size_t end = subject.find(sep, start);
    if (end == std::string_view::npos) end = subject.size();
    std::string part(subject.substr(start, end - start));
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    const size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
      return fail(ErrorCode::kInvalidInput,
                  "--subject component '" + part + "' is not FIELD=VALUE (e.g. CN=gw.example)");
    const std::string field = part.substr(0, eq);
    const std::string value = part.substr(eq + 1);
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) != 1)
      return sslFail("--subject: unknown field '" + field + "' (use CN, O, OU, C, L, ST, ...)");
    start = end + 1;
  }
  return name;
}

Result<PkeyPtr> loadPrivateKey(const std::filesystem::path& path, std::string_view what) {
  auto pem = readFile(path, kMaxCertificateBytes);
  if (!pem) return unexpected<Error>(pem.error().wrap(std::string(what)));
  BioPtr b = readBio(*pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) return sslFail(std::string(what) + " is not a PEM private key");
  return key;
}

// Refuses to overwrite a credential of another kind (a PSK over a generated private key would
// destroy a key that exists nowhere else).
Result<void> checkReplaceable(const std::filesystem::path& path, std::string_view name,
                              std::string_view new_kind) {
  auto bytes = readFile(path, kMaxCertificateBytes);
  if (!bytes) return {};  // absent (or unreadable: the atomic write will tell)
  std::string_view kind = bytes->starts_with(kPrivateKeyPem)                  ? "private-key"
                          : bytes->find(kCertificatePem) != std::string::npos ? "certificate"
                                                                              : "psk";
  OPENSSL_cleanse(bytes->data(), bytes->size());
  if (kind == new_kind) return {};
  return fail(ErrorCode::kConflict, "credential '" + std::string(name) + "' is a " +
                                        std::string(kind) + "; refusing to replace it with a " +
                                        std::string(new_kind) + "; nothing changed");
}

}  // namespace

std::string credentialNameProblem(std::string_view name) {
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  bool ok = !name.empty() && name.size() <= config::kMaxNameLength && lower(name[0]) &&
            std::all_of(name.begin(), name.end(),
                        [&](char c) { return lower(c) || (c >= '0' && c <= '9') || c == '-'; });
  if (ok) return "";
  std::string shown(name.substr(0, 64));
  for (auto& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return "'" + shown + "' is not a valid name (a lowercase letter, then lowercase letters, " +
         "digits or '-', at most " + std::to_string(config::kMaxNameLength) + " characters)";
}

Result<KeyAlgorithm> parseKeyAlgorithm(std::string_view text) {
  if (text == "ecdsa-p384") return KeyAlgorithm::kEcdsaP384;
  if (text == "ed25519") return KeyAlgorithm::kEd25519;
  return fail(ErrorCode::kInvalidInput,
              "--type '" + std::string(text.substr(0, 32)) + "': use ecdsa-p384 or ed25519");
}

std::filesystem::path Keystore::path(std::string_view level, std::string_view name) const {
  return root_ / std::string(level) / std::string(name);
}

bool Keystore::exists(std::string_view level, std::string_view name) const {
  struct stat st {};
  return ::lstat(path(level, name).c_str(), &st) == 0;
}

Result<void> Keystore::checkNames(std::string_view level, std::string_view name) const {
  if (auto p = credentialNameProblem(level); !p.empty())
    return fail(ErrorCode::kInvalidInput, "level " + p);
  if (auto p = credentialNameProblem(name); !p.empty())
    return fail(ErrorCode::kInvalidInput, "credential " + p);
  return {};
}

Result<void> Keystore::store(std::string_view level, std::string_view name,
                             std::string_view bytes) {
  const auto dir = root_ / std::string(level);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return failErrno(ec.value(), "creating " + dir.string());
  if (::chmod(dir.c_str(), 0700) != 0) return failErrno("chmod " + dir.string());
  return writeFileAtomic(path(level, name), bytes, 0600);
}

Result<std::string> Keystore::generateKey(std::string_view level, std::string_view name,
                                          KeyAlgorithm algorithm, bool replace) {
  TRY(checkNames(level, name));
  if (!replace && exists(level, name))
    return fail(ErrorCode::kExists, "credential '" + std::string(name) + "' of level " +
                                        std::string(level) +
                                        " already exists (--replace overwrites it)");
  PkeyPtr key(algorithm == KeyAlgorithm::kEd25519
                  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  if (!key) return sslFail("key generation failed");
  BioPtr priv(BIO_new(BIO_s_secmem()));
  if (!priv) priv.reset(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return sslFail("encoding the private key failed");
  std::string pem = bioText(priv.get());
  auto stored = store(level, name, pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  TRY(std::move(stored));
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1)
    return sslFail("encoding the public key failed");
  return bioText(pub.get());
}

Result<std::string> Keystore::makeCsr(std::string_view level, std::string_view name,
                                      std::string_view subject) const {
  TRY(checkNames(level, name));
  if (!exists(level, name))
    return fail(ErrorCode::kNotFound, "no credential '" + std::string(name) + "' in level " +
                                          std::string(level) + " (keys generate creates it)");
  auto subject_name = TRY(parseSubject(subject));
  auto key = TRY(loadPrivateKey(path(level, name), "credential '" + std::string(name) + "'"));
  ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject_name.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1)
    return sslFail("building the certificate request failed");
  const EVP_MD* md = EVP_PKEY_is_a(key.get(), "ED25519") ? nullptr : EVP_sha384();
  if (X509_REQ_sign(req.get(), key.get(), md) <= 0) return sslFail("signing the request failed");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509_REQ(out.get(), req.get()) != 1)
    return sslFail("encoding the request failed");
  return bioText(out.get());
}

Result<void> Keystore::importCertificate(std::string_view level, std::string_view name,
                                         std::string_view pem,
                                         std::optional<std::string> matching_key) {
  TRY(checkNames(level, name));
  if (pem.size() > kMaxCertificateBytes)
    return fail(ErrorCode::kLimit, "the certificate is larger than 64 KiB");
  const size_t begin = pem.find(kCertificatePem);
  if (begin == std::string_view::npos)
    return fail(ErrorCode::kInvalidInput,
                "standard input holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  if (pem.find(kCertificatePem, begin + 1) != std::string_view::npos)
    return fail(ErrorCode::kInvalidInput, "standard input holds more than one certificate");
  if (pem.find("PRIVATE KEY") != std::string_view::npos)
    return fail(ErrorCode::kInvalidInput,
                "standard input holds a private key besides the certificate; refused");
  TRY(checkReplaceable(path(level, name), name, "certificate"));
  BioPtr b = readBio(pem);
  X509Ptr cert(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!cert) return sslFail("the certificate does not parse as PEM X.509");
  if (matching_key && exists(level, *matching_key)) {
    auto key =
        TRY(loadPrivateKey(path(level, *matching_key), "private key '" + *matching_key + "'"));
    if (X509_check_private_key(cert.get(), key.get()) != 1)
      return sslFail("the certificate is not for the level's private key '" + *matching_key +
                     "'; nothing changed");
  }
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert.get());  // normalized: only the certificate itself
  return store(level, name, bioText(out.get()));
}

Result<void> Keystore::importPsk(std::string_view level, std::string_view name,
                                 std::string secret) {
  TRY(checkNames(level, name));
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  auto refuse = [&](std::string why) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return fail(ErrorCode::kInvalidInput, "PSK refused: " + why + "; nothing changed");
  };
  if (secret.size() < kMinPskBytes)
    return refuse("shorter than " + std::to_string(kMinPskBytes) + " bytes");
  if (secret.size() > kMaxPskBytes)
    return refuse("longer than " + std::to_string(kMaxPskBytes) + " bytes");
  if (secret.find_first_of(std::string_view("\0\n\r", 3)) != std::string::npos)
    return refuse("it contains a NUL byte or a line break");
  if (secret.starts_with("-----BEGIN")) return refuse("it looks like PEM, not a shared secret");
  if (auto r = checkReplaceable(path(level, name), name, "psk"); !r) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return r;
  }
  auto r = store(level, name, secret + "\n");
  OPENSSL_cleanse(secret.data(), secret.size());
  return r;
}

Result<std::vector<KeystoreEntry>> Keystore::list(std::optional<std::string> level) const {
  std::vector<std::string> levels;
  std::error_code ec;
  if (level) {
    if (auto p = credentialNameProblem(*level); !p.empty())
      return fail(ErrorCode::kInvalidInput, "level " + p);
    levels.push_back(*level);
  } else {
    for (const auto& e : std::filesystem::directory_iterator(root_, ec))
      if (e.is_directory()) levels.push_back(e.path().filename().string());
    if (ec) return failErrno(ec.value(), "listing " + root_.string());
  }
  std::vector<KeystoreEntry> out;
  for (const auto& l : levels) {
    const auto dir = root_ / l;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (!e.is_regular_file() || !credentialNameProblem(name).empty()) continue;  // temp files
      KeystoreEntry entry{l, name, "unknown", "", "", "", "", ""};
      auto bytes = readFile(e.path(), kMaxCertificateBytes);
      if (bytes && bytes->starts_with(kPrivateKeyPem)) {
        entry.kind = "private-key";
        BioPtr b = readBio(*bytes);
        if (PkeyPtr key{PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr)}) {
          entry.algorithm = algorithmOf(key.get());
          entry.fingerprint = fingerprintOf(key.get());
        }
      } else if (bytes && bytes->find(kCertificatePem) != std::string::npos) {
        entry.kind = "certificate";
        BioPtr b = readBio(*bytes);
        if (X509Ptr cert{PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr)}) {
          entry.subject = nameText(X509_get_subject_name(cert.get()));
          entry.issuer = nameText(X509_get_issuer_name(cert.get()));
          entry.not_after = timeText(X509_get0_notAfter(cert.get()));
          if (EVP_PKEY* pub = X509_get0_pubkey(cert.get())) {
            entry.algorithm = algorithmOf(pub);
            entry.fingerprint = fingerprintOf(pub);
          }
        }
      } else if (bytes) {
        entry.kind = "psk";
      }
      if (bytes) OPENSSL_cleanse(bytes->data(), bytes->size());
      ERR_clear_error();
      out.push_back(std::move(entry));
    }
    if (ec) return failErrno(ec.value(), "listing " + dir.string());
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.level, a.name) < std::tie(b.level, b.name);
  });
  return out;
}

}  // namespace rempart::gateway
