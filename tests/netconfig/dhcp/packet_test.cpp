// DHCP codec: every CVE class of the hardening table (notes §4) as a named case, plus the
// malformed-option list.
#include "netconfig/dhcp/packet.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "packet_builder.hpp"

using namespace rempart;
using namespace rempart::netconfig::dhcp;
using test::RawPacket;

namespace {

Result<Message> parse(const RawPacket& p) {
  return parseMessage(p.bytes);
}
bool dropped(const Message& m, uint8_t code) {
  return std::find(m.dropped.begin(), m.dropped.end(), code) != m.dropped.end();
}
std::vector<uint8_t> text(std::string_view s) {
  return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("dhcp packet: a well-formed ACK parses into typed options", "[unit][dhcp]") {
  RawPacket p;
  p.type(5)
      .leaseOptions(7200)
      .option(6, {10, 0, 0, 53, 10, 0, 0, 54})
      .option(12, text("GW-1"))
      .option(15, text("example.org."))
      .option(26, {0x05, 0xdc})
      .option(58, {0, 0, 0, 100})
      .option(121, {24, 192, 168, 7, 10, 0, 0, 1, 0, 10, 0, 0, 1})
      .option(200, {1, 2, 3})
      .end();
  auto m = parse(p);
  REQUIRE(m);
  CHECK(m->op == kBootReply);
  CHECK(m->xid == test::kXid);
  CHECK(m->options.message_type == MessageType::kAck);
  CHECK(m->yiaddr.str() == "10.0.0.5");
  CHECK(m->options.server_id->str() == "10.0.0.1");
  CHECK(m->options.subnet_mask->str() == "255.255.255.0");
  CHECK(m->options.lease_time == 7200u);
  CHECK(m->options.renewal_time == 100u);
  CHECK(m->options.dns_servers.size() == 2);
  CHECK(m->options.host_name == "gw-1");
  CHECK(m->options.domain_name == "example.org");
  CHECK(m->options.mtu == 1500);
  REQUIRE(m->options.classless_routes.size() == 2);
  CHECK(m->options.classless_routes[0].destination.str() == "192.168.7.0/24");
  CHECK(m->options.classless_routes[1].destination.str() == "0.0.0.0/0");
  CHECK(m->dropped.empty());  // option 200 is unknown: dropped silently
}

TEST_CASE("CVE-2011-0997 CVE-2011-2716 CVE-2018-1111: shell metacharacters in names are dropped",
          "[unit][dhcp][cve]") {
  for (std::string bad :
       std::vector<std::string>{"host;reboot", "a$(id)", "x`id`", "a b", "h|x", "evil'", "a\nb",
                                "-lead", "trail-", "a..b", "x&y", std::string(64, 'a')}) {
    RawPacket p;
    p.type(5).leaseOptions().option(12, text(bad)).option(15, text(bad + ".org")).end();
    auto m = parse(p);
    REQUIRE(m);
    INFO(bad);
    CHECK_FALSE(m->options.host_name);
    CHECK_FALSE(m->options.domain_name);
    CHECK(dropped(*m, 12));
    CHECK(dropped(*m, 15));
  }
  CHECK(isValidDnsName("gw-1.example.org"));
  CHECK_FALSE(isValidDnsName(std::string(254, 'a')));
}

TEST_CASE("CVE-2018-5732: RFC 3396 concatenated options are reassembled and capped",
          "[unit][dhcp][cve]") {
  SECTION("split DNS server list is concatenated in order") {
    RawPacket p;
    p.type(5).leaseOptions().option(6, {10, 0, 0, 53}).option(6, {10, 0, 0, 54}).end();
    auto m = parse(p);
    REQUIRE(m);
    REQUIRE(m->options.dns_servers.size() == 2);
    CHECK(m->options.dns_servers[1].str() == "10.0.0.54");
  }
  SECTION("an address split across two instances is still one address") {
    RawPacket p;
    p.type(5).leaseOptions().option(6, {10, 0}).option(6, {0, 53}).end();
    auto m = parse(p);
    REQUIRE(m);
    REQUIRE(m->options.dns_servers.size() == 1);
    CHECK(m->options.dns_servers[0].str() == "10.0.0.53");
  }
  SECTION("more than kMaxOptionLength bytes after concatenation is refused") {
    RawPacket p;
    p.type(5);
    for (int i = 0; i < 5; ++i) p.option(6, std::vector<uint8_t>(252, 10));
    auto m = parse(p.end());
    REQUIRE_FALSE(m);
    CHECK(m.error().context.find("after concatenation") != std::string::npos);
  }
  SECTION("too many list entries is refused") {
    RawPacket p;
    p.type(5)
        .option(6, std::vector<uint8_t>(252, 10))
        .option(6, std::vector<uint8_t>(16, 10))
        .end();
    CHECK_FALSE(parse(p));
  }
  SECTION("a payload over kMaxMessageSize is refused") {
    RawPacket p;
    p.bytes.resize(kMaxMessageSize + 1, 0);
    CHECK_FALSE(parse(p));
  }
}

TEST_CASE("CVE-2014-6060: a self-referencing option overload does not loop", "[unit][dhcp][cve]") {
  RawPacket p;
  // file field (offset 108) holds another overload option pointing at itself, then a router.
  uint8_t file[] = {52, 1, 3, 3, 4, 10, 0, 0, 9, 255};
  std::copy(std::begin(file), std::end(file), p.bytes.begin() + 108);
  // sname field (offset 44) holds the hostname.
  uint8_t sname[] = {12, 3, 'g', 'w', '1', 52, 1, 3, 255};
  std::copy(std::begin(sname), std::end(sname), p.bytes.begin() + 44);
  p.type(5).option(52, {3}).end();
  auto m = parse(p);
  REQUIRE(m);
  REQUIRE(m->options.routers.size() == 1);
  CHECK(m->options.routers[0].str() == "10.0.0.9");
  CHECK(m->options.host_name == "gw1");

  SECTION("an invalid overload value is refused") {
    RawPacket q;
    q.type(5).option(52, {4}).end();
    CHECK_FALSE(parse(q));
  }
}

TEST_CASE("CVE-2014-7912 CVE-2014-7913 CVE-2018-20679 CVE-2019-5747: bad option lengths",
          "[unit][dhcp][cve]") {
  SECTION("length 0 for a fixed-size option") {
    for (uint8_t code : {1, 3, 6, 12, 15, 26, 51, 53, 54, 121}) {
      RawPacket p;
      if (code != 53) p.type(5);
      p.option(code, {}).end();
      INFO(int(code));
      CHECK_FALSE(parse(p));
    }
  }
  SECTION("length past the end of the packet") {
    RawPacket p;
    p.type(5).raw({6, 8, 10, 0, 0, 1});
    auto m = parse(p);
    REQUIRE_FALSE(m);
    CHECK(m.error().context.find("past the end") != std::string::npos);
  }
  SECTION("length byte missing") {
    RawPacket p;
    p.type(5).raw({6});
    CHECK_FALSE(parse(p));
  }
  SECTION("length shorter than the type's fixed size") {
    for (auto [code, len] : {std::pair<uint8_t, size_t>{51, 3},
                             {54, 2},
                             {1, 3},
                             {26, 1},
                             {3, 3},
                             {6, 7},
                             {33, 4},
                             {53, 2}}) {
      RawPacket p;
      p.option(code, std::vector<uint8_t>(len, 1)).end();
      INFO(int(code));
      CHECK_FALSE(parse(p));
    }
  }
  SECTION("rapid commit carries no data") {
    RawPacket p;
    p.type(5).option(80, {1}).end();
    CHECK_FALSE(parse(p));
  }
}

TEST_CASE("CVE-2019-11577 CVE-2019-11578 CVE-2019-11579: every truncation of a packet is safe",
          "[unit][dhcp][cve]") {
  // The ASan/UBSan fuzz target covers this in depth; here every prefix and every single-byte
  // length corruption of a rich packet must parse or fail cleanly, never read out of bounds.
  RawPacket p;
  p.type(5).leaseOptions().option(121, {24, 192, 168, 7, 10, 0, 0, 1}).option(12, text("gw")).end();
  for (size_t n = 0; n <= p.bytes.size(); ++n) {
    auto m = parseMessage(std::span(p.bytes.data(), n));
    if (n < kMinMessageSize) CHECK_FALSE(m);
  }
  for (size_t i = kMinMessageSize; i < p.bytes.size(); ++i) {
    auto copy = p.bytes;
    for (uint8_t v : {0, 1, 2, 3, 4, 5, 8, 0x7f, 0xff}) {
      copy[i] = v;
      (void)parseMessage(copy);
    }
  }
  SUCCEED("no out-of-bounds access");
}

TEST_CASE("CVE-2018-15688: the serializer splits long options and respects the size limit",
          "[unit][dhcp][cve]") {
  Message m;
  m.op = kBootReply;
  m.options.message_type = MessageType::kAck;
  for (int i = 0; i < 64; ++i) m.options.dns_servers.push_back(IpAddress::v4(0x0a000001 + i));
  auto bytes = serializeMessage(m);
  REQUIRE(bytes);
  auto back = parseMessage(*bytes);
  REQUIRE(back);
  CHECK(*back == m);

  SECTION("too large for kMaxMessageSize") {
    for (int i = 0; i < 64; ++i) {
      m.options.classless_routes.push_back({*IpPrefix::parse("10.0.0.0/32"), IpAddress::v4(1)});
      m.options.static_routes.push_back({*IpPrefix::parse("10.0.0.1/32"), IpAddress::v4(1)});
      m.options.routers.push_back(IpAddress::v4(1));
    }
    m.options.client_id.assign(1024, 7);
    m.options.parameter_list.assign(1024, 1);
    m.options.message = std::string(1000, 'x');
    auto big = serializeMessage(m);
    REQUIRE_FALSE(big);
    CHECK(big.error().code == ErrorCode::kLimit);
  }
  SECTION("values that cannot be encoded are refused") {
    m.options.host_name = "bad name";
    CHECK_FALSE(serializeMessage(m));
  }
}

TEST_CASE("dhcp packet: header checks", "[unit][dhcp]") {
  SECTION("truncated header") {
    RawPacket p;
    p.bytes.resize(200);
    CHECK_FALSE(parse(p));
  }
  SECTION("bad magic cookie") {
    RawPacket p;
    p.type(5).end();
    p.bytes[239] = 98;
    auto m = parse(p);
    REQUIRE_FALSE(m);
    CHECK(m.error().context == "bad DHCP magic cookie");
  }
  SECTION("unknown message type") {
    RawPacket p;
    p.type(42).end();
    CHECK_FALSE(parse(p));
  }
}

TEST_CASE("dhcp packet: invalid option contents are dropped, not trusted", "[unit][dhcp]") {
  SECTION("subnet mask 0 and non-contiguous") {
    for (std::vector<uint8_t> mask :
         {std::vector<uint8_t>{0, 0, 0, 0}, {255, 0, 255, 0}, {255, 255, 255, 1}}) {
      RawPacket p;
      p.type(5).option(1, mask).end();
      auto m = parse(p);
      REQUIRE(m);
      CHECK_FALSE(m->options.subnet_mask);
      CHECK(dropped(*m, 1));
    }
  }
  SECTION("router 0.0.0.0") {
    RawPacket p;
    p.type(5).option(3, {0, 0, 0, 0, 10, 0, 0, 1}).end();
    auto m = parse(p);
    REQUIRE(m);
    REQUIRE(m->options.routers.size() == 1);
    CHECK(m->options.routers[0].str() == "10.0.0.1");
    CHECK(dropped(*m, 3));
  }
  SECTION("prefix length over 32 in option 121") {
    RawPacket p;
    p.type(5).option(121, {33, 10, 0, 0, 0, 0, 10, 0, 0, 1}).end();
    auto m = parse(p);
    REQUIRE(m);
    CHECK(m->options.classless_routes.empty());
    CHECK(dropped(*m, 121));
  }
  SECTION("option 121 truncated inside an entry") {
    RawPacket p;
    p.type(5).option(121, {24, 10, 0, 0, 10, 0, 0}).end();
    auto m = parse(p);
    REQUIRE(m);
    CHECK(m->options.classless_routes.empty());
  }
  SECTION("option 121 destination bits beyond the width are cleared") {
    RawPacket p;
    p.type(5).option(121, {20, 10, 1, 255, 10, 0, 0, 1}).end();
    auto m = parse(p);
    REQUIRE(m);
    REQUIRE(m->options.classless_routes.size() == 1);
    CHECK(m->options.classless_routes[0].destination.str() == "10.1.240.0/20");
  }
  SECTION("MTU below 68") {
    RawPacket p;
    p.type(5).option(26, {0, 67}).end();
    auto m = parse(p);
    REQUIRE(m);
    CHECK_FALSE(m->options.mtu);
    CHECK(dropped(*m, 26));
  }
  SECTION("option 33: default route and 0.0.0.0 router are illegal; classful prefixes") {
    RawPacket p;
    p.type(5)
        .option(33, {0,   0,   0, 0, 10, 0, 0, 1, 172, 16, 0, 0, 10, 0, 0, 1,
                     192, 168, 1, 7, 10, 0, 0, 1, 10,  0,  0, 0, 0,  0, 0, 0})
        .end();
    auto m = parse(p);
    REQUIRE(m);
    REQUIRE(m->options.static_routes.size() == 2);
    CHECK(m->options.static_routes[0].destination.str() == "172.16.0.0/16");
    CHECK(m->options.static_routes[1].destination.str() == "192.168.1.7/32");
    CHECK(dropped(*m, 33));
  }
  SECTION("non-printable server message") {
    RawPacket p;
    p.type(6).option(56, {'n', 'o', 0x1b, '['}).end();
    auto m = parse(p);
    REQUIRE(m);
    CHECK_FALSE(m->options.message);
  }
}

TEST_CASE("dhcp packet: serialize then parse is the identity", "[unit][dhcp]") {
  Message m;
  m.xid = 42;
  m.secs = 3;
  m.ciaddr = IpAddress::v4(0x0a000005);
  std::copy(test::kMac.begin(), test::kMac.end(), m.chaddr.begin());
  Options& o = m.options;
  o.message_type = MessageType::kRequest;
  o.client_id = {1, 2, 0, 0, 0, 0, 1};
  o.requested_ip = IpAddress::v4(0x0a000005);
  o.server_id = IpAddress::v4(0x0a000001);
  o.max_message_size = 1500;
  o.parameter_list = {1, 3, 6, 121};
  o.rapid_commit = true;
  o.host_name = "gw";
  o.classless_routes = {{*IpPrefix::parse("10.9.0.0/16"), IpAddress::v4(0x0a000001)},
                        {*IpPrefix::parse("0.0.0.0/0"), IpAddress::v4(0x0a000001)}};
  auto bytes = serializeMessage(m);
  REQUIRE(bytes);
  CHECK(bytes->size() == 300);  // padded to the BOOTP minimum
  auto back = parseMessage(*bytes);
  REQUIRE(back);
  CHECK(*back == m);
}
