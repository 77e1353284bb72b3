// IPv4/UDP build and validation with RFC 1071 checksums.
#include "netconfig/dhcp/frame.hpp"

namespace rempart::netconfig::dhcp {
namespace {

constexpr size_t kIpHeader = 20, kUdpHeader = 8;

uint32_t sum16(std::span<const uint8_t> b, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < b.size(); i += 2) acc += uint32_t(b[i] << 8 | b[i + 1]);
  if (b.size() % 2) acc += uint32_t(b.back() << 8);
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}
void put16(std::vector<uint8_t>& v, size_t off, uint16_t x) {
  v[off] = uint8_t(x >> 8);
  v[off + 1] = uint8_t(x);
}
uint16_t get16(std::span<const uint8_t> b, size_t off) {
  return uint16_t(b[off] << 8 | b[off + 1]);
}

uint32_t pseudoHeader(std::span<const uint8_t> src, std::span<const uint8_t> dst, size_t udp_len) {
  uint32_t acc = sum16(src) + sum16(dst);
  return acc + 17 + uint32_t(udp_len);
}

unexpected<Error> bad(std::string what) {
  return fail(ErrorCode::kProtocol, std::move(what));
}

}  // namespace

std::vector<uint8_t> buildUdpFrame(const IpAddress& source, const IpAddress& destination,
                                   uint16_t source_port, uint16_t destination_port,
                                   std::span<const uint8_t> payload) {
  size_t udp_len = kUdpHeader + payload.size();
  std::vector<uint8_t> f(kIpHeader + udp_len, 0);
  f[0] = 0x45;
  f[1] = 0xc0;  // CS6, as DHCP clients conventionally mark their traffic
  put16(f, 2, uint16_t(f.size()));
  f[8] = 64;
  f[9] = 17;
  std::copy_n(source.bytes.begin(), 4, f.begin() + 12);
  std::copy_n(destination.bytes.begin(), 4, f.begin() + 16);
  put16(f, 10, fold(sum16(std::span(f.data(), kIpHeader))));
  put16(f, 20, source_port);
  put16(f, 22, destination_port);
  put16(f, 24, uint16_t(udp_len));
  std::copy(payload.begin(), payload.end(), f.begin() + kIpHeader + kUdpHeader);
  std::span<const uint8_t> udp(f.data() + kIpHeader, udp_len);
  uint16_t c = fold(
      sum16(udp, pseudoHeader(std::span(f.data() + 12, 4), std::span(f.data() + 16, 4), udp_len)));
  put16(f, 26, c == 0 ? 0xffff : c);
  return f;
}

Result<std::span<const uint8_t>> decodeUdpFrame(std::span<const uint8_t> f, uint16_t port,
                                                bool checksum_ready) {
  if (f.size() < kIpHeader) return bad("truncated IPv4 header");
  if ((f[0] >> 4) != 4) return bad("not IPv4");
  size_t ihl = size_t(f[0] & 0x0f) * 4;
  if (ihl < kIpHeader || f.size() < ihl) return bad("bad IPv4 header length");
  size_t total = get16(f, 2);
  if (total < ihl + kUdpHeader || total > f.size()) return bad("bad IPv4 total length");
  if (fold(sum16(f.first(ihl))) != 0) return bad("bad IPv4 header checksum");
  if ((get16(f, 6) & 0x3fff) != 0) return bad("IPv4 fragment");
  if (f[9] != 17) return bad("not UDP");
  std::span<const uint8_t> udp = f.subspan(ihl, total - ihl);
  if (get16(udp, 2) != port) return bad("wrong UDP port");
  size_t udp_len = get16(udp, 4);
  if (udp_len < kUdpHeader || udp_len > udp.size()) return bad("bad UDP length");
  udp = udp.first(udp_len);
  if (checksum_ready && get16(udp, 6) != 0) {
    if (fold(sum16(udp, pseudoHeader(f.subspan(12, 4), f.subspan(16, 4), udp_len))) != 0)
      return bad("bad UDP checksum");
  }
  return udp.subspan(kUdpHeader);
}

}  // namespace rempart::netconfig::dhcp
