#include <linux/if_addr.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "netconfig/plan.hpp"
#include "test_helpers.hpp"

using namespace rempart;
using namespace rempart::netconfig;
using namespace rempart::netconfig::testing;

namespace {

constexpr uint8_t kProtoBoot = 3;
constexpr uint8_t kProtoStatic = 4;

// lan0 (2) managed, up, 10.1.0.1/24 + fd00:1::1/64, a default route and a LAN route.
DesiredState lanConfig() {
  DesiredState d;
  d.links.push_back(LinkSpec{"lan0", true, 1400});
  d.addresses.push_back(addressSpec("lan0", "10.1.0.1/24"));
  d.addresses.push_back(addressSpec("lan0", "fd00:1::1/64"));
  d.routes.push_back(routeSpec("0.0.0.0/0", "10.1.0.254", "lan0"));
  d.routes.push_back(routeSpec("10.9.0.0/16", "10.1.0.253", "lan0", kMainTable, 10));
  d.routes.push_back(routeSpec("fd00:9::/48", "fd00:1::fe", "lan0"));
  return d;
}

ActualState matchingKernel(uint8_t protocol) {
  ActualState a;
  a.links = {link(1, "lo"), link(2, "lan0", true, 1400), link(3, "eth9")};
  a.addresses = {addr(2, "10.1.0.1/24", protocol), addr(2, "fd00:1::1/64", protocol),
                 addr(2, "fe80::1/64")};
  a.routes = {route("0.0.0.0/0", "10.1.0.254", 2, protocol),
              route("10.9.0.0/16", "10.1.0.253", 2, protocol, kMainTable, 10),
              route("fd00:9::/48", "fd00:1::fe", 2, protocol, kMainTable, 1024),
              route("10.1.0.0/24", std::nullopt, 2, RTPROT_KERNEL)};
  return a;
}

std::vector<std::string> describe(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.links) out.push_back(c.describe());
  for (const auto& c : p.addresses) out.push_back(c.describe());
  for (const auto& c : p.routes) out.push_back(c.describe());
  return out;
}

}  // namespace

TEST_CASE("planner adopts identical existing state, whoever created it", "[unit][planner]") {
  for (uint8_t protocol : {uint8_t{0}, kProtoBoot, kRouteProtocol}) {
    auto plan = makePlan(lanConfig(), matchingKernel(protocol));
    REQUIRE(plan);
    CHECK(plan->empty());
    CHECK(plan->deferred.empty());
  }
}

TEST_CASE("planner adds what is missing, links first", "[unit][planner]") {
  ActualState a;
  a.links = {link(2, "lan0", false, 1500)};
  auto plan = makePlan(lanConfig(), a);
  REQUIRE(plan);
  CHECK(describe(*plan) ==
        std::vector<std::string>{
            "setting lan0 up, mtu 1400",
            "adding address 10.1.0.1/24 to lan0",
            "adding address fd00:1::1/64 to lan0",
            "adding route 0.0.0.0/0 via 10.1.0.254 dev lan0 table 254 metric 0",
            "adding route 10.9.0.0/16 via 10.1.0.253 dev lan0 table 254 metric 10",
            "adding route fd00:9::/48 via fd00:1::fe dev lan0 table 254 metric 1024",
        });
  REQUIRE(plan->routes.size() == 3);
  CHECK(plan->routes[0].route.protocol == kRouteProtocol);
  CHECK(plan->routes[0].route.oif == 2);
  CHECK(plan->addresses[0].ifindex == 2);
}

TEST_CASE("planner replaces a changed route and refreshes a changed MTU", "[unit][planner]") {
  ActualState a = matchingKernel(kRouteProtocol);
  a.links[1].mtu = 1500;
  a.routes[0].gateway = ip("10.1.0.250");
  auto plan = makePlan(lanConfig(), a);
  REQUIRE(plan);
  CHECK(describe(*plan) ==
        std::vector<std::string>{
            "setting lan0 mtu 1400",
            "replacing route 0.0.0.0/0 via 10.1.0.254 dev lan0 table 254 metric 0"});
  CHECK(plan->routes[0].kind == ChangeKind::kChange);
}

TEST_CASE("planner turns a prefix-length change into remove then add", "[unit][planner]") {
  ActualState a = matchingKernel(kRouteProtocol);
  DesiredState d = lanConfig();
  d.addresses[0].address = pfx("10.1.0.1/25");
  auto plan = makePlan(d, a);
  REQUIRE(plan);
  CHECK(describe(*plan) == std::vector<std::string>{"removing address 10.1.0.1/24 from lan0",
                                                    "adding address 10.1.0.1/25 to lan0"});
}

TEST_CASE("planner refreshes address lifetimes only when a quarter has elapsed",
          "[unit][planner]") {
  DesiredState d = lanConfig();
  d.addresses[0].valid_lifetime = 3600;
  d.addresses[0].preferred_lifetime = 3600;
  ActualState a = matchingKernel(kRouteProtocol);
  a.addresses[0].valid_lifetime = 3000;
  a.addresses[0].preferred_lifetime = 3000;
  auto recent = makePlan(d, a);
  REQUIRE(recent);
  CHECK(recent->empty());

  a.addresses[0].valid_lifetime = 1800;  // renewed at T1
  a.addresses[0].preferred_lifetime = 1800;
  auto renewed = makePlan(d, a);
  REQUIRE(renewed);
  REQUIRE(renewed->addresses.size() == 1);
  CHECK(renewed->addresses[0].kind == ChangeKind::kChange);
  CHECK(renewed->addresses[0].valid_lifetime == 3600u);

  a.addresses[0].valid_lifetime = kForever;  // was static, now from DHCP
  a.addresses[0].preferred_lifetime = kForever;
  auto to_finite = makePlan(d, a);
  REQUIRE(to_finite);
  CHECK(to_finite->addresses.size() == 1);
}

TEST_CASE("planner removes only our own objects on managed interfaces", "[unit][planner]") {
  ActualState a = matchingKernel(kRouteProtocol);
  a.addresses.push_back(addr(2, "10.1.0.2/24", kRouteProtocol));   // ours, no longer desired
  a.addresses.push_back(addr(2, "10.1.0.3/24"));                   // foreign
  a.addresses.push_back(addr(2, "fe80::5/64", kRouteProtocol));    // link-local: never
  a.addresses.push_back(addr(3, "192.0.2.1/24", kRouteProtocol));  // unmanaged interface
  a.routes.push_back(route("10.8.0.0/16", "10.1.0.253", 2, kRouteProtocol));  // ours: removed
  a.routes.push_back(route("10.7.0.0/16", "10.1.0.253", 2, kProtoBoot));      // foreign
  a.routes.push_back(route("10.6.0.0/16", "10.1.0.253", 2, kProtoStatic));    // proto static
  a.routes.push_back(route("10.5.0.0/16", "10.1.0.253", 2, kRouteProtocol, kStrongswanTable));
  a.routes.push_back(route("10.4.0.0/16", "192.0.2.254", 3, kRouteProtocol));  // unmanaged
  auto plan = makePlan(lanConfig(), a);
  REQUIRE(plan);
  CHECK(describe(*plan) ==
        std::vector<std::string>{
            "removing address 10.1.0.2/24 from lan0",
            "removing route 10.8.0.0/16 via 10.1.0.253 dev lan0 table 254 metric 0"});
}

TEST_CASE("planner never touches table 220, even with our protocol", "[unit][planner]") {
  ActualState a = matchingKernel(kRouteProtocol);
  a.routes.push_back(route("0.0.0.0/0", "10.1.0.99", 2, kRouteProtocol, kStrongswanTable));
  a.routes.push_back(route("10.20.0.0/16", std::nullopt, 2, 0, kStrongswanTable));
  auto plan = makePlan(lanConfig(), a);
  REQUIRE(plan);
  CHECK(plan->empty());

  DesiredState d = lanConfig();
  d.routes.push_back(routeSpec("10.30.0.0/16", "10.1.0.254", "lan0", kStrongswanTable));
  auto refused = makePlan(d, a);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInvalidInput);
  CHECK(refused.error().message() == "route 10.30.0.0/16: table 220 is reserved");
}

TEST_CASE("planner defers objects on a missing interface and plans the rest", "[unit][planner]") {
  DesiredState d = lanConfig();
  d.links.push_back(LinkSpec{"wan0", true, std::nullopt});
  d.addresses.push_back(addressSpec("wan0", "192.0.2.10/24"));
  d.routes.push_back(routeSpec("198.51.100.0/24", "192.0.2.1", "wan0"));
  auto plan = makePlan(d, matchingKernel(kRouteProtocol));
  REQUIRE(plan);
  CHECK(plan->empty());
  REQUIRE(plan->deferred.size() == 1);
  CHECK(plan->deferred[0].message() == "interface wan0 not found");
}

TEST_CASE("planner skips routes on a link desired down", "[unit][planner]") {
  DesiredState d = lanConfig();
  d.links[0].up = false;
  ActualState a = matchingKernel(kRouteProtocol);
  a.routes.clear();
  auto plan = makePlan(d, a);
  REQUIRE(plan);
  CHECK(describe(*plan) == std::vector<std::string>{"setting lan0 down"});
}

TEST_CASE("planner rejects invalid desired state with a named object", "[unit][planner]") {
  ActualState a = matchingKernel(kRouteProtocol);
  struct Case {
    std::function<void(DesiredState&)> mutate;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](DesiredState& d) { d.routes.push_back(routeSpec("10.9.1.1/16", "10.1.0.1", "lan0")); },
       "route 10.9.1.1/16: destination has host bits set"},
      {[](DesiredState& d) { d.addresses.push_back(addressSpec("eth9", "10.2.0.1/24")); },
       "address 10.2.0.1/24 on eth9: interface is not managed"},
      {[](DesiredState& d) { d.addresses.push_back(addressSpec("lan0", "10.1.0.1/24")); },
       "address 10.1.0.1/24 on lan0 listed twice"},
      {[](DesiredState& d) { d.routes.push_back(routeSpec("10.3.0.0/16", "fd00::1", "lan0")); },
       "route 10.3.0.0/16: gateway family differs from destination"},
      {[](DesiredState& d) { d.routes.push_back(routeSpec("10.3.0.0/16", std::nullopt, "")); },
       "route 10.3.0.0/16: needs an interface or a gateway"},
      {[](DesiredState& d) {
         d.routes.push_back(routeSpec("10.3.0.0/16", "10.1.0.1", "lan0", 255));
       },
       "route 10.3.0.0/16: table 255 is reserved"},
  };
  for (const auto& c : cases) {
    DesiredState d = lanConfig();
    c.mutate(d);
    auto plan = makePlan(d, a);
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message() == c.message);
  }
}

TEST_CASE("planner enforces caps on desired objects and on plan size", "[unit][planner]") {
  PlanLimits limits;
  limits.max_routes = 2;
  auto over = makePlan(lanConfig(), matchingKernel(kRouteProtocol), limits);
  REQUIRE_FALSE(over);
  CHECK(over.error().code == ErrorCode::kLimit);
  CHECK(over.error().message() == "desired state has 3 routes; the limit is 2");

  // Within the desired cap, but removing many stale routes of ours exceeds the change cap.
  limits.max_routes = 4;
  ActualState a = matchingKernel(kRouteProtocol);
  for (int i = 0; i < 5; ++i)
    a.routes.push_back(
        route("10.100." + std::to_string(i) + ".0/24", "10.1.0.253", 2, kRouteProtocol));
  auto plan = makePlan(lanConfig(), a, limits);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message() == "plan has 5 route changes; the limit is 4");

  limits = PlanLimits{};
  limits.max_addresses = 1;
  auto addresses = makePlan(lanConfig(), a, limits);
  REQUIRE_FALSE(addresses);
  CHECK(addresses.error().message() == "desired state has 2 addresses; the limit is 1");
}

TEST_CASE("planner compares IPv6 metric 0 as the kernel's 1024", "[unit][planner]") {
  CHECK(kernelMetric(pfx("fd00::/8"), 0) == 1024);
  CHECK(kernelMetric(pfx("fd00::/8"), 5) == 5);
  CHECK(kernelMetric(pfx("10.0.0.0/8"), 0) == 0);
}
