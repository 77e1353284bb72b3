// Lease -> DesiredState: lifetimes, RFC 3442 precedence, MTU sanity, the route cap and the
// TunnelVision (CVE-2024-3661) filter.
#include "netconfig/dhcp/lease_state.hpp"

#include <catch2/catch.hpp>

using namespace rempart;
using namespace rempart::netconfig;
using namespace rempart::netconfig::dhcp;

namespace {

IpPrefix P(const char* s) {
  return *IpPrefix::parse(s);
}
IpAddress A(const char* s) {
  return *IpAddress::parse(s);
}

Lease lease() {
  Lease l;
  l.address = P("192.0.2.10/24");
  l.server_id = A("192.0.2.1");
  l.routers = {A("192.0.2.1")};
  l.lease_seconds = 600;
  l.t1_seconds = 300;
  l.t2_seconds = 525;
  l.acquired_unix = 1000;
  return l;
}

LeasePolicy policy() {
  LeasePolicy p;
  p.interface = "wan0";
  p.protected_prefixes = {P("10.1.0.0/24"), P("10.2.0.0/16"), P("172.31.0.0/24")};
  return p;
}

std::vector<std::string> destinations(const LeaseState& s) {
  std::vector<std::string> out;
  for (const auto& r : s.desired.routes) out.push_back(r.destination.str());
  return out;
}

}  // namespace

TEST_CASE("dhcp lease state: address with the remaining kernel lifetime and a default route",
          "[unit][dhcp]") {
  auto s = leaseToDesiredState(lease(), policy(), 1100);
  REQUIRE(s.desired.links.size() == 1);
  CHECK(s.desired.links[0].name == "wan0");
  CHECK_FALSE(s.desired.links[0].mtu);
  REQUIRE(s.desired.addresses.size() == 1);
  CHECK(s.desired.addresses[0].address.str() == "192.0.2.10/24");
  CHECK(s.desired.addresses[0].valid_lifetime == 500u);
  REQUIRE(s.desired.routes.size() == 1);
  const RouteSpec& def = s.desired.routes[0];
  CHECK(def.destination.str() == "0.0.0.0/0");
  CHECK(def.gateway == A("192.0.2.1"));
  CHECK(def.interface == "wan0");
  CHECK(def.metric == kDhcpRouteMetric);
  CHECK(def.preferred_source == A("192.0.2.10"));
  CHECK(s.refused.empty());

  Lease inf = lease();
  inf.lease_seconds = inf.t1_seconds = inf.t2_seconds = kInfiniteLease;
  CHECK_FALSE(leaseToDesiredState(inf, policy(), 1100).desired.addresses[0].valid_lifetime);
}

TEST_CASE("dhcp lease state: option 121 takes precedence over 3 and 33 (RFC 3442)",
          "[unit][dhcp]") {
  Lease l = lease();
  l.static_routes = {{P("172.16.0.0/16"), A("192.0.2.1")}};
  SECTION("without 121: default route from 3 plus 33") {
    CHECK(destinations(leaseToDesiredState(l, policy(), 1000)) ==
          std::vector<std::string>{"0.0.0.0/0", "172.16.0.0/16"});
  }
  SECTION("with 121: only its routes, on-link gateway 0.0.0.0") {
    l.classless_routes = {{P("198.51.100.0/24"), A("0.0.0.0")}, {P("0.0.0.0/0"), A("192.0.2.254")}};
    auto s = leaseToDesiredState(l, policy(), 1000);
    CHECK(destinations(s) == std::vector<std::string>{"198.51.100.0/24", "0.0.0.0/0"});
    CHECK_FALSE(s.desired.routes[0].gateway);
    CHECK(s.desired.routes[1].gateway == A("192.0.2.254"));
  }
  SECTION("the ignore switch drops 121 and 33 entirely, keeps 3") {
    l.classless_routes = {{P("198.51.100.0/24"), A("192.0.2.1")}};
    LeasePolicy p = policy();
    p.ignore_classless_routes = true;
    auto s = leaseToDesiredState(l, p, 1000);
    CHECK(destinations(s) == std::vector<std::string>{"0.0.0.0/0"});
    CHECK(s.refused.size() == 1);
  }
}

TEST_CASE("CVE-2024-3661 TunnelVision: learned routes never cover protected prefixes",
          "[unit][dhcp][cve]") {
  Lease l = lease();
  l.classless_routes = {
      {P("10.1.0.0/25"), A("192.0.2.1")},    // more specific than a level LAN
      {P("10.0.0.0/8"), A("192.0.2.1")},     // covers the LAN and the tunnel selector
      {P("10.2.3.0/24"), A("192.0.2.1")},    // inside a tunnel selector
      {P("172.31.0.0/24"), A("192.0.2.1")},  // the management network itself
      {P("0.0.0.0/1"), A("192.0.2.1")},      // half the Internet, covering 10/8
      {P("198.51.100.0/24"), A("192.0.2.1")}, {P("0.0.0.0/0"), A("192.0.2.1")},
  };
  auto s = leaseToDesiredState(l, policy(), 1000);
  CHECK(destinations(s) == std::vector<std::string>{"198.51.100.0/24", "0.0.0.0/0"});
  CHECK(s.refused.size() == 5);
  CHECK(s.refused[0] == "route 10.1.0.0/25 via 192.0.2.1 overlaps protected prefix 10.1.0.0/24");

  SECTION("option 33 is filtered the same way") {
    Lease m = lease();
    m.static_routes = {{P("10.2.0.0/16"), A("192.0.2.1")}};
    CHECK(destinations(leaseToDesiredState(m, policy(), 1000)) ==
          std::vector<std::string>{"0.0.0.0/0"});
  }
  SECTION("a leased subnet overlapping a protected prefix gets no connected route") {
    Lease m = lease();
    m.address = P("10.2.0.7/16");
    auto t = leaseToDesiredState(m, policy(), 1000);
    CHECK(t.desired.addresses[0].address.str() == "10.2.0.7/32");
  }
  SECTION("the learned route count is capped") {
    Lease m = lease();
    m.classless_routes.clear();
    for (int i = 0; i < 40; ++i)
      m.classless_routes.push_back(
          {IpPrefix{IpAddress::v4(0xc6336400 + (i << 8)), 24}, A("192.0.2.1")});
    LeasePolicy p = policy();
    p.max_routes = 8;
    auto t = leaseToDesiredState(m, p, 1000);
    CHECK(t.desired.routes.size() == 8);
    CHECK(t.refused.size() == 32);
  }
}

TEST_CASE("dhcp lease state: MTU option sanity", "[unit][dhcp]") {
  Lease l = lease();
  l.mtu = 575;
  auto s = leaseToDesiredState(l, policy(), 1000);
  CHECK_FALSE(s.desired.routes[0].mtu);
  CHECK(s.refused.size() == 1);
  l.mtu = 1400;
  CHECK(leaseToDesiredState(l, policy(), 1000).desired.routes[0].mtu == 1400u);
  l.mtu = 9000;
  CHECK(leaseToDesiredState(l, policy(), 1000).desired.routes[0].mtu == 1500u);  // link MTU
}

TEST_CASE("dhcp lease state: protected prefixes come from the config", "[unit][dhcp]") {
  config::Config c;
  c.uplink.interface = "wan0";
  c.uplink.dhcp.ignore_classless_routes = true;
  c.uplink.dhcp.max_routes = 4;
  config::Level lv;
  config::Lan lan;
  lan.addresses = {P("10.1.0.1/24"), P("fd00:1::1/64")};
  lv.lans.push_back(lan);
  config::Tunnel t;
  t.local_ts = {P("10.1.0.0/24")};
  t.remote_ts = {P("10.20.0.0/16")};
  lv.tunnels.push_back(t);
  c.levels.push_back(lv);
  c.management = config::Management{};
  c.management->address = P("172.31.0.5/24");
  auto p = leasePolicyFor(c);
  CHECK(p.interface == "wan0");
  CHECK(p.ignore_classless_routes);
  CHECK(p.max_routes == 4);
  std::vector<std::string> got;
  for (const auto& x : p.protected_prefixes) got.push_back(x.str());
  CHECK(got == std::vector<std::string>{"10.1.0.0/24", "fd00:1::/64", "10.1.0.0/24", "10.20.0.0/16",
                                        "172.31.0.0/24"});
}
