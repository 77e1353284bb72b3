// Invalid configurations whose problem spans several places: duplicate names, references,
// interfaces and networks claimed twice, traffic selectors and public addresses.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace rempart::config::test;

namespace {

struct Case {
  const char* what;
  std::string text;
  std::vector<std::string> expected;
};

void run(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(diagnose(c.text) == c.expected);
  }
}

}  // namespace

TEST_CASE("duplicate names are reported at the second one", "[unit][config]") {
  run({
      {"two tunnels with one name in a level",
       mutate(
           "        remote_ts: [10.2.0.0/24]\n",
           "        remote_ts: [10.2.0.0/24]\n      - {name: lyon, remote_address: 198.51.100.13, "
           "remote_id: x.example, auth: psk, psk: lyon-psk, local_ts: [10.1.0.0/24], "
           "remote_ts: [10.2.0.0/24]}\n"),
       {"t.yaml:33:16: levels[0].tunnels[1].name: tunnel name 'lyon' is already used by "
        "levels[0].tunnels[0]"}},
      {"two levels with one name",
       mutate("  - name: lab", "  - name: office"),
       {"t.yaml:39:11: levels[1].name: level name 'office' is already used by levels[0]"}},
      {"two credentials with one name",
       mutate("      - {name: lyon-psk, type: psk}\n",
              "      - {name: lyon-psk, type: psk}\n      - {name: lyon-psk, type: ca}\n"),
       {"t.yaml:22:16: levels[0].credentials[1].name: credential name 'lyon-psk' is already used "
        "by levels[0].credentials[0]"}},
      {"two address groups with one name",
       mutate("    firewall:\n",
              "    firewall:\n      address_groups:\n        - {name: g, "
              "prefixes: [10.2.0.0/24]}\n        - {name: g, prefixes: "
              "[10.2.1.0/24]}\n"),
       {"t.yaml:36:18: levels[0].firewall.address_groups[1].name: address group name 'g' is "
        "already used by levels[0].firewall.address_groups[0]"}},
  });
}

TEST_CASE("credential references resolve in the level, with the right type", "[unit][config]") {
  run({
      {"missing credential",
       mutate("        psk: lyon-psk", "        psk: nope"),
       {"t.yaml:30:14: levels[0].tunnels[0].psk: credential 'nope' is not declared in this "
        "level"}},
      {"a credential of another level",
       mutate("        psk: lyon-psk", "        psk: k"),
       {"t.yaml:30:14: levels[0].tunnels[0].psk: credential 'k' is not declared in this level"}},
      {"psk naming a CA",
       mutate("{name: lyon-psk, type: psk}", "{name: lyon-psk, type: ca}"),
       {"t.yaml:30:14: levels[0].tunnels[0].psk: credential 'lyon-psk' is of type ca, not psk"}},
      {"identity certificate naming a psk",
       mutate("      id: gw.office.example\n",
              "      id: gw.office.example\n      certificate: lyon-psk\n"),
       {"t.yaml:20:20: levels[0].identity.certificate: credential 'lyon-psk' is of type psk, not "
        "certificate"}},
      {"pubkey without the level's certificate and key",
       mutate("        auth: psk\n        psk: lyon-psk\n", "        auth: pubkey\n"),
       {"t.yaml:29:15: levels[0].tunnels[0].auth: pubkey authentication needs "
        "identity.certificate and identity.private_key in this level"}},
      {"psk given with pubkey",
       mutate("        auth: psk\n        psk: lyon-psk\n",
              "        auth: pubkey\n        psk: lyon-psk\n"),
       {"t.yaml:29:15: levels[0].tunnels[0].auth: pubkey authentication needs "
        "identity.certificate and identity.private_key in this level",
        "t.yaml:30:14: levels[0].tunnels[0].psk: psk is only used with auth: psk"}},
      {"remote_ca given with psk",
       mutate("        psk: lyon-psk\n", "        psk: lyon-psk\n        remote_ca: lyon-psk\n"),
       {"t.yaml:31:20: levels[0].tunnels[0].remote_ca: remote_ca is only used with auth: "
        "pubkey"}},
      {"rule naming a missing tunnel",
       mutate("          tunnel: lyon", "          tunnel: nantes"),
       {"t.yaml:36:19: levels[0].firewall.allow[0].tunnel: tunnel 'nantes' is not defined in "
        "this level"}},
      {"rule naming a missing address group",
       mutate("          ports: [22, \"8000-8080\"]\n",
              "          ports: [22, \"8000-8080\"]\n          source: [admins]\n"),
       {"t.yaml:39:20: levels[0].firewall.allow[0].source[0]: address group 'admins' is not "
        "defined in this level"}},
  });
}

TEST_CASE("interfaces and networks belong to one place only", "[unit][config]") {
  run({
      {"an interface in two levels",
       mutate("interface: lan1", "interface: lan0"),
       {"t.yaml:44:20: levels[1].lans[0].interface: interface 'lan0' is already used by "
        "levels[0].lans[0].interface"}},
      {"a LAN on the uplink interface",
       mutate("interface: lan1", "interface: eth0"),
       {"t.yaml:44:20: levels[1].lans[0].interface: interface 'eth0' is already used by the "
        "uplink (uplink.interface)"}},
      {"a LAN on the management interface",
       mutate("interface: lan1", "interface: mgmt0"),
       {"t.yaml:44:20: levels[1].lans[0].interface: interface 'mgmt0' is already used by "
        "management (management.interface)"}},
      {"management on the uplink interface",
       mutate("  interface: mgmt0", "  interface: eth0"),
       {"t.yaml:11:14: management.interface: interface 'eth0' is already used by the uplink "
        "(uplink.interface)"}},
      {"LAN networks overlapping between levels",
       mutate("addresses: [10.3.0.1/24]", "addresses: [10.3.0.1/24, 10.1.0.2/16]"),
       {"t.yaml:45:34: levels[1].lans[0].addresses[1]: network 10.1.0.0/16 overlaps 10.1.0.0/24 "
        "of levels[0].lans[0].addresses[0]"}},
      {"a LAN network overlapping management",
       mutate("addresses: [10.1.0.1/24]", "addresses: [10.1.0.1/24, 10.255.0.5/24]"),
       {"t.yaml:24:34: levels[0].lans[0].addresses[1]: network 10.255.0.0/24 overlaps "
        "10.255.0.0/24 of management (management.address)"}},
  });
}

TEST_CASE("traffic selectors stay inside their level and off the gateway", "[unit][config]") {
  run({
      {"remote selectors overlapping between levels",
       mutate("remote_ts: [10.4.0.0/24]", "remote_ts: [10.2.0.0/16]"),
       {"t.yaml:53:21: levels[1].tunnels[0].remote_ts[0]: traffic selector 10.2.0.0/16 overlaps "
        "10.2.0.0/24 of another level (levels[0].tunnels[0].remote_ts[0]); levels never share "
        "addresses"}},
      {"a remote selector over another level's local selector",
       mutate("remote_ts: [10.4.0.0/24]", "remote_ts: [10.1.0.0/24]"),
       {"t.yaml:53:21: levels[1].tunnels[0].remote_ts[0]: traffic selector 10.1.0.0/24 overlaps "
        "10.1.0.0/24 of another level (levels[0].tunnels[0].local_ts[0]); levels never share "
        "addresses"}},
      {"a remote selector covering management",
       mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [10.2.0.0/24, 10.255.0.0/16]"),
       {"t.yaml:32:34: levels[0].tunnels[0].remote_ts[1]: remote traffic selector 10.255.0.0/16 "
        "covers the network 10.255.0.0/24 of management (management.address)"}},
      {"a remote selector covering the uplink",
       mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [10.2.0.0/24, 192.0.2.0/23]"),
       {"t.yaml:32:34: levels[0].tunnels[0].remote_ts[1]: remote traffic selector 192.0.2.0/23 "
        "covers the network 192.0.2.0/24 of the uplink (uplink.ipv4.address)"}},
      {"a remote selector covering a level's public address",
       mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [10.2.0.0/24, 192.0.2.12/32]"),
       {"t.yaml:32:34: levels[0].tunnels[0].remote_ts[1]: remote traffic selector 192.0.2.12/32 "
        "covers the public address 192.0.2.12 of levels[1].public_address"}},
      {"a local selector outside the level's LANs",
       mutate("local_ts: [10.1.0.0/24]", "local_ts: [10.1.0.0/23]"),
       {"t.yaml:31:20: levels[0].tunnels[0].local_ts[0]: 10.1.0.0/23 is not inside this level's "
        "LAN networks or routes"}},
      {"an address family on one side only",
       mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [10.2.0.0/24, \"fd00:2::/48\"]"),
       {"t.yaml:32:20: levels[0].tunnels[0].remote_ts: has IPv6 prefixes but local_ts has none"}},
      {"a level without LANs",
       mutate("    lans:\n      - interface: lan1\n        addresses: [10.3.0.1/24]\n",
              "    lans: []\n"),
       {"t.yaml:43:11: levels[1].lans: at least one LAN is required"}},
  });
}

TEST_CASE("each level has its own public address on the uplink", "[unit][config]") {
  run({
      {"two levels at one address",
       mutate("public_address: 192.0.2.12", "public_address: 192.0.2.11"),
       {"t.yaml:40:21: levels[1].public_address: 192.0.2.11 is already the public address of "
        "levels[0]"}},
      {"a public address inside a LAN",
       mutate("public_address: 192.0.2.12", "public_address: 10.1.0.5"),
       {"t.yaml:40:21: levels[1].public_address: 10.1.0.5 is inside the LAN network 10.1.0.0/24 "
        "of levels[0].lans[0]"}},
      {"a public address off the uplink",
       mutate("public_address: 192.0.2.12", "public_address: 192.0.3.12"),
       {"t.yaml:40:21: levels[1].public_address: 192.0.3.12 is not on the uplink network "
        "192.0.2.0/24"}},
      {"the uplink's own address",
       mutate("public_address: 192.0.2.12", "public_address: 192.0.2.10"),
       {"t.yaml:40:21: levels[1].public_address: 192.0.2.10 is the uplink's own address; each "
        "level needs its own"}},
  });
}
