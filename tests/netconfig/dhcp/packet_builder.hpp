// Hand-built DHCP payloads for tests: a BOOTP header plus raw option bytes, so that tests can
// produce exactly the malformed encodings the parser must refuse.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace rempart::netconfig::dhcp::test {

inline constexpr std::array<uint8_t, 6> kMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr uint32_t kXid = 0x11223344;

struct RawPacket {
  std::vector<uint8_t> bytes;

  explicit RawPacket(uint8_t op = 2, uint32_t xid = kXid) : bytes(240, 0) {
    bytes[0] = op;
    bytes[1] = 1;
    bytes[2] = 6;
    bytes[4] = uint8_t(xid >> 24);
    bytes[5] = uint8_t(xid >> 16);
    bytes[6] = uint8_t(xid >> 8);
    bytes[7] = uint8_t(xid);
    for (size_t i = 0; i < 6; ++i) bytes[28 + i] = kMac[i];
    bytes[236] = 99;
    bytes[237] = 130;
    bytes[238] = 83;
    bytes[239] = 99;
  }
  RawPacket& yiaddr(std::array<uint8_t, 4> a) {
    for (size_t i = 0; i < 4; ++i) bytes[16 + i] = a[i];
    return *this;
  }
  RawPacket& raw(std::initializer_list<uint8_t> b) {
    bytes.insert(bytes.end(), b.begin(), b.end());
    return *this;
  }
  RawPacket& option(uint8_t code, std::vector<uint8_t> value) {
    bytes.push_back(code);
    bytes.push_back(uint8_t(value.size()));
    bytes.insert(bytes.end(), value.begin(), value.end());
    return *this;
  }
  RawPacket& type(uint8_t t) { return option(53, {t}); }
  RawPacket& end() {
    bytes.push_back(255);
    return *this;
  }
  // A complete, valid lease offer/ack for 10.0.0.5/24 from server 10.0.0.1.
  RawPacket& leaseOptions(uint32_t lease = 3600) {
    option(54, {10, 0, 0, 1});
    option(1, {255, 255, 255, 0});
    option(3, {10, 0, 0, 1});
    option(51, {uint8_t(lease >> 24), uint8_t(lease >> 16), uint8_t(lease >> 8), uint8_t(lease)});
    return yiaddr({10, 0, 0, 5});
  }
};

}  // namespace rempart::netconfig::dhcp::test
