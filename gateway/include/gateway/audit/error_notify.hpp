// strongSwan's error-notify plugin protocol (5.9.8): charon writes fixed 768-byte packed records
// to each client of its unix stream socket. This is the pure, strict decoder (no I/O): the bytes
// come from charon, but the peer identity and the message embed data chosen by the remote peer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway::audit {

// Layout: int32 big-endian type, char str[384], char name[64], char id[256], char ip[60].
inline constexpr size_t kErrorNotifyRecordSize = 768;
inline constexpr size_t kErrorNotifyStrSize = 384;
inline constexpr size_t kErrorNotifyNameSize = 64;
inline constexpr size_t kErrorNotifyIdSize = 256;
inline constexpr size_t kErrorNotifyIpSize = 60;

// The types strongSwan 5.9.8 sends (error_notify_msg.h); values are the wire values.
enum class ErrorNotifyType : int32_t {
  kRadiusNotResponding = 1,
  kLocalAuthFailed = 2,
  kPeerAuthFailed = 3,
  kParseErrorHeader = 4,
  kParseErrorBody = 5,
  kRetransmitSendTimeout = 6,
  kHalfOpenTimeout = 7,
  kProposalMismatchIke = 8,
  kProposalMismatchChild = 9,
  kTsMismatch = 10,
  kInstallChildSaFailed = 11,
  kInstallChildPolicyFailed = 12,
  kUniqueReplace = 13,
  kUniqueKeep = 14,
  kVipFailure = 15,
  kAuthorizationFailed = 16,
  kCertExpired = 17,
  kCertRevoked = 18,
  kNoIssuerCert = 19,
  kRetransmitSend = 20,
  kRetransmitCleared = 21,
  kRetransmitReceive = 22,
  kPeerAddrFailed = 23,
  kPeerInitUnreachable = 24,
  kInvalidIkeSpi = 25,
  kTsNarrowed = 26,
  kKeepOnChildSaFailure = 27,
  kIkeSaExpired = 28,
  kCertValidationFailed = 29,
  kUntrustedRootCert = 30,
  kCertExceededPathLen = 31,
  kCertPolicyViolation = 32,
};

struct ErrorNotify {
  ErrorNotifyType type{};
  std::string message;     // charon's description (may embed peer-chosen text)
  std::string connection;  // conn name; empty when charon did not know it
  std::string peer_id;     // remote identity; empty when unknown
  std::string peer_host;   // remote address without port; empty when unknown
  std::optional<uint16_t> peer_port;
};

// The auditor's reason for a type: "authentication failed", "no proposal chosen",
// "peer unreachable", ... Stable strings: tests and operators grep for them.
std::string_view errorNotifyReason(ErrorNotifyType type);
// A short stable identifier for the type: "local-auth-failed", "proposal-mismatch-ike", ...
std::string_view errorNotifyTypeName(ErrorNotifyType type);
// True when the type means an IKE or CHILD SA could not be (re)established, as opposed to an
// informational notice (retransmit, narrowing, uniqueness replace).
bool errorNotifyIsFailure(ErrorNotifyType type);

// Decodes one record. kProtocol errors: wrong size, unknown type, a field without its NUL
// terminator or with bytes after it, an address that is not "ADDR[PORT]".
[[nodiscard]] Result<ErrorNotify> parseErrorNotify(std::string_view record);

// Encodes a record in the wire layout (for tests, seeds and fake charons). Fields longer than
// their slot are truncated to leave the NUL, as charon's snprintf does.
std::string encodeErrorNotify(int32_t type, std::string_view message, std::string_view connection,
                              std::string_view peer_id, std::string_view peer_ip_port);

// Splits the byte stream of the socket into records. Feed whatever read() returned; complete
// records come out in order, each decoded or an error (one bad record does not desync the
// stream, since records have a fixed size). Memory is bounded by one record.
class ErrorNotifyDecoder {
 public:
  std::vector<Result<ErrorNotify>> feed(std::string_view bytes);
  size_t buffered() const { return partial_.size(); }

 private:
  std::string partial_;
};

}  // namespace rempart::gateway::audit
