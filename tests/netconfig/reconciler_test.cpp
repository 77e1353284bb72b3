#include "netconfig/reconciler.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>

#include <catch2/catch.hpp>

#include "recording_rtnl.hpp"
#include "test_helpers.hpp"

using namespace rempart;
using namespace rempart::netconfig;
using namespace rempart::netconfig::testing;

namespace {

DesiredState staticPart() {
  DesiredState d;
  d.links.push_back(LinkSpec{"lan0", true, std::nullopt});
  d.addresses.push_back(addressSpec("lan0", "10.1.0.1/24"));
  d.addresses.push_back(addressSpec("lan0", "fd00:1::1/64"));
  d.routes.push_back(routeSpec("10.9.0.0/16", "10.1.0.254", "lan0"));
  return d;
}

DesiredState dhcpPart() {
  DesiredState d;
  d.links.push_back(LinkSpec{"wan0", true, std::nullopt});
  AddressSpec a = addressSpec("wan0", "192.0.2.10/24");
  a.valid_lifetime = 600;
  d.addresses.push_back(a);
  d.routes.push_back(routeSpec("0.0.0.0/0", "192.0.2.1", "wan0", kMainTable, 1002));
  return d;
}

RecordingRtnl kernelWithLinks() {
  RecordingRtnl rtnl;
  rtnl.state.links = {link(1, "lo"), link(2, "lan0"), link(3, "wan0")};
  return rtnl;
}

}  // namespace

TEST_CASE("re-applying an unchanged config sends no change to the kernel", "[unit][reconciler]") {
  RecordingRtnl rtnl = kernelWithLinks();
  Reconciler reconciler(rtnl);
  auto first = reconciler.apply("static", staticPart());
  REQUIRE(first);
  CHECK(first->changes_sent == 3);
  CHECK(rtnl.changes.size() == 3);

  auto again = reconciler.apply("static", staticPart());
  REQUIRE(again);
  CHECK(again->changes_sent == 0);
  CHECK(rtnl.changes.size() == 3);  // nothing new crossed the boundary
  CHECK(rtnl.executes == 1);        // execute() was not even called
  CHECK(rtnl.dumps == 3);           // only reads: before/after the first apply, then one
}

TEST_CASE("parts are merged and a withdrawn part's objects are removed", "[unit][reconciler]") {
  RecordingRtnl rtnl = kernelWithLinks();
  Reconciler reconciler(rtnl);
  REQUIRE(reconciler.apply("static", staticPart()));
  REQUIRE(reconciler.apply("dhcp:wan0", dhcpPart()));
  CHECK(rtnl.changes.back() ==
        "adding route 0.0.0.0/0 via 192.0.2.1 dev wan0 table 254 metric 1002");
  size_t before = rtnl.changes.size();

  auto withdrawn = reconciler.withdraw("dhcp:wan0");
  REQUIRE(withdrawn);
  std::vector<std::string> sent(rtnl.changes.begin() + static_cast<long>(before),
                                rtnl.changes.end());
  CHECK(sent == std::vector<std::string>{
                    "removing address 192.0.2.10/24 from wan0",
                    "removing route 0.0.0.0/0 via 192.0.2.1 dev wan0 table 254 metric 1002"});
}

TEST_CASE("a conflicting or invalid part changes nothing", "[unit][reconciler]") {
  RecordingRtnl rtnl = kernelWithLinks();
  Reconciler reconciler(rtnl);
  REQUIRE(reconciler.apply("static", staticPart()));
  size_t before = rtnl.changes.size();

  DesiredState clash;
  clash.links.push_back(LinkSpec{"lan0", true, std::nullopt});
  clash.routes.push_back(routeSpec("10.9.0.0/16", "10.1.0.200", "lan0"));
  auto r = reconciler.apply("dhcp:lan0", clash);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kConflict);
  CHECK(r.error().message() ==
        "route 10.9.0.0/16 table 254 metric 0: sources dhcp:lan0 and static disagree");

  DesiredState invalid;
  invalid.links.push_back(LinkSpec{"wan0", true, std::nullopt});
  invalid.routes.push_back(routeSpec("0.0.0.0/0", "192.0.2.1", "wan0", kStrongswanTable));
  REQUIRE_FALSE(reconciler.apply("dhcp:wan0", invalid));

  CHECK(rtnl.changes.size() == before);
  CHECK(reconciler.desired().routes.size() == 1);
}

TEST_CASE("admin down then up re-applies the routes the kernel dropped", "[unit][reconciler]") {
  RecordingRtnl rtnl = kernelWithLinks();
  Reconciler reconciler(rtnl);
  REQUIRE(reconciler.apply("static", staticPart()));

  // What the kernel does on admin down: our IPv4 route and the global IPv6 address vanish.
  LinkState down = link(2, "lan0", false);
  std::vector<RtnlEvent> events;
  events.push_back(RtnlEvent{RtnlEvent::Kind::kNewLink, down, {}, {}});
  auto quiet = reconciler.handleEvents(events);
  REQUIRE(quiet);
  CHECK_FALSE(quiet->has_value());  // going down is not a reason to act
  rtnl.state.links[1] = down;
  rtnl.state.routes.clear();
  std::erase_if(rtnl.state.addresses,
                [](const AddressState& a) { return a.address.family() == Family::kV6; });

  size_t before = rtnl.changes.size();
  rtnl.state.links[1] = link(2, "lan0", true);
  events = {RtnlEvent{RtnlEvent::Kind::kNewLink, link(2, "lan0", true), {}, {}}};
  auto healed = reconciler.handleEvents(events);
  REQUIRE(healed);
  REQUIRE(healed->has_value());
  std::vector<std::string> sent(rtnl.changes.begin() + static_cast<long>(before),
                                rtnl.changes.end());
  CHECK(sent == std::vector<std::string>{
                    "adding address fd00:1::1/64 to lan0",
                    "adding route 10.9.0.0/16 via 10.1.0.254 dev lan0 table 254 metric 0"});
}

TEST_CASE("carrier return and lost notifications trigger a reconcile", "[unit][reconciler]") {
  RecordingRtnl rtnl = kernelWithLinks();
  Reconciler reconciler(rtnl);
  REQUIRE(reconciler.apply("static", staticPart()));
  int dumps = rtnl.dumps;
  LinkState no_carrier = link(2, "lan0");
  no_carrier.flags = IFF_UP;
  REQUIRE(reconciler.handleEvents({RtnlEvent{RtnlEvent::Kind::kNewLink, no_carrier, {}, {}}}));
  CHECK(rtnl.dumps == dumps);
  auto back =
      reconciler.handleEvents({RtnlEvent{RtnlEvent::Kind::kNewLink, link(2, "lan0"), {}, {}}});
  REQUIRE(back);
  CHECK(back->has_value());
  CHECK(rtnl.dumps == dumps + 1);
  auto overrun = reconciler.handleEvents({RtnlEvent{}});
  REQUIRE(overrun);
  CHECK(overrun->has_value());
  CHECK(rtnl.dumps == dumps + 2);
}

TEST_CASE("address status reports tentative and dadfailed IPv6 addresses", "[unit][reconciler]") {
  RecordingRtnl rtnl = kernelWithLinks();
  Reconciler reconciler(rtnl);
  REQUIRE(reconciler.apply("static", staticPart()));
  AddressState v6 = addr(2, "fd00:1::1/64", kRouteProtocol);
  v6.flags = IFA_F_TENTATIVE;
  REQUIRE(reconciler.handleEvents({RtnlEvent{RtnlEvent::Kind::kNewAddress, {}, v6, {}}}));
  auto status = reconciler.addressStatus();
  REQUIRE(status.size() == 2);
  CHECK(status[0].readiness == AddressReadiness::kReady);
  CHECK(status[1].readiness == AddressReadiness::kTentative);

  v6.flags = IFA_F_TENTATIVE | IFA_F_DADFAILED;
  REQUIRE(reconciler.handleEvents({RtnlEvent{RtnlEvent::Kind::kNewAddress, {}, v6, {}}}));
  CHECK(reconciler.addressStatus()[1].readiness == AddressReadiness::kDadFailed);

  REQUIRE(reconciler.handleEvents({RtnlEvent{RtnlEvent::Kind::kDelAddress, {}, v6, {}}}));
  CHECK(reconciler.addressStatus()[1].readiness == AddressReadiness::kMissing);
}
