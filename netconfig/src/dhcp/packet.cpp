// Strict DHCPv4 codec. Framing errors reject the message; bad option content drops the option.
#include "netconfig/dhcp/packet.hpp"

#include <algorithm>
#include <map>

// TRY() needs a value; this is its Result<void> form.
#define CHECK_OK(expr)                                                              \
  do {                                                                              \
    if (auto check_ok_ = (expr); !check_ok_)                                        \
      return ::rempart::unexpected<::rempart::Error>(std::move(check_ok_).error()); \
  } while (0)

namespace rempart::netconfig::dhcp {
namespace {

constexpr std::array<uint8_t, 4> kCookie = {99, 130, 83, 99};
constexpr size_t kSnameOffset = 44, kSnameSize = 64, kFileOffset = 108, kFileSize = 128;
constexpr size_t kMinSendSize = 300;  // BOOTP minimum, which some relays still expect

using RawOptions = std::map<uint8_t, std::vector<uint8_t>>;

unexpected<Error> bad(std::string what) {
  return fail(ErrorCode::kProtocol, std::move(what));
}

std::string codeName(uint8_t code) {
  return "option " + std::to_string(code);
}

// Collects the options of one field into `raw`, concatenating repeated codes (RFC 3396).
// Option 52 is only meaningful in the options field; elsewhere it is ignored, so an overload
// can never point back at a field already read.
Result<void> collect(std::span<const uint8_t> field, bool is_options_field, RawOptions& raw,
                     const char* where) {
  size_t i = 0;
  while (i < field.size()) {
    uint8_t code = field[i++];
    if (code == opt::kPad) continue;
    if (code == opt::kEnd) return {};
    if (i >= field.size()) return bad(codeName(code) + " in " + where + ": length byte missing");
    size_t len = field[i++];
    if (len > field.size() - i)
      return bad(codeName(code) + " in " + where + ": length " + std::to_string(len) +
                 " runs past the end");
    if (code != opt::kOverload || is_options_field) {
      auto& value = raw[code];
      if (value.size() + len > kMaxOptionLength)
        return bad(codeName(code) + ": longer than " + std::to_string(kMaxOptionLength) +
                   " bytes after concatenation");
      value.insert(value.end(), field.begin() + i, field.begin() + i + len);
    }
    i += len;
  }
  return {};
}

IpAddress v4At(std::span<const uint8_t> b, size_t off) {
  IpAddress a;
  std::copy_n(b.begin() + off, 4, a.bytes.begin());
  return a;
}
uint32_t u32At(std::span<const uint8_t> b, size_t off) {
  return (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) | (uint32_t{b[off + 2]} << 8) |
         b[off + 3];
}
uint16_t u16At(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>((b[off] << 8) | b[off + 1]);
}

Result<void> needLength(uint8_t code, const std::vector<uint8_t>& v, size_t exact) {
  if (v.size() != exact)
    return bad(codeName(code) + ": length " + std::to_string(v.size()) + ", expected " +
               std::to_string(exact));
  return {};
}
Result<void> needMultiple(uint8_t code, const std::vector<uint8_t>& v, size_t unit) {
  if (v.empty() || v.size() % unit != 0)
    return bad(codeName(code) + ": length " + std::to_string(v.size()) +
               " is not a positive multiple of " + std::to_string(unit));
  if (v.size() / unit > kMaxListEntries)
    return bad(codeName(code) + ": more than " + std::to_string(kMaxListEntries) + " entries");
  return {};
}

std::optional<unsigned> maskLength(uint32_t mask) {
  unsigned len = static_cast<unsigned>(__builtin_popcount(mask));
  uint32_t expect = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  if (mask != expect) return std::nullopt;
  return len;
}

// Classful prefix of an option-33 destination; a destination with host bits beyond its class
// is a host route.
std::optional<IpPrefix> classfulPrefix(const IpAddress& dest) {
  uint32_t a = dest.v4HostOrder();
  unsigned len;
  if ((a >> 31) == 0)
    len = 8;
  else if ((a >> 30) == 2)
    len = 16;
  else if ((a >> 29) == 6)
    len = 24;
  else
    return std::nullopt;  // class D/E is never a route
  IpPrefix p{dest, len};
  if (p.hasHostBits()) p.length = 32;
  return p;
}

std::optional<std::string> dnsName(const std::vector<uint8_t>& v) {
  std::string s(v.begin(), v.end());
  while (!s.empty() && s.back() == '\0') s.pop_back();  // some servers NUL-terminate
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (!isValidDnsName(s)) return std::nullopt;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
  return s;
}

// RFC 3442: width, significant octets of the destination, router. Any malformed entry makes
// the whole option invalid (nullopt).
std::optional<std::vector<StaticRoute>> classless(const std::vector<uint8_t>& v) {
  std::vector<StaticRoute> out;
  size_t i = 0;
  while (i < v.size()) {
    unsigned width = v[i++];
    if (width > 32) return std::nullopt;
    size_t sig = (width + 7) / 8;
    if (v.size() - i < sig + 4) return std::nullopt;
    IpAddress dest = IpAddress::v4(0);
    std::copy_n(v.begin() + i, sig, dest.bytes.begin());
    i += sig;
    IpAddress gw = v4At(v, i);
    i += 4;
    if (out.size() >= kMaxListEntries) return std::nullopt;
    out.push_back({IpPrefix{dest, width}.network(), gw});
  }
  return out;
}

bool printable(const std::vector<uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

Result<void> decode(const RawOptions& raw, Message& m) {
  Options& o = m.options;
  auto drop = [&](uint8_t code) { m.dropped.push_back(code); };
  for (const auto& [code, v] : raw) {
    switch (code) {
      case opt::kMessageType:
        CHECK_OK(needLength(code, v, 1));
        if (v[0] < 1 || v[0] > 9)
          return bad("option 53: unknown message type " + std::to_string(v[0]));
        o.message_type = static_cast<MessageType>(v[0]);
        break;
      case opt::kServerId:
      case opt::kBroadcast:
      case opt::kRequestedIp:
        CHECK_OK(needLength(code, v, 4));
        (code == opt::kServerId    ? o.server_id
         : code == opt::kBroadcast ? o.broadcast
                                   : o.requested_ip) = v4At(v, 0);
        break;
      case opt::kSubnetMask: {
        CHECK_OK(needLength(code, v, 4));
        auto len = maskLength(u32At(v, 0));
        if (!len || *len == 0)
          drop(code);  // non-contiguous or zero
        else
          o.subnet_mask = v4At(v, 0);
        break;
      }
      case opt::kRouter:
      case opt::kDnsServer: {
        CHECK_OK(needMultiple(code, v, 4));
        auto& list = code == opt::kRouter ? o.routers : o.dns_servers;
        for (size_t i = 0; i < v.size(); i += 4) {
          IpAddress a = v4At(v, i);
          if (a.isUnspecified())
            drop(code);
          else
            list.push_back(a);
        }
        break;
      }
      case opt::kHostName:
      case opt::kDomainName: {
        if (v.empty()) return bad(codeName(code) + ": length 0");
        auto name = dnsName(v);
        if (!name)
          drop(code);
        else
          (code == opt::kHostName ? o.host_name : o.domain_name) = *name;
        break;
      }
      case opt::kInterfaceMtu:
      case opt::kMaxSize: {
        CHECK_OK(needLength(code, v, 2));
        uint16_t x = u16At(v, 0);
        if (code == opt::kInterfaceMtu) {
          if (x < 68)
            drop(code);
          else
            o.mtu = x;
        } else {
          if (x < 576)
            drop(code);
          else
            o.max_message_size = x;
        }
        break;
      }
      case opt::kStaticRoute:
        CHECK_OK(needMultiple(code, v, 8));
        for (size_t i = 0; i < v.size(); i += 8) {
          IpAddress dest = v4At(v, i), gw = v4At(v, i + 4);
          auto prefix = classfulPrefix(dest);
          // The default route is illegal in option 33 (RFC 2132 5.8); so is a 0.0.0.0 router.
          if (dest.isUnspecified() || !prefix || gw.isUnspecified())
            drop(code);
          else
            o.static_routes.push_back({*prefix, gw});
        }
        break;
      case opt::kLeaseTime:
      case opt::kRenewalTime:
      case opt::kRebindingTime:
        CHECK_OK(needLength(code, v, 4));
        (code == opt::kLeaseTime     ? o.lease_time
         : code == opt::kRenewalTime ? o.renewal_time
                                     : o.rebinding_time) = u32At(v, 0);
        break;
      case opt::kParameterList:
        if (v.empty()) return bad("option 55: length 0");
        o.parameter_list = v;
        break;
      case opt::kMessage:
        if (v.empty()) return bad("option 56: length 0");
        if (!printable(v))
          drop(code);
        else
          o.message = std::string(v.begin(), v.end());
        break;
      case opt::kClientId:
        if (v.size() < 2)
          return bad("option 61: length " + std::to_string(v.size()) + ", at least 2 expected");
        o.client_id = v;
        break;
      case opt::kRapidCommit:
        CHECK_OK(needLength(code, v, 0));
        o.rapid_commit = true;
        break;
      case opt::kClasslessRoute: {
        if (v.size() < 5)
          return bad("option 121: length " + std::to_string(v.size()) + ", at least 5 expected");
        auto routes = classless(v);
        if (!routes)
          drop(code);
        else
          o.classless_routes = std::move(*routes);
        break;
      }
      default:
        break;  // unknown or unused: dropped silently
    }
  }
  return {};
}

}  // namespace

bool isValidDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label) {
      bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view toString(MessageType type) {
  switch (type) {
    case MessageType::kDiscover:
      return "DISCOVER";
    case MessageType::kOffer:
      return "OFFER";
    case MessageType::kRequest:
      return "REQUEST";
    case MessageType::kDecline:
      return "DECLINE";
    case MessageType::kAck:
      return "ACK";
    case MessageType::kNak:
      return "NAK";
    case MessageType::kRelease:
      return "RELEASE";
    case MessageType::kInform:
      return "INFORM";
    case MessageType::kForceRenew:
      return "FORCERENEW";
  }
  return "?";
}

Result<Message> parseMessage(std::span<const uint8_t> p) {
  if (p.size() < kMinMessageSize)
    return bad("DHCP message of " + std::to_string(p.size()) + " bytes is shorter than 240");
  if (p.size() > kMaxMessageSize)
    return bad("DHCP message of " + std::to_string(p.size()) + " bytes exceeds " +
               std::to_string(kMaxMessageSize));
  if (!std::equal(kCookie.begin(), kCookie.end(), p.begin() + kHeaderSize))
    return bad("bad DHCP magic cookie");
  Message m;
  m.op = p[0];
  m.htype = p[1];
  m.hlen = p[2];
  m.hops = p[3];
  m.xid = u32At(p, 4);
  m.secs = u16At(p, 8);
  m.flags = u16At(p, 10);
  m.ciaddr = v4At(p, 12);
  m.yiaddr = v4At(p, 16);
  m.siaddr = v4At(p, 20);
  m.giaddr = v4At(p, 24);
  std::copy_n(p.begin() + 28, 16, m.chaddr.begin());

  RawOptions raw;
  CHECK_OK(collect(p.subspan(kMinMessageSize), true, raw, "options"));
  if (auto it = raw.find(opt::kOverload); it != raw.end()) {
    if (it->second.size() != 1 || it->second[0] < 1 || it->second[0] > 3)
      return bad("option 52: invalid overload value");
    uint8_t overload = it->second[0];
    raw.erase(it);
    if (overload & 1) CHECK_OK(collect(p.subspan(kFileOffset, kFileSize), false, raw, "file"));
    if (overload & 2) CHECK_OK(collect(p.subspan(kSnameOffset, kSnameSize), false, raw, "sname"));
  }
  CHECK_OK(decode(raw, m));
  return m;
}

namespace {

struct Writer {
  std::vector<uint8_t> out;
  void u8(uint8_t v) { out.push_back(v); }
  void u16(uint16_t v) {
    u8(uint8_t(v >> 8));
    u8(uint8_t(v));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  Result<void> addr(const IpAddress& a) {
    if (a.family != Family::kV4)
      return fail(ErrorCode::kInvalidInput, "not an IPv4 address: " + a.str());
    out.insert(out.end(), a.bytes.begin(), a.bytes.begin() + 4);
    return {};
  }
  // One option, split into 255-byte instances when longer (RFC 3396).
  void option(uint8_t code, const std::vector<uint8_t>& v) {
    size_t i = 0;
    do {
      size_t n = std::min<size_t>(255, v.size() - i);
      u8(code);
      u8(uint8_t(n));
      out.insert(out.end(), v.begin() + i, v.begin() + i + n);
      i += n;
    } while (i < v.size());
  }
};

Result<std::vector<uint8_t>> addrBytes(const std::vector<IpAddress>& list) {
  Writer w;
  for (const auto& a : list) CHECK_OK(w.addr(a));
  return w.out;
}
std::vector<uint8_t> u32Bytes(uint32_t v) {
  Writer w;
  w.u32(v);
  return w.out;
}
std::vector<uint8_t> u16Bytes(uint16_t v) {
  Writer w;
  w.u16(v);
  return w.out;
}
std::vector<uint8_t> strBytes(const std::string& s) {
  return {s.begin(), s.end()};
}

}  // namespace

Result<std::vector<uint8_t>> serializeMessage(const Message& m) {
  const Options& o = m.options;
  Writer w;
  w.u8(m.op);
  w.u8(m.htype);
  w.u8(m.hlen);
  w.u8(m.hops);
  w.u32(m.xid);
  w.u16(m.secs);
  w.u16(m.flags);
  CHECK_OK(w.addr(m.ciaddr));
  CHECK_OK(w.addr(m.yiaddr));
  CHECK_OK(w.addr(m.siaddr));
  CHECK_OK(w.addr(m.giaddr));
  w.out.insert(w.out.end(), m.chaddr.begin(), m.chaddr.end());
  w.out.resize(kHeaderSize, 0);  // sname and file stay empty: we never overload
  w.out.insert(w.out.end(), kCookie.begin(), kCookie.end());

  auto invalid = [](std::string what) { return fail(ErrorCode::kInvalidInput, std::move(what)); };
  if (o.message_type) w.option(opt::kMessageType, {uint8_t(*o.message_type)});
  if (!o.client_id.empty()) {
    if (o.client_id.size() < 2) return invalid("client id shorter than 2 bytes");
    w.option(opt::kClientId, o.client_id);
  }
  if (o.requested_ip) w.option(opt::kRequestedIp, TRY(addrBytes({*o.requested_ip})));
  if (o.server_id) w.option(opt::kServerId, TRY(addrBytes({*o.server_id})));
  if (o.max_message_size) {
    if (*o.max_message_size < 576) return invalid("maximum message size under 576");
    w.option(opt::kMaxSize, u16Bytes(*o.max_message_size));
  }
  if (!o.parameter_list.empty()) w.option(opt::kParameterList, o.parameter_list);
  if (o.rapid_commit) {
    w.u8(opt::kRapidCommit);
    w.u8(0);
  }
  for (auto [code, name] :
       {std::pair{opt::kHostName, &o.host_name}, {opt::kDomainName, &o.domain_name}}) {
    if (!*name) continue;
    if (!isValidDnsName(**name))
      return invalid("invalid DNS name in option " + std::to_string(code));
    w.option(code, strBytes(**name));
  }
  if (o.subnet_mask) {
    auto len = maskLength(o.subnet_mask->v4HostOrder());
    if (!len || *len == 0) return invalid("invalid subnet mask " + o.subnet_mask->str());
    w.option(opt::kSubnetMask, TRY(addrBytes({*o.subnet_mask})));
  }
  if (!o.routers.empty()) w.option(opt::kRouter, TRY(addrBytes(o.routers)));
  if (!o.dns_servers.empty()) w.option(opt::kDnsServer, TRY(addrBytes(o.dns_servers)));
  if (o.mtu) {
    if (*o.mtu < 68) return invalid("MTU under 68");
    w.option(opt::kInterfaceMtu, u16Bytes(*o.mtu));
  }
  if (o.broadcast) w.option(opt::kBroadcast, TRY(addrBytes({*o.broadcast})));
  if (!o.static_routes.empty()) {
    Writer r;
    for (const auto& s : o.static_routes) {
      CHECK_OK(r.addr(s.destination.address));
      CHECK_OK(r.addr(s.gateway));
    }
    w.option(opt::kStaticRoute, r.out);
  }
  if (o.lease_time) w.option(opt::kLeaseTime, u32Bytes(*o.lease_time));
  if (o.renewal_time) w.option(opt::kRenewalTime, u32Bytes(*o.renewal_time));
  if (o.rebinding_time) w.option(opt::kRebindingTime, u32Bytes(*o.rebinding_time));
  if (!o.classless_routes.empty()) {
    Writer r;
    for (const auto& s : o.classless_routes) {
      if (s.destination.family() != Family::kV4 || s.destination.length > 32)
        return invalid("invalid classless route destination");
      r.u8(uint8_t(s.destination.length));
      size_t sig = (s.destination.length + 7) / 8;
      IpPrefix net = s.destination.network();
      r.out.insert(r.out.end(), net.address.bytes.begin(), net.address.bytes.begin() + sig);
      CHECK_OK(r.addr(s.gateway));
    }
    w.option(opt::kClasslessRoute, r.out);
  }
  if (o.message) {
    std::vector<uint8_t> v = strBytes(*o.message);
    if (v.empty() || !printable(v)) return invalid("message option must be printable ASCII");
    w.option(opt::kMessage, v);
  }
  w.u8(opt::kEnd);
  if (w.out.size() < kMinSendSize) w.out.resize(kMinSendSize, 0);
  if (w.out.size() > kMaxMessageSize)
    return fail(ErrorCode::kLimit,
                "DHCP message would exceed " + std::to_string(kMaxMessageSize) + " bytes");
  return w.out;
}

}  // namespace rempart::netconfig::dhcp
