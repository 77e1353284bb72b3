// IPv4/UDP framing of the packet socket: checksums, truncation, CSUMNOTREADY.
#include "netconfig/dhcp/frame.hpp"

#include <catch2/catch.hpp>

using namespace rempart;
using namespace rempart::netconfig::dhcp;

namespace {
std::vector<uint8_t> frame() {
  std::vector<uint8_t> payload(300, 0x5a);
  return buildUdpFrame(*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.5"), 67, 68,
                       payload);
}
}  // namespace

TEST_CASE("dhcp frame: build then decode returns the payload", "[unit][dhcp]") {
  auto f = frame();
  auto p = decodeUdpFrame(f, 68, true);
  REQUIRE(p);
  CHECK(p->size() == 300);
  CHECK((*p)[0] == 0x5a);
  CHECK_FALSE(decodeUdpFrame(f, 67, true));  // wrong port
}

TEST_CASE("dhcp frame: bad checksums and truncation are refused", "[unit][dhcp]") {
  SECTION("bad UDP checksum") {
    auto f = frame();
    f[100] ^= 1;
    auto p = decodeUdpFrame(f, 68, true);
    REQUIRE_FALSE(p);
    CHECK(p.error().context == "bad UDP checksum");
    // With TP_STATUS_CSUMNOTREADY the checksum is a partial one by design: accepted.
    CHECK(decodeUdpFrame(f, 68, false));
  }
  SECTION("bad IPv4 header checksum is refused even when the UDP checksum is not ready") {
    auto f = frame();
    f[8] = 1;  // TTL
    auto p = decodeUdpFrame(f, 68, false);
    REQUIRE_FALSE(p);
    CHECK(p.error().context == "bad IPv4 header checksum");
  }
  SECTION("truncated") {
    auto f = frame();
    for (size_t n : {0, 10, 19, 20, 27, 100})
      CHECK_FALSE(decodeUdpFrame(std::span(f.data(), n), 68, true));
  }
  SECTION("UDP length larger than the datagram") {
    auto f = frame();
    f[24] = 0xff;
    CHECK_FALSE(decodeUdpFrame(f, 68, false));
  }
  SECTION("fragment") {
    auto f = frame();
    f[6] = 0x20;  // MF
    CHECK_FALSE(decodeUdpFrame(f, 68, false));
  }
  SECTION("checksum 0 means none") {
    auto f = frame();
    f[26] = f[27] = 0;
    CHECK(decodeUdpFrame(f, 68, true));
  }
}
