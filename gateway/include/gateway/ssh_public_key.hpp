// OpenSSH public keys as the admin hands them over (`users add-key ROLE` reads one
// authorized_keys line on stdin) and as sshd exposes them (ExposeAuthInfo): strict parsing and
// the SHA-256 fingerprint that `ssh-keygen -lf` prints. Pure functions; untrusted input.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace rempart::gateway {

inline constexpr size_t kMaxPublicKeyLineBytes = 16 * 1024;
inline constexpr size_t kMaxKeyCommentBytes = 128;
inline constexpr unsigned kMinRsaBits = 3072;

struct SshPublicKey {
  std::string type;         // ssh-ed25519, ecdsa-sha2-nistp{256,384,521}, ssh-rsa
  std::string blob_base64;  // the key blob as written in the line
  std::string comment;      // printable ASCII only, at most kMaxKeyCommentBytes; may be empty
  std::string fingerprint;  // "SHA256:" + unpadded base64 of SHA-256(blob)
  unsigned bits = 0;

  // "restrict,pty <type> <base64> <comment>": the line rempartd writes to authorized_keys. The
  // fixed prefix forbids forwarding of every kind even if sshd_config were weakened.
  std::string authorizedKeysLine() const;
};

// Parses one authorized_keys line: "<type> <base64> [comment]" with an optional trailing
// newline. Refuses (kInvalidInput, saying why) option prefixes such as `command="..."` or
// `from=`, unknown or weak key types (DSA, RSA under kMinRsaBits), base64 that does not decode
// strictly, a blob whose structure does not match its type, more than one line, NUL or other
// control characters, and lines over kMaxPublicKeyLineBytes. Comment bytes outside printable
// ASCII become '?', and the comment is cut to kMaxKeyCommentBytes.
[[nodiscard]] Result<SshPublicKey> parsePublicKeyLine(std::string_view line);

// The fingerprint of the key in one line of sshd's ExposeAuthInfo file
// ("publickey ssh-ed25519 AAAA..."): "SHA256:...", or an error when the line is not that.
[[nodiscard]] Result<std::string> fingerprintFromAuthInfo(std::string_view line);

// "SHA256:" + unpadded base64 of SHA-256(blob).
std::string sshFingerprint(std::string_view blob);

// Strict standard base64 (with '=' padding, no whitespace); nullopt-like error on any flaw.
[[nodiscard]] Result<std::string> decodeBase64(std::string_view text);
std::string encodeBase64(std::string_view bytes, bool pad = true);

}  // namespace rempart::gateway
