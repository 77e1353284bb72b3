#include "common/ip.hpp"

#include <catch2/catch.hpp>

using namespace rempart;

TEST_CASE("IpAddress parses IPv4 and IPv6 and rejects everything else", "[unit][ip]") {
  CHECK(IpAddress::parse("192.0.2.1")->str() == "192.0.2.1");
  CHECK(IpAddress::parse("2001:DB8::1")->str() == "2001:db8::1");
  CHECK(IpAddress::parse("::ffff:10.0.0.1")->family == Family::kV6);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4x", "fe80::1%eth0",
                          "1.2.3.4/24", "gggg::", " 1.2.3.4", "1.2.3.4 "}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad));
  }
  CHECK(IpAddress::v4(0xC0000201).str() == "192.0.2.1");
  CHECK(IpAddress::parse("10.1.2.3")->v4HostOrder() == 0x0A010203u);
}

TEST_CASE("IpPrefix parses lengths strictly", "[unit][ip]") {
  CHECK(IpPrefix::parse("10.0.0.0/8")->str() == "10.0.0.0/8");
  CHECK(IpPrefix::parse("fd00::/48")->length == 48);
  CHECK(IpPrefix::parse("10.0.0.1", true)->length == 32);
  CHECK_FALSE(IpPrefix::parse("10.0.0.1"));
  for (const char* bad : {"10.2.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                          "10.0.0.0/0008", "/8", "10.0.0.0//8"}) {
    INFO(bad);
    CHECK_FALSE(IpPrefix::parse(bad, true));
  }
}

TEST_CASE("IpPrefix containment, overlap and host bits", "[unit][ip]") {
  auto p = *IpPrefix::parse("10.1.0.1/24");
  CHECK(p.hasHostBits());
  CHECK(p.network().str() == "10.1.0.0/24");
  CHECK(p.contains(*IpAddress::parse("10.1.0.200")));
  CHECK_FALSE(p.contains(*IpAddress::parse("10.1.1.0")));
  CHECK(IpPrefix::parse("10.0.0.0/8")->contains(*IpPrefix::parse("10.1.0.0/16")));
  CHECK_FALSE(IpPrefix::parse("10.1.0.0/16")->contains(*IpPrefix::parse("10.0.0.0/8")));
  CHECK(IpPrefix::parse("10.1.0.0/16")->overlaps(*IpPrefix::parse("10.0.0.0/8")));
  CHECK_FALSE(IpPrefix::parse("10.1.0.0/16")->overlaps(*IpPrefix::parse("10.2.0.0/16")));
  CHECK_FALSE(IpPrefix::parse("::/0")->overlaps(*IpPrefix::parse("0.0.0.0/0")));
  CHECK(IpPrefix::parse("fd00:1::/64")->overlaps(*IpPrefix::parse("fd00::/16")));
  CHECK(IpPrefix::parse("10.1.2.3/27")->network().str() == "10.1.2.0/27");
  CHECK(IpPrefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
}
