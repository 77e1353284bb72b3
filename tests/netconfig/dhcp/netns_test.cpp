// The DHCP client against a real dnsmasq on a veth pair, kernel state read back with `ip -j`.
#include <algorithm>
#include <catch2/catch.hpp>

#include "common/atomic_file.hpp"
#include "dnsmasq_lab.hpp"

using namespace rempart;
using namespace rempart::netconfig::dhcp;
using namespace rempart::netconfig::dhcp::test;
using namespace std::chrono_literals;
using Kind = Event::Kind;

namespace {

const std::string kRange = "--dhcp-range=10.77.0.10,10.77.0.50,255.255.255.0,2m";

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string leasedAddress(const DhcpLab& lab) {
  for (auto it = lab.events.rbegin(); it != lab.events.rend(); ++it)
    if (it->lease && it->kind != Kind::kLost) return it->lease->address.str();
  return "";
}

void obtainLease(DhcpLab& lab, LeasePolicy policy = {}) {
  lab.startClient(policy);
  lab.runUntil([&] { return lab.sawEvent(Kind::kBound); });
  REQUIRE(lab.apply_errors.empty());
  REQUIRE(lab.runner->client().state() == State::kBound);
}

}  // namespace

TEST_CASE("dhcp netns: obtain a lease from dnsmasq and apply it", "[netns][dhcp]") {
  DhcpLab lab;
  lab.startServer(kRange + " --dhcp-option=26,1400");
  obtainLease(lab);
  std::string addr = leasedAddress(lab);
  CHECK(addr.rfind("10.77.0.", 0) == 0);
  CHECK(addr.substr(addr.size() - 3) == "/24");
  CHECK(contains(lab.clientAddresses(), addr));
  // The kernel counts the lease down itself, so a dead client cannot keep the address.
  std::string lifetime =
      lab.clientSh("ip -n $NS -j -4 addr show dev wan0 | jq -r '.[].addr_info[0].valid_life_time'");
  int valid = std::stoi(lifetime);
  CHECK(valid > 0);
  CHECK(valid <= 120);
  CHECK(contains(lab.clientRoutes(), "default via 10.77.0.1 proto 252 metric 1024"));
  CHECK(lab.clientSh("ip -n $NS -j -4 route show default dev wan0 | jq -r '.[0].metrics[0].mtu'") ==
        "1400\n");
  // The lease file is there and parses.
  auto stored = readFile(lab.dir / "dhcp4-wan0.lease");
  REQUIRE(stored);
  auto lease = parseLeaseFile(*stored, "wan0");
  REQUIRE(lease);
  CHECK(lease->address.str() == addr);
  CHECK(lease->lease_seconds == 120);
  CHECK(lab.server().count("DHCPACK") == 1);
}

TEST_CASE("dhcp netns: renew at T1 over unicast UDP", "[netns][dhcp]") {
  DhcpLab lab;
  lab.startServer(kRange);
  obtainLease(lab);
  std::string addr = leasedAddress(lab);
  size_t before = lab.events.size();
  lab.skip(61s);  // past T1 (60 s +- 1 s)
  lab.runUntil([&] { return lab.sawEvent(Kind::kRenewed, before); });
  CHECK(lab.runner->client().state() == State::kBound);
  CHECK(leasedAddress(lab) == addr);
  CHECK(lab.server().count("DHCPACK") == 2);
  CHECK(lab.server().count("DHCPDISCOVER") == 1);
  CHECK(contains(lab.clientAddresses(), addr));
  CHECK(lab.apply_errors.empty());
}

TEST_CASE("dhcp netns: NAK on renew, then rediscover in the new range", "[netns][dhcp]") {
  DhcpLab lab;
  lab.startServer(kRange);
  obtainLease(lab);
  std::string old_addr = leasedAddress(lab);
  // The server moves to another subnet; it still answers on its old address.
  lab.server_ns.ip("addr add 10.78.0.1/24 dev srv0");
  lab.startServer("--dhcp-range=10.78.0.10,10.78.0.50,255.255.255.0,2m");
  size_t before = lab.events.size();
  lab.skip(61s);
  lab.runUntil([&] { return lab.sawEvent(Kind::kLost, before); });
  CHECK(lab.server().count("DHCPNAK") == 1);
  lab.runUntil([&] { return lab.sawEvent(Kind::kBound, before); });
  std::string new_addr = leasedAddress(lab);
  CHECK(new_addr.rfind("10.78.0.", 0) == 0);
  auto addrs = lab.clientAddresses();
  CHECK(contains(addrs, new_addr));
  CHECK_FALSE(contains(addrs, old_addr));
  CHECK(contains(lab.clientRoutes(), "default via 10.78.0.1 proto 252 metric 1024"));
  CHECK(lab.apply_errors.empty());
}

TEST_CASE("dhcp netns: server gone -> rebinding, then expiry removes the address",
          "[netns][dhcp]") {
  DhcpLab lab;
  lab.startServer(kRange);
  obtainLease(lab);
  std::string addr = leasedAddress(lab);
  lab.stopServer();
  lab.skip(61s);
  lab.runUntil([&] { return lab.runner->client().state() == State::kRenewing; });
  lab.skip(45s);  // past T2 (105 s)
  lab.runUntil([&] { return lab.runner->client().state() == State::kRebinding; });
  CHECK(contains(lab.clientAddresses(), addr));  // still valid while rebinding
  size_t before = lab.events.size();
  lab.skip(15s);  // past the 120 s lease
  lab.runUntil([&] { return lab.sawEvent(Kind::kLost, before); });
  CHECK(lab.clientAddresses().empty());
  CHECK(lab.clientRoutes().empty());
  CHECK_FALSE(std::filesystem::exists(lab.dir / "dhcp4-wan0.lease"));
  CHECK(lab.runner->client().state() == State::kSelecting);  // looking for a server again
  CHECK(lab.apply_errors.empty());
}

TEST_CASE("dhcp netns: a restarted client reuses its lease (INIT-REBOOT)", "[netns][dhcp]") {
  DhcpLab lab;
  lab.startServer(kRange);
  obtainLease(lab);
  std::string addr = leasedAddress(lab);
  lab.stopClient();
  lab.events.clear();
  lab.startClient();
  CHECK(lab.runner->client().state() == State::kRebooting);
  lab.runUntil([&] { return lab.sawEvent(Kind::kBound); });
  CHECK(leasedAddress(lab) == addr);
  CHECK(lab.server().count("DHCPDISCOVER") == 1);  // only the first run discovered
  CHECK(lab.server().count("DHCPREQUEST") == 1);
  CHECK(lab.server().count("DHCPACK") == 2);
  CHECK(contains(lab.clientAddresses(), addr));
}

TEST_CASE("dhcp netns: a corrupt lease file is ignored and left alone", "[netns][dhcp]") {
  DhcpLab lab;
  lab.startServer(kRange);
  REQUIRE(writeFileAtomic(lab.dir / "dhcp4-wan0.lease",
                          "version=1\ninterface=wan0\naddress=;reboot\n"));
  lab.startClient();
  REQUIRE_FALSE(lab.events.empty());
  CHECK(lab.events[0].kind == Kind::kRejected);
  CHECK(lab.events[0].detail.find("line 3: invalid address") != std::string::npos);
  CHECK(lab.runner->client().state() == State::kSelecting);
  lab.runUntil([&] { return lab.sawEvent(Kind::kBound); });
  CHECK(lab.clientAddresses().size() == 1);
}

TEST_CASE("dhcp netns: TunnelVision routes from dnsmasq are not installed", "[netns][dhcp][cve]") {
  DhcpLab lab;
  lab.startServer(
      kRange +
      " --dhcp-option=121,10.1.0.0/25,10.77.0.1,198.51.100.0/24,10.77.0.1,0.0.0.0/0,10.77.0.2"
      " --dhcp-option=3,10.77.0.1");
  LeasePolicy policy;
  policy.protected_prefixes = {*IpPrefix::parse("10.1.0.0/24")};
  obtainLease(lab, policy);
  auto routes = lab.clientRoutes();
  INFO(routes.size());
  CHECK(contains(routes, "198.51.100.0/24 via 10.77.0.1 proto 252 metric 1024"));
  CHECK(contains(routes, "default via 10.77.0.2 proto 252 metric 1024"));  // 121 wins over 3
  for (const auto& r : routes) CHECK(r.rfind("10.1.0.0", 0) != 0);
}
