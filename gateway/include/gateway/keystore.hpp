// The device keystore: <state>/keystore/<level>/<name>, one credential per file, mode 0600 in a
// 0700 directory, every write atomic. It holds PSKs (the secret, as LevelTunnels reads it),
// private keys generated on the device (PEM PKCS#8; they never leave it: nothing here returns
// private key bytes) and certificates (PEM). Library code: returns errors, never logs, and never
// puts secret bytes into an error message. Not thread-safe; rempartd's io_context thread uses it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway {

enum class KeyAlgorithm { kEcdsaP384, kEd25519 };

// Shortest accepted PSK (after one trailing newline is stripped): 16 bytes, i.e. 128 bits when
// random; shorter secrets are refused so that a typo'd or toy key never reaches charon.
inline constexpr size_t kMinPskBytes = 16;
inline constexpr size_t kMaxPskBytes = 1024;
inline constexpr size_t kMaxCertificateBytes = 64 * 1024;  // LevelTunnels reads up to 64 KiB

// What `keys list` shows for one file: never secret bytes.
struct KeystoreEntry {
  std::string level;
  std::string name;
  std::string kind;         // psk, private-key, certificate, unknown
  std::string algorithm;    // ecdsa-p384, ed25519, ... for keys and certificates
  std::string fingerprint;  // SHA256:<hex> of the public key (SubjectPublicKeyInfo DER)
  std::string subject, issuer, not_after;  // certificates only
};

// "" when `name` is a valid level or credential name (the config's rule: a lowercase letter,
// then lowercase letters, digits or '-', at most config::kMaxNameLength), else why not.
std::string credentialNameProblem(std::string_view name);

// "ecdsa-p384" or "ed25519" to the algorithm; kInvalidInput otherwise.
[[nodiscard]] Result<KeyAlgorithm> parseKeyAlgorithm(std::string_view text);

class Keystore {
 public:
  explicit Keystore(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path path(std::string_view level, std::string_view name) const;
  bool exists(std::string_view level, std::string_view name) const;

  // Generates a key pair on the device and stores the private key (PEM PKCS#8, 0600). Refuses
  // (kExists) to replace an existing credential unless `replace`. Returns the public key (PEM).
  [[nodiscard]] Result<std::string> generateKey(std::string_view level, std::string_view name,
                                                KeyAlgorithm algorithm, bool replace);

  // A PEM certificate signing request for the stored key `name`, signed by it. `subject` is
  // "CN=...[,O=...,...]" (or '/'-separated); kInvalidInput names a bad component.
  [[nodiscard]] Result<std::string> makeCsr(std::string_view level, std::string_view name,
                                            std::string_view subject) const;

  // Stores one PEM certificate after checking that it parses (and nothing else follows). When
  // `matching_key` names a stored private key, the certificate must be for that key.
  [[nodiscard]] Result<void> importCertificate(std::string_view level, std::string_view name,
                                               std::string_view pem,
                                               std::optional<std::string> matching_key);

  // Stores a PSK. One trailing newline (LF or CRLF) is stripped; the rest must be
  // kMinPskBytes..kMaxPskBytes, without NUL or line breaks. Errors never contain the secret.
  [[nodiscard]] Result<void> importPsk(std::string_view level, std::string_view name,
                                       std::string secret);

  // Every credential of `level` (or of every level directory), sorted by level then name.
  [[nodiscard]] Result<std::vector<KeystoreEntry>> list(std::optional<std::string> level) const;

 private:
  [[nodiscard]] Result<void> checkNames(std::string_view level, std::string_view name) const;
  [[nodiscard]] Result<void> store(std::string_view level, std::string_view name,
                                   std::string_view bytes);
  std::filesystem::path root_;
};

}  // namespace rempart::gateway
