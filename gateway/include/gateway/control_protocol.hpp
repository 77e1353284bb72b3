// The control protocol between the `rempart` CLI and rempartd, over a Unix stream socket.
// The CLI forwards its command words and standard input verbatim; rempartd authorizes the
// request by the peer's uid (SO_PEERCRED), runs it and returns exit status and output. Words are
// never given to a shell. One request and one response per connection.
//
// Framing: a 32-bit big-endian payload length, then the payload.
//   request  = u32 word count, then per word (u32 length, bytes), then (u32 length, stdin bytes),
//              then u32 context count, then per entry (u32 length, key), (u32 length, value)
//   response = u32 exit status, (u32 length, stdout bytes), (u32 length, stderr bytes)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway {

inline constexpr size_t kMaxRequestBytes = 1 << 20;    // words + stdin (a config fits easily)
inline constexpr size_t kMaxResponseBytes = 64 << 20;  // a log export may be large
inline constexpr size_t kMaxWords = 256;
inline constexpr size_t kMaxWordBytes = 4096;
inline constexpr size_t kMaxContextEntries = 16;
inline constexpr size_t kMaxContextKeyBytes = 32;
inline constexpr size_t kMaxContextValueBytes = 1024;

// What the CLI tells rempartd about the session it runs in, for the admin trail only (never for
// authorization, which is by SO_PEERCRED uid): e.g. "ssh_client" = "198.51.100.7 52144",
// "ssh_key" = "SHA256:...", "session" = "interactive". Keys are [a-z_]; values printable UTF-8.
using ControlContext = std::vector<std::pair<std::string, std::string>>;

struct ControlRequest {
  std::vector<std::string> words;
  std::string input;
  ControlContext context;
  bool operator==(const ControlRequest&) const = default;

  // The value of a context key, or "" when absent.
  std::string contextValue(std::string_view key) const;
};

struct ControlResponse {
  int exit_status = 0;
  std::string out;
  std::string err;
  // For rempartd's admin trail only, never sent to the client: what the request changed, e.g.
  // the redacted config diff of a commit. Not part of the wire format.
  std::string audit_note = {};
  bool operator==(const ControlResponse&) const = default;
};

// Encoders return the payload without the length prefix; frame() adds it.
std::string encodeRequest(const ControlRequest& r);
std::string encodeResponse(const ControlResponse& r);
std::string frame(std::string_view payload);

// Strict decoders: any truncation, trailing byte or cap overrun is a kProtocol error naming it.
// Words must be valid UTF-8 without NUL or control characters (kInvalidInput otherwise).
[[nodiscard]] Result<ControlRequest> decodeRequest(std::string_view payload);
[[nodiscard]] Result<ControlResponse> decodeResponse(std::string_view payload);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool isValidUtf8(std::string_view s);

}  // namespace rempart::gateway
