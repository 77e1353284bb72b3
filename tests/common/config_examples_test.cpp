// The shipped example configurations parse, and the model holds what their text says.
#include <catch2/catch.hpp>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"

using namespace rempart;
using namespace rempart::config;
using namespace std::chrono_literals;

namespace {

Config parseExample(const std::string& name) {
  std::string path = std::string(REMPART_SOURCE_DIR) + "/gateway/examples/" + name;
  auto text = readFile(path, kMaxConfigBytes);
  REQUIRE(text);
  auto config = parseConfig(*text, name);
  if (!config)
    for (const auto& d : config.error()) FAIL_CHECK(d.format());
  REQUIRE(config);
  return *config;
}

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}
IpAddress address(const char* text) {
  return *IpAddress::parse(text);
}

}  // namespace

TEST_CASE("minimal.yaml parses into the model its comments describe", "[unit][config]") {
  Config c = parseExample("minimal.yaml");
  CHECK(c.source_name == "minimal.yaml");
  CHECK(c.system.hostname == "paris-gw");
  CHECK(c.system.dataplane == Dataplane::kKernel);
  CHECK(c.uplink.interface == "eth0");
  CHECK_FALSE(c.uplink.ipv4_dhcp);
  REQUIRE(c.uplink.ipv4_static);
  CHECK(c.uplink.ipv4_static->address == prefix("192.0.2.10/24"));
  CHECK(c.uplink.ipv4_static->gateway == address("192.0.2.1"));
  CHECK_FALSE(c.uplink.ipv6);
  CHECK(c.uplink.mtu == 1500);
  REQUIRE(c.management);
  CHECK(c.management->interface == "mgmt0");
  CHECK(c.management->address == prefix("10.255.0.1/24"));
  CHECK(c.management->ssh_port == 22);
  CHECK(c.management->allowed_sources == std::vector{prefix("10.255.0.0/24")});

  REQUIRE(c.levels.size() == 1);
  const Level& office = c.levels[0];
  CHECK(office.name == "office");
  CHECK(office.location.path == "levels[0]");
  CHECK(office.location.line == 27);
  CHECK(office.public_address == address("192.0.2.11"));
  CHECK(office.identity.id == "paris.office.example");
  CHECK(office.identity.certificate.empty());
  REQUIRE(office.credentials.size() == 1);
  CHECK(office.credentials[0].name == "lyon-psk");
  CHECK(office.credentials[0].type == CredentialType::kPsk);
  REQUIRE(office.lans.size() == 1);
  CHECK(office.lans[0].interface == "lan0");
  CHECK(office.lans[0].addresses == std::vector{prefix("10.1.0.1/24")});
  CHECK(office.lans[0].mtu == 1500u);
  CHECK(office.lans[0].routes.empty());

  REQUIRE(office.tunnels.size() == 1);
  const Tunnel& lyon = office.tunnels[0];
  CHECK(lyon.name == "lyon");
  CHECK(lyon.remote_address == "198.51.100.11");
  CHECK(lyon.remote_id == "lyon.office.example");
  CHECK(lyon.auth == AuthMethod::kPsk);
  CHECK(lyon.psk == "lyon-psk");
  CHECK(lyon.remote_ca.empty());
  CHECK(lyon.local_ts == std::vector{prefix("10.1.0.0/24")});
  CHECK(lyon.remote_ts == std::vector{prefix("10.2.0.0/24")});
  CHECK(lyon.start == StartMode::kAlways);
  CHECK(lyon.dpd_interval == 30s);
  CHECK(lyon.ike_rekey == 4h);
  CHECK(lyon.child_rekey == 1h);
  CHECK(lyon.ike_proposals == kDefaultIkeProposals);
  CHECK(lyon.esp_proposals == kDefaultEspProposals);
  CHECK(lyon.location.path == "levels[0].tunnels[0]");
  CHECK(office.findTunnel("lyon") == &lyon);

  const auto& allow = office.firewall.allow;
  REQUIRE(allow.size() == 3);
  CHECK(allow[0].direction == Direction::kOutbound);
  CHECK(allow[0].tunnel == "lyon");
  CHECK(allow[0].protocol == Protocol::kAny);
  CHECK(allow[0].ports.empty());
  CHECK(allow[1].direction == Direction::kInbound);
  CHECK(allow[1].protocol == Protocol::kTcp);
  CHECK(allow[1].ports == std::vector<PortRange>{{22, 22}, {443, 443}});
  CHECK(allow[1].source.prefixes == std::vector{prefix("10.2.0.0/24")});
  CHECK(allow[1].destination.prefixes == std::vector{prefix("10.1.0.0/24")});
  CHECK(allow[1].location.path == "levels[0].firewall.allow[1]");
  CHECK(allow[2].protocol == Protocol::kIcmp);

  CHECK(c.roles.admin == std::vector<std::string>{"alice"});
  CHECK(c.roles.audit == std::vector<std::string>{"victor"});
  CHECK(c.roles.update == std::vector<std::string>{"ursula"});
}

TEST_CASE("two-levels.yaml parses into the model its comments describe", "[unit][config]") {
  Config c = parseExample("two-levels.yaml");
  CHECK(c.system.dataplane == Dataplane::kLibipsec);
  CHECK(c.uplink.ipv4_dhcp);
  CHECK_FALSE(c.uplink.ipv4_static);
  CHECK(c.uplink.dhcp.ignore_classless_routes);
  CHECK(c.uplink.dhcp.max_routes == 8);
  REQUIRE(c.uplink.ipv6);
  CHECK(c.uplink.ipv6->address == prefix("2001:db8:0:1::10/64"));
  CHECK(c.uplink.ipv6->gateway == address("2001:db8:0:1::1"));
  REQUIRE(c.management);
  CHECK(c.management->allowed_sources.size() == 2);

  REQUIRE(c.levels.size() == 2);
  const Level& secret = c.levels[0];
  CHECK(secret.name == "secret");
  CHECK(secret.identity.certificate == "paris-secret-cert");
  CHECK(secret.identity.private_key == "paris-secret-key");
  REQUIRE(secret.credentials.size() == 3);
  CHECK(secret.findCredential("secret-ca")->type == CredentialType::kCa);
  CHECK(secret.findCredential("paris-secret-key")->type == CredentialType::kPrivateKey);
  REQUIRE(secret.lans.size() == 1);
  CHECK(secret.lans[0].addresses == std::vector{prefix("10.1.0.1/24"), prefix("fd00:1::1/64")});
  REQUIRE(secret.lans[0].routes.size() == 1);
  CHECK(secret.lans[0].routes[0].destination == prefix("10.1.128.0/17"));
  CHECK(secret.lans[0].routes[0].via == address("10.1.0.254"));
  CHECK(secret.lans[0].routes[0].metric == 100);
  CHECK_FALSE(secret.lans[0].mtu);
  REQUIRE(secret.tunnels.size() == 1);
  const Tunnel& lyon = secret.tunnels[0];
  CHECK(lyon.remote_address == "lyon-gw.example.net");
  CHECK(lyon.auth == AuthMethod::kPubkey);
  CHECK(lyon.remote_ca == "secret-ca");
  CHECK(lyon.psk.empty());
  CHECK(lyon.ike_proposals == std::vector<std::string>{"aes256gcm16-prfsha384-ecp384"});
  CHECK(lyon.esp_proposals == std::vector<std::string>{"aes256gcm16-ecp384"});
  CHECK(lyon.dpd_interval == 20s);
  CHECK(lyon.ike_rekey == 8h);
  CHECK(lyon.child_rekey == 30min);
  REQUIRE(secret.firewall.address_groups.size() == 2);
  CHECK(secret.firewall.address_groups[0].name == "secret-servers");
  CHECK(secret.firewall.address_groups[0].prefixes ==
        std::vector{prefix("10.1.0.10/32"), prefix("10.1.0.11/32")});
  REQUIRE(secret.firewall.allow.size() == 2);
  CHECK(secret.firewall.allow[0].ports ==
        std::vector<PortRange>{{22, 22}, {443, 443}, {8000, 8080}});
  CHECK(secret.firewall.allow[0].source.groups == std::vector<std::string>{"lyon-admins"});
  CHECK(secret.firewall.allow[0].destination.groups == std::vector<std::string>{"secret-servers"});
  CHECK(secret.firewall.allow[1].tunnel.empty());

  const Level& restricted = c.levels[1];
  CHECK(restricted.name == "restricted");
  CHECK(restricted.public_address == address("192.0.2.22"));
  CHECK(restricted.lans[0].mtu == 1400u);
  REQUIRE(restricted.tunnels.size() == 2);
  CHECK(restricted.tunnels[0].start == StartMode::kOnDemand);
  CHECK(restricted.tunnels[1].start == StartMode::kPassive);
  CHECK(restricted.tunnels[1].dpd_interval == 60s);
  CHECK(restricted.tunnels[1].remote_ts ==
        std::vector{prefix("10.5.0.0/24"), prefix("fd00:5::/48")});
  CHECK(restricted.firewall.allow[0].protocol == Protocol::kUdp);
  CHECK(restricted.firewall.allow[1].tunnel == "nantes");
  CHECK(c.findLevel("restricted") == &restricted);

  CHECK(c.roles.admin == std::vector<std::string>{"alice", "bernard"});
}
