#include "gateway/audit/error_notify.hpp"

#include <arpa/inet.h>

#include <array>

namespace rempart::gateway::audit {

namespace {

struct TypeInfo {
  std::string_view name;
  std::string_view reason;
  bool failure;
};

// Indexed by wire value; entry 0 is unused.
constexpr std::array<TypeInfo, 33> kTypes = {{
    {"", "", false},
    {"radius-not-responding", "authentication failed: RADIUS server not responding", true},
    {"local-auth-failed", "authentication failed", true},
    {"peer-auth-failed", "authentication failed", true},
    {"parse-error-header", "malformed IKE message", false},
    {"parse-error-body", "malformed IKE message", false},
    {"retransmit-send-timeout", "peer unreachable", true},
    {"half-open-timeout", "negotiation timed out", true},
    {"proposal-mismatch-ike", "no proposal chosen", true},
    {"proposal-mismatch-child", "no proposal chosen", true},
    {"ts-mismatch", "traffic selectors unacceptable", true},
    {"install-child-sa-failed", "installing IPsec SA failed", true},
    {"install-child-policy-failed", "installing IPsec policy failed", true},
    {"unique-replace", "replaced by a newer IKE_SA of the same peer", false},
    {"unique-keep", "rejected: the peer already has an IKE_SA", true},
    {"vip-failure", "virtual IP allocation failed", true},
    {"authorization-failed", "authorization failed", true},
    {"cert-expired", "certificate expired", true},
    {"cert-revoked", "certificate revoked", true},
    {"no-issuer-cert", "no issuer certificate found", true},
    {"retransmit-send", "retransmitting to peer", false},
    {"retransmit-cleared", "peer answered after retransmits", false},
    {"retransmit-receive", "peer retransmitted a request", false},
    {"peer-addr-failed", "peer address could not be resolved", true},
    {"peer-init-unreachable", "peer unreachable", true},
    {"invalid-ike-spi", "IKE message with an unknown SPI", false},
    {"ts-narrowed", "traffic selectors narrowed", false},
    {"keep-on-child-sa-failure", "CHILD_SA failed, IKE_SA kept", true},
    {"ike-sa-expired", "IKE_SA expired", false},
    {"cert-validation-failed", "certificate status could not be validated", true},
    {"untrusted-root-cert", "untrusted root certificate", true},
    {"cert-exceeded-path-len", "certificate path too long", true},
    {"cert-policy-violation", "certificate policy violation", true},
}};

const TypeInfo& info(ErrorNotifyType type) {
  const auto v = static_cast<int32_t>(type);
  return v > 0 && static_cast<size_t>(v) < kTypes.size() ? kTypes[static_cast<size_t>(v)]
                                                         : kTypes[0];
}

// A char[N] field: the text up to the first NUL, which must exist, and nothing but NULs after
// it (charon zeroes the record before filling it).
Result<std::string> field(std::string_view record, size_t offset, size_t size,
                          std::string_view what) {
  const std::string_view slot = record.substr(offset, size);
  const size_t nul = slot.find('\0');
  if (nul == std::string_view::npos) {
    return fail(ErrorCode::kProtocol,
                "error-notify record: " + std::string(what) + " is not NUL-terminated");
  }
  if (slot.find_first_not_of('\0', nul) != std::string_view::npos) {
    return fail(ErrorCode::kProtocol,
                "error-notify record: " + std::string(what) + " has bytes after its terminator");
  }
  return std::string(slot.substr(0, nul));
}

}  // namespace

std::string_view errorNotifyReason(ErrorNotifyType type) {
  return info(type).reason;
}
std::string_view errorNotifyTypeName(ErrorNotifyType type) {
  return info(type).name;
}
bool errorNotifyIsFailure(ErrorNotifyType type) {
  return info(type).failure;
}

Result<ErrorNotify> parseErrorNotify(std::string_view record) {
  if (record.size() != kErrorNotifyRecordSize) {
    return fail(ErrorCode::kProtocol, "error-notify record of " + std::to_string(record.size()) +
                                          " bytes, expected " +
                                          std::to_string(kErrorNotifyRecordSize));
  }
  const auto b = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(record[i]));
  };
  const auto raw_type = static_cast<int32_t>((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3));
  if (raw_type <= 0 || static_cast<size_t>(raw_type) >= kTypes.size()) {
    return fail(ErrorCode::kProtocol,
                "error-notify record of unknown type " + std::to_string(raw_type));
  }
  ErrorNotify n;
  n.type = static_cast<ErrorNotifyType>(raw_type);
  size_t off = 4;
  n.message = TRY(field(record, off, kErrorNotifyStrSize, "message"));
  off += kErrorNotifyStrSize;
  n.connection = TRY(field(record, off, kErrorNotifyNameSize, "connection name"));
  off += kErrorNotifyNameSize;
  n.peer_id = TRY(field(record, off, kErrorNotifyIdSize, "peer identity"));
  off += kErrorNotifyIdSize;
  const std::string ip = TRY(field(record, off, kErrorNotifyIpSize, "peer address"));
  if (!ip.empty()) {
    // charon's %#H: "192.0.2.1[4500]" or "2001:db8::1[500]".
    const size_t open = ip.rfind('[');
    if (open == std::string::npos || open == 0 || ip.back() != ']' || open + 2 >= ip.size() ||
        ip.size() - open - 2 > 5) {
      return fail(ErrorCode::kProtocol, "error-notify record: peer address is not ADDR[PORT]");
    }
    uint32_t port = 0;
    for (size_t i = open + 1; i + 1 < ip.size(); ++i) {
      if (ip[i] < '0' || ip[i] > '9') {
        return fail(ErrorCode::kProtocol, "error-notify record: peer port is not a number");
      }
      port = port * 10 + static_cast<uint32_t>(ip[i] - '0');
    }
    if (port > 65535)
      return fail(ErrorCode::kProtocol, "error-notify record: peer port out of range");
    const std::string host = ip.substr(0, open);
    unsigned char buf[16];
    if (::inet_pton(AF_INET, host.c_str(), buf) != 1 &&
        ::inet_pton(AF_INET6, host.c_str(), buf) != 1) {
      return fail(ErrorCode::kProtocol, "error-notify record: peer address is not an IP address");
    }
    n.peer_host = host;
    n.peer_port = static_cast<uint16_t>(port);
  }
  return n;
}

std::string encodeErrorNotify(int32_t type, std::string_view message, std::string_view connection,
                              std::string_view peer_id, std::string_view peer_ip_port) {
  std::string out(kErrorNotifyRecordSize, '\0');
  const auto t = static_cast<uint32_t>(type);
  out[0] = static_cast<char>(t >> 24);
  out[1] = static_cast<char>(t >> 16);
  out[2] = static_cast<char>(t >> 8);
  out[3] = static_cast<char>(t);
  size_t off = 4;
  for (auto [text, size] :
       {std::pair{message, kErrorNotifyStrSize}, std::pair{connection, kErrorNotifyNameSize},
        std::pair{peer_id, kErrorNotifyIdSize}, std::pair{peer_ip_port, kErrorNotifyIpSize}}) {
    const std::string_view kept = text.substr(0, size - 1);
    out.replace(off, kept.size(), kept);
    off += size;
  }
  return out;
}

std::vector<Result<ErrorNotify>> ErrorNotifyDecoder::feed(std::string_view bytes) {
  std::vector<Result<ErrorNotify>> out;
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), kErrorNotifyRecordSize - partial_.size());
    partial_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (partial_.size() == kErrorNotifyRecordSize) {
      out.push_back(parseErrorNotify(partial_));
      partial_.clear();
    }
  }
  return out;
}

}  // namespace rempart::gateway::audit
