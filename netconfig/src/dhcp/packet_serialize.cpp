// DHCPv4 serializer: header, cookie, options in a fixed order, RFC 3396 splitting.
#include <algorithm>

#include "codec_util.hpp"
#include "netconfig/dhcp/packet.hpp"

namespace rempart::netconfig::dhcp {

using detail::maskLength;
using detail::printable;

namespace {

constexpr std::array<uint8_t, 4> kCookie = {99, 130, 83, 99};
constexpr size_t kMinSendSize = 300;  // BOOTP minimum, which some relays still expect

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
  for (const auto& a : list) TRY(w.addr(a));
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
  TRY(w.addr(m.ciaddr));
  TRY(w.addr(m.yiaddr));
  TRY(w.addr(m.siaddr));
  TRY(w.addr(m.giaddr));
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
      TRY(r.addr(s.destination.address));
      TRY(r.addr(s.gateway));
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
      TRY(r.addr(s.gateway));
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
