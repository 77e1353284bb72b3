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
      "metric \\(.metric // 0) proto \\(.protocol)\"'",
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
