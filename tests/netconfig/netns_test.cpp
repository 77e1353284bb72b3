// Integration tests: the real reconciler against the kernel in throwaway namespaces, asserting
// kernel state through `ip -j` and the rtnetlink notification stream.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "netconfig/namespace_netconfig.hpp"
#include "netconfig/reconciler.hpp"
#include "netconfig/rtnl_monitor.hpp"
#include "netns_fixture.hpp"
#include "test_helpers.hpp"

using namespace rempart;
using namespace rempart::netconfig;
using namespace rempart::netconfig::testing;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  std::sort(out.begin(), out.end());
  return out;
}

// "10.1.0.1/24" for every global address on `dev`.
std::vector<std::string> addresses(const TestNetns& ns, const std::string& dev) {
  std::string out;
  ns.sh(
      "ip -n $NS -j addr show dev " + dev +
          " | jq -r '.[].addr_info[] | select(.scope==\"global\") | \"\\(.local)/\\(.prefixlen)\"'",
      &out);
  return lines(out);
}

// "<dst> via <gw> dev <dev> table <t> metric <m> proto <p>" for every route in all tables,
// except the kernel's own (local/broadcast/multicast, proto kernel).
std::vector<std::string> routes(const TestNetns& ns) {
  std::string out;
  ns.sh(
      "{ ip -n $NS -j -4 route show table all; ip -n $NS -j -6 route show table all; } | "
      "jq -r '.[] | select(.protocol != \"kernel\" and (.type // \"unicast\") == \"unicast\") | "
      "\"\\(.dst) via \\(.gateway // \"-\") dev \\(.dev) table \\(.table // \"main\") "
      "metric \\(.metric // 0) proto \\(.protocol // \"boot\")\"'",
      &out);
  return lines(out);
}

struct Lab {
  TestNetns ns;
  explicit Lab(const std::string& tag) : ns(tag) {
    // No dummy driver on the CI kernel: veth pairs, whose peers stay in the namespace.
    ns.ip("link add lan0 type veth peer name peer0");
    ns.ip("link add lan1 type veth peer name peer1");
    ns.ip("link set peer0 up");
    ns.ip("link set peer1 up");
  }
};

DesiredState staticConfig() {
  DesiredState d;
  d.links = {LinkSpec{"lan0", true, 1400}, LinkSpec{"lan1", true, std::nullopt}};
  d.addresses = {addressSpec("lan0", "10.1.0.1/24"), addressSpec("lan0", "10.1.1.1/24"),
                 addressSpec("lan0", "fd00:1::1/64"), addressSpec("lan1", "10.2.0.1/24"),
                 addressSpec("lan1", "fd00:2::1/64")};
  d.routes = {routeSpec("0.0.0.0/0", "10.1.0.254", "lan0"),
              routeSpec("10.9.0.0/16", "10.1.1.254", "lan0", kMainTable, 10),
              routeSpec("fd00:9::/48", "fd00:1::fe", "lan0"),
              routeSpec("10.50.0.0/24", std::nullopt, "lan1", 100),
              routeSpec("fd00:99::/64", std::nullopt, "lan1", 100, 7)};
  return d;
}

// Waits (bounded) until `done()` holds, feeding notifications to the reconciler meanwhile.
template <typename Pred>
[[maybe_unused]] bool pumpUntil(RtnlMonitor& monitor, Reconciler& reconciler, Pred done,
                                int seconds = 10) {
  for (int i = 0; i < seconds * 20; ++i) {
    auto events = monitor.drain();
    REQUIRE(events);
    REQUIRE(reconciler.handleEvents(*events));
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

[[maybe_unused]] bool allReady(const Reconciler& r) {
  auto s = r.addressStatus();
  return std::all_of(s.begin(), s.end(), [](const AddressStatus& a) {
    return a.readiness == AddressReadiness::kReady;
  });
}

}  // namespace

TEST_CASE("static config is applied, changed and torn down in a namespace", "[netns][apply]") {
  Lab lab("static");
  std::string self_before = std::filesystem::read_symlink("/proc/thread-self/ns/net");
  auto rtnl = openRtnl(lab.ns.fd());
  REQUIRE(rtnl);
  Reconciler reconciler(**rtnl);

  auto applied = reconciler.apply("static", staticConfig());
  REQUIRE(applied);
  CHECK(applied->complete());
  CHECK(addresses(lab.ns, "lan0") ==
        std::vector<std::string>{"10.1.0.1/24", "10.1.1.1/24", "fd00:1::1/64"});
  CHECK(addresses(lab.ns, "lan1") == std::vector<std::string>{"10.2.0.1/24", "fd00:2::1/64"});
  CHECK(routes(lab.ns) ==
        std::vector<std::string>{
            "10.50.0.0/24 via - dev lan1 table 100 metric 0 proto 252",
            "10.9.0.0/16 via 10.1.1.254 dev lan0 table main metric 10 proto 252",
            "default via 10.1.0.254 dev lan0 table main metric 0 proto 252",
            "fd00:99::/64 via - dev lan1 table 100 metric 7 proto 252",
            "fd00:9::/48 via fd00:1::fe dev lan0 table main metric 1024 proto 252",
        });
  CHECK(lab.ns.ip("-j link show lan0").find("\"mtu\":1400") != std::string::npos);
  CHECK(lab.ns.ip("-j link show lan1").find("\"UP\"") != std::string::npos);

  DesiredState changed = staticConfig();
  changed.links[0].mtu = 1500;
  changed.addresses[1] = addressSpec("lan0", "10.1.2.1/24");
  changed.routes[0] = routeSpec("0.0.0.0/0", "10.1.0.253", "lan0");
  changed.routes.erase(changed.routes.begin() + 2);  // fd00:9::/48
  auto reapplied = reconciler.apply("static", changed);
  REQUIRE(reapplied);
  CHECK(reapplied->complete());
  CHECK(reapplied->changes_sent == 5);  // mtu, -addr, +addr, replace default, -route
  CHECK(addresses(lab.ns, "lan0") ==
        std::vector<std::string>{"10.1.0.1/24", "10.1.2.1/24", "fd00:1::1/64"});
  CHECK(routes(lab.ns) == std::vector<std::string>{
                              "10.50.0.0/24 via - dev lan1 table 100 metric 0 proto 252",
                              "10.9.0.0/16 via 10.1.1.254 dev lan0 table main metric 10 proto 252",
                              "default via 10.1.0.253 dev lan0 table main metric 0 proto 252",
                              "fd00:99::/64 via - dev lan1 table 100 metric 7 proto 252",
                          });
  CHECK(lab.ns.ip("-j link show lan0").find("\"mtu\":1500") != std::string::npos);

  // Tear down: the links stay managed, nothing else is desired.
  DesiredState empty;
  empty.links = changed.links;
  auto torn = reconciler.apply("static", empty);
  REQUIRE(torn);
  CHECK(addresses(lab.ns, "lan0").empty());
  CHECK(addresses(lab.ns, "lan1").empty());
  CHECK(routes(lab.ns).empty());
  CHECK(std::string(std::filesystem::read_symlink("/proc/thread-self/ns/net")) == self_before);
}

TEST_CASE("a no-op re-apply sends nothing: no notification appears", "[netns][idempotent]") {
  Lab lab("noop");
  auto rtnl = openRtnl(lab.ns.fd());
  REQUIRE(rtnl);
  auto monitor = RtnlMonitor::create(lab.ns.fd());
  REQUIRE(monitor);
  Reconciler reconciler(**rtnl);
  REQUIRE(reconciler.apply("static", staticConfig()));
  // Let IPv6 DAD finish: its completion is a (kernel-made) notification of its own.
  REQUIRE(pumpUntil(*monitor, reconciler, [&] { return allReady(reconciler); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto settled = monitor->drain();
  REQUIRE(settled);
  REQUIRE(reconciler.handleEvents(*settled));

  auto again = reconciler.apply("static", staticConfig());
  REQUIRE(again);
  CHECK(again->changes_sent == 0);
  auto events = monitor->drain();
  REQUIRE(events);
  CHECK(events->empty());

  // The monitor does see real changes (so the check above can fail).
  lab.ns.ip("route add 10.77.0.0/16 via 10.1.0.254 dev lan0");
  auto foreign = monitor->drain();
  REQUIRE(foreign);
  CHECK(foreign->size() == 1);
}

TEST_CASE("admin down/up heals routes and addresses through the Asio-driven monitor",
          "[netns][heal]") {
  Lab lab("heal");
  boost::asio::io_context io;
  auto nc = NamespaceNetconfig::create(io, lab.ns.fd());
  REQUIRE(nc);
  int reapplied = 0;
  std::vector<Error> errors;
  (*nc)->start([&](const Result<ApplyReport>& r) {
    if (!r)
      errors.push_back(r.error());
    else
      ++reapplied;
  });
  Reconciler& reconciler = (*nc)->reconciler();
  REQUIRE(reconciler.apply("static", staticConfig()));
  auto expected_routes = routes(lab.ns);
  REQUIRE(expected_routes.size() == 5);
  // Settle: carrier and DAD notifications caused by the apply itself.
  for (int i = 0; i < 200 && !allReady(reconciler); ++i) io.run_for(std::chrono::milliseconds(50));
  REQUIRE(allReady(reconciler));
  io.run_for(std::chrono::milliseconds(200));
  reapplied = 0;

  lab.ns.ip("link set lan0 down");
  lab.ns.ip("link set lan1 down");
  io.run_for(std::chrono::milliseconds(200));
  CHECK(reapplied == 0);
  CHECK(routes(lab.ns).empty());  // the kernel dropped every route via the down links
  CHECK(addresses(lab.ns, "lan0") == std::vector<std::string>{"10.1.0.1/24", "10.1.1.1/24"});

  lab.ns.ip("link set lan0 up");
  lab.ns.ip("link set lan1 up");
  for (int i = 0; i < 100 && routes(lab.ns) != expected_routes; ++i)
    io.run_for(std::chrono::milliseconds(50));
  CHECK(reapplied >= 1);
  CHECK(errors.empty());
  CHECK(routes(lab.ns) == expected_routes);
  CHECK(addresses(lab.ns, "lan0") ==
        std::vector<std::string>{"10.1.0.1/24", "10.1.1.1/24", "fd00:1::1/64"});
  CHECK(addresses(lab.ns, "lan1") == std::vector<std::string>{"10.2.0.1/24", "fd00:2::1/64"});
}

TEST_CASE("carrier return re-applies routes removed meanwhile", "[netns][heal]") {
  Lab lab("carrier");
  boost::asio::io_context io;
  auto nc = NamespaceNetconfig::create(io, lab.ns.fd());
  REQUIRE(nc);
  int reapplied = 0;
  (*nc)->start([&](const Result<ApplyReport>& r) { reapplied += r ? 1 : 0; });
  Reconciler& reconciler = (*nc)->reconciler();
  REQUIRE(reconciler.apply("static", staticConfig()));
  for (int i = 0; i < 200 && !allReady(reconciler); ++i) io.run_for(std::chrono::milliseconds(50));
  io.run_for(std::chrono::milliseconds(200));
  reapplied = 0;

  lab.ns.ip("link set peer1 down");  // lan1 loses carrier; its routes stay (linkdown)
  io.run_for(std::chrono::milliseconds(200));
  CHECK(reapplied == 0);
  lab.ns.ip("route del 10.50.0.0/24 table 100");  // someone removes one of ours meanwhile
  lab.ns.ip("link set peer1 up");
  for (int i = 0; i < 100 && reapplied == 0; ++i) io.run_for(std::chrono::milliseconds(50));
  CHECK(reapplied >= 1);
  CHECK(lab.ns.ip("-j route show table 100 10.50.0.0/24").find("10.50.0.0/24") !=
        std::string::npos);
}

TEST_CASE("foreign, proto-static and table-220 objects are left alone; matches are adopted",
          "[netns][ownership]") {
  Lab lab("owner");
  lab.ns.ip("link set lan0 up");
  lab.ns.ip("addr add 10.1.0.1/24 dev lan0");   // matches the config: adopted
  lab.ns.ip("addr add 10.1.0.77/24 dev lan0");  // foreign
  lab.ns.ip("route add 10.9.0.0/16 via 10.1.1.254 dev lan0 metric 10 onlink");  // adopted
  lab.ns.ip("route add 10.60.0.0/16 via 10.1.0.254 dev lan0");
  lab.ns.ip("route add 10.61.0.0/16 via 10.1.0.254 dev lan0 proto static");
  lab.ns.ip("route add 10.62.0.0/16 via 10.1.0.254 dev lan0 table 220 proto 252");
  lab.ns.ip("route add 10.63.0.0/16 via 10.1.0.254 dev lan0 table 220");
  const std::vector<std::string> others = {
      "10.60.0.0/16 via 10.1.0.254 dev lan0 table main metric 0 proto boot",
      "10.61.0.0/16 via 10.1.0.254 dev lan0 table main metric 0 proto static",
      "10.62.0.0/16 via 10.1.0.254 dev lan0 table 220 metric 0 proto 252",
      "10.63.0.0/16 via 10.1.0.254 dev lan0 table 220 metric 0 proto boot",
  };
  auto rtnl = openRtnl(lab.ns.fd());
  REQUIRE(rtnl);
  Reconciler reconciler(**rtnl);
  auto applied = reconciler.apply("static", staticConfig());
  REQUIRE(applied);
  CHECK(applied->complete());
  // 2 link changes, 4 new addresses (10.1.0.1/24 adopted), 4 new routes (10.9/16 adopted).
  CHECK(applied->changes_sent == 10);
  CHECK(lab.ns.ip("-j route show 10.9.0.0/16").find("\"protocol\"") == std::string::npos);

  DesiredState empty;
  empty.links = staticConfig().links;
  REQUIRE(reconciler.apply("static", empty));
  auto left = routes(lab.ns);
  // Ours are gone; the adopted ones (not created by us) and every foreign one remain.
  std::vector<std::string> expected = others;
  expected.push_back("10.9.0.0/16 via 10.1.1.254 dev lan0 table main metric 10 proto boot");
  std::sort(expected.begin(), expected.end());
  CHECK(left == expected);
  CHECK(addresses(lab.ns, "lan0") == std::vector<std::string>{"10.1.0.1/24", "10.1.0.77/24"});
}

TEST_CASE("a duplicate IPv6 address is reported dadfailed", "[netns][dad]") {
  Lab lab("dad");
  lab.ns.ip("addr add fd00:5::1/64 dev peer1 nodad");
  auto rtnl = openRtnl(lab.ns.fd());
  REQUIRE(rtnl);
  auto monitor = RtnlMonitor::create(lab.ns.fd());
  REQUIRE(monitor);
  Reconciler reconciler(**rtnl);
  DesiredState d;
  d.links = {LinkSpec{"lan1", true, std::nullopt}};
  d.addresses = {addressSpec("lan1", "fd00:5::1/64"), addressSpec("lan1", "fd00:6::1/64")};
  REQUIRE(reconciler.apply("static", d));
  auto dadfailed = [&] {
    auto s = reconciler.addressStatus();
    return s[0].readiness == AddressReadiness::kDadFailed &&
           s[1].readiness == AddressReadiness::kReady;
  };
  CHECK(reconciler.addressStatus()[1].readiness == AddressReadiness::kTentative);
  REQUIRE(pumpUntil(*monitor, reconciler, dadfailed));
  std::string flags;
  lab.ns.sh(
      "ip -n $NS -j addr show dev lan1 | jq -r '.[].addr_info[] | "
      "select(.local==\"fd00:5::1\") | .dadfailed'",
      &flags);
  CHECK(flags == "true\n");
}

TEST_CASE("kernel refusals name the object and carry the extended ack", "[netns][errors]") {
  Lab lab("errors");
  auto rtnl = openRtnl(lab.ns.fd());
  REQUIRE(rtnl);
  Reconciler reconciler(**rtnl);
  DesiredState d;
  d.links = {LinkSpec{"lan0", true, std::nullopt}};
  d.addresses = {addressSpec("lan0", "10.1.0.1/24")};
  d.routes = {routeSpec("10.9.0.0/16", "192.0.2.1", "lan0"),  // gateway not on-link
              routeSpec("10.8.0.0/16", "10.1.0.254", "lan0")};
  auto applied = reconciler.apply("static", d);
  REQUIRE(applied);
  REQUIRE(applied->failures.size() == 1);
  const Error& e = applied->failures[0];
  CHECK(e.context == "adding route 10.9.0.0/16 via 192.0.2.1 dev lan0 table 254 metric 0");
  CHECK(e.code == ErrorCode::kKernel);
  CHECK(e.errnum != 0);
  CHECK_FALSE(e.extack.empty());
  // The rest of the batch went through.
  CHECK(routes(lab.ns) == std::vector<std::string>{
                              "10.8.0.0/16 via 10.1.0.254 dev lan0 table main metric 0 proto 252"});
}

TEST_CASE("lease-style objects: address lifetimes, route MTU and source; re-apply is a no-op",
          "[netns][lease]") {
  Lab lab("lease");
  auto rtnl = openRtnl(lab.ns.fd());
  REQUIRE(rtnl);
  Reconciler reconciler(**rtnl);
  REQUIRE(reconciler.apply("static", staticConfig()));
  DesiredState lease;
  lease.links = {LinkSpec{"lan1", true, std::nullopt}};
  AddressSpec a = addressSpec("lan1", "192.0.2.10/24");
  a.valid_lifetime = 600;
  a.preferred_lifetime = 500;
  lease.addresses = {a};
  RouteSpec dflt = routeSpec("0.0.0.0/0", "192.0.2.1", "lan1", kMainTable, 1002);
  dflt.mtu = 1400;
  dflt.preferred_source = ip("192.0.2.10");
  lease.routes = {dflt};
  auto applied = reconciler.apply("dhcp:lan1", lease);
  REQUIRE(applied);
  CHECK(applied->complete());
  CHECK(applied->changes_sent == 2);

  std::string life;
  lab.ns.sh(
      "ip -n $NS -j addr show dev lan1 | jq -r '.[].addr_info[] | "
      "select(.local==\"192.0.2.10\") | \"\\(.valid_life_time) \\(.preferred_life_time)\"'",
      &life);
  unsigned valid = 0, preferred = 0;
  REQUIRE(std::sscanf(life.c_str(), "%u %u", &valid, &preferred) == 2);
  CHECK(valid > 590);
  CHECK(valid <= 600);
  CHECK(preferred <= 500);
  std::string route;
  lab.ns.sh(
      "ip -n $NS -j route show 0.0.0.0/0 metric 1002 | jq -r '.[] | "
      "\"\\(.prefsrc) \\(.metrics[0].mtu) \\(.protocol)\"'",
      &route);
  CHECK(route == "192.0.2.10 1400 252\n");

  CHECK(lab.ns.ip("-j addr show dev lan1").find("\"broadcast\":\"192.0.2.255\"") !=
        std::string::npos);

  auto again = reconciler.apply("dhcp:lan1", lease);
  REQUIRE(again);
  CHECK(again->changes_sent == 0);

  // A renewed lease with a longer lifetime refreshes the kernel's countdown.
  lease.addresses[0].valid_lifetime = 3600;
  lease.addresses[0].preferred_lifetime = 3000;
  auto renewed = reconciler.apply("dhcp:lan1", lease);
  REQUIRE(renewed);
  CHECK(renewed->changes_sent == 1);
  lab.ns.sh(
      "ip -n $NS -j addr show dev lan1 | jq -r '.[].addr_info[] | "
      "select(.local==\"192.0.2.10\") | .valid_life_time'",
      &life);
  CHECK(std::stoul(life) > 3500);

  // Lease gone: its address and route go, the static part stays.
  REQUIRE(reconciler.withdraw("dhcp:lan1"));
  CHECK(addresses(lab.ns, "lan1") == std::vector<std::string>{"10.2.0.1/24", "fd00:2::1/64"});
  CHECK(routes(lab.ns).size() == 5);
}
