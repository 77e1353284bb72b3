// DHCPv4 messages as typed values (RFC 2131, 2132, 3396, 3442): a strict parser for untrusted
// packets and a serializer for the ones we send. Only the options the client uses are kept;
// every other option is dropped. Pure functions, no I/O; safe to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"

namespace rempart::netconfig::dhcp {

inline constexpr size_t kHeaderSize = 236;        // BOOTP fixed part, before the magic cookie
inline constexpr size_t kMinMessageSize = 240;    // header plus cookie
inline constexpr size_t kMaxMessageSize = 4096;   // larger payloads are refused outright
inline constexpr size_t kMaxOptionLength = 1024;  // after RFC 3396 concatenation
inline constexpr size_t kMaxListEntries = 64;     // routers, DNS servers, routes per option
inline constexpr uint16_t kServerPort = 67;
inline constexpr uint16_t kClientPort = 68;
inline constexpr uint8_t kBootRequest = 1;
inline constexpr uint8_t kBootReply = 2;

enum class MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
  kForceRenew = 9,
};

// Option codes we understand (RFC 2132 numbering).
namespace opt {
inline constexpr uint8_t kPad = 0, kSubnetMask = 1, kRouter = 3, kDnsServer = 6, kHostName = 12,
                         kDomainName = 15, kInterfaceMtu = 26, kBroadcast = 28, kStaticRoute = 33,
                         kRequestedIp = 50, kLeaseTime = 51, kOverload = 52, kMessageType = 53,
                         kServerId = 54, kParameterList = 55, kMessage = 56, kMaxSize = 57,
                         kRenewalTime = 58, kRebindingTime = 59, kClientId = 61, kRapidCommit = 80,
                         kClasslessRoute = 121, kEnd = 255;
}

struct StaticRoute {
  IpPrefix destination;  // network, host bits cleared
  IpAddress gateway;     // 0.0.0.0 means on-link (option 121 only)
  bool operator==(const StaticRoute&) const = default;
};

// Typed options. An option whose content is invalid (a bad DNS name, a non-contiguous mask, an
// MTU under 68, a 121 prefix over 32...) is dropped and named in Message::dropped; an option
// whose framing is wrong (length 0 or past the end, a length that is not a multiple of the
// type's size) makes the whole message invalid.
struct Options {
  std::optional<MessageType> message_type;
  std::optional<IpAddress> server_id;
  std::optional<IpAddress> subnet_mask;
  std::vector<IpAddress> routers;  // 0.0.0.0 entries are removed
  std::vector<IpAddress> dns_servers;
  std::optional<std::string> host_name;    // validated DNS name, lower case, no trailing dot
  std::optional<std::string> domain_name;  // idem
  std::optional<uint16_t> mtu;             // >= 68
  std::optional<IpAddress> broadcast;
  std::vector<StaticRoute> static_routes;     // option 33, classful destinations
  std::vector<StaticRoute> classless_routes;  // option 121
  std::optional<uint32_t> lease_time;
  std::optional<uint32_t> renewal_time;
  std::optional<uint32_t> rebinding_time;
  std::optional<IpAddress> requested_ip;
  std::vector<uint8_t> parameter_list;
  std::optional<uint16_t> max_message_size;  // >= 576
  std::optional<std::string> message;        // printable ASCII only
  std::vector<uint8_t> client_id;            // 2..255 bytes when present
  bool rapid_commit = false;
  bool operator==(const Options&) const = default;
};

struct Message {
  uint8_t op = kBootRequest;
  uint8_t htype = 1;  // Ethernet
  uint8_t hlen = 6;
  uint8_t hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0;
  uint16_t flags = 0;  // 0x8000: broadcast
  IpAddress ciaddr = IpAddress::v4(0);
  IpAddress yiaddr = IpAddress::v4(0);
  IpAddress siaddr = IpAddress::v4(0);
  IpAddress giaddr = IpAddress::v4(0);
  std::array<uint8_t, 16> chaddr{};
  Options options;
  std::vector<uint8_t> dropped;  // codes of options dropped for invalid content (parser only)

  bool operator==(const Message& o) const {
    return op == o.op && htype == o.htype && hlen == o.hlen && hops == o.hops && xid == o.xid &&
           secs == o.secs && flags == o.flags && ciaddr == o.ciaddr && yiaddr == o.yiaddr &&
           siaddr == o.siaddr && giaddr == o.giaddr && chaddr == o.chaddr && options == o.options;
  }
};

// Parses one DHCP payload (UDP data). Fails with kProtocol, naming the offending field or
// option, on: a payload outside [240, 4096] bytes, a wrong magic cookie, a truncated option,
// a bad option length, an option longer than kMaxOptionLength after concatenation, or more
// than kMaxListEntries list entries. Option overload (52) is honoured once, from the options
// field only, so a self-referencing overload cannot loop.
[[nodiscard]] Result<Message> parseMessage(std::span<const uint8_t> payload);

// Serializes a message: header, cookie, options in a fixed order, END, padded to the BOOTP
// minimum of 300 bytes. Options over 255 bytes are split per RFC 3396. Fails with kInvalidInput
// if a value cannot be encoded (a non-IPv4 address, an empty client id...) and kLimit if the
// result would exceed kMaxMessageSize.
[[nodiscard]] Result<std::vector<uint8_t>> serializeMessage(const Message& message);

// True if `name` is a valid DNS name: dot-separated labels of 1..63 letters, digits and
// hyphens, not starting or ending with a hyphen, 253 characters at most.
bool isValidDnsName(std::string_view name);

std::string_view toString(MessageType type);

}  // namespace rempart::netconfig::dhcp
