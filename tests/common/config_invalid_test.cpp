// Invalid configurations, each derived from a valid base by one edit, with the exact
// diagnostics (FILE:LINE:COL: path: message) the parser must give: keys, types and syntax.
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

TEST_CASE("the base document of the invalid cases is itself valid", "[unit][config]") {
  CHECK(diagnose(kBase).empty());
}

TEST_CASE("unknown keys, duplicate keys and missing keys are located", "[unit][config]") {
  run({
      {"unknown key close to a known one",
       mutate("        psk: lyon-psk\n", "        psk: lyon-psk\n        rekeyy: {ike: 4h}\n"),
       {"t.yaml:31:9: levels[0].tunnels[0]: unknown key 'rekeyy' (did you mean 'rekey'?)"}},
      {"unknown top-level key lists the known ones",
       kBase + "logging: {level: debug}\n",
       {"t.yaml:57:1: unknown key 'logging'; expected one of: system, uplink, management, "
        "levels, roles"}},
      {"a typo in a required key is reported twice: unknown and missing",
       mutate("  hostname: gw", "  hostnme: gw"),
       {"t.yaml:2:3: system: unknown key 'hostnme' (did you mean 'hostname'?)",
        "t.yaml:2:3: system: missing required key 'hostname'"}},
      {"duplicate key",
       mutate("        auth: psk\n        psk: lyon-psk\n",
              "        auth: psk\n        auth: psk\n        psk: lyon-psk\n"),
       {"t.yaml:30:9: levels[0].tunnels[0]: duplicate key 'auth' (first at line 29)"}},
      {"missing required section",
       mutate("roles:\n  admin: [alice]\n  audit: [victor]\n", ""),
       {"t.yaml:1:1: missing required key 'roles'"}},
      {"missing psk with auth psk",
       mutate("        psk: lyon-psk\n", ""),
       {"t.yaml:26:9: levels[0].tunnels[0]: missing required key 'psk' (auth is psk)"}},
      {"missing rule direction",
       mutate("        - direction: outbound\n          tunnel", "        - tunnel"),
       {"t.yaml:35:11: levels[0].firewall.allow[0]: missing required key 'direction'"}},
      {"missing admin role",
       mutate("  admin: [alice]\n", ""),
       {"t.yaml:55:3: roles: missing required key 'admin'"}},
  });
}

TEST_CASE("wrong value types are located", "[unit][config]") {
  run({
      {"scalar where a list is expected",
       mutate("addresses: [10.1.0.1/24]", "addresses: 10.1.0.1/24"),
       {"t.yaml:24:20: levels[0].lans[0].addresses: expected a list, found '10.1.0.1/24'"}},
      {"scalar where a map is expected",
       mutate("    identity:\n      id: gw.office.example\n", "    identity: gw.office.example\n"),
       {"t.yaml:18:15: levels[0].identity: expected a map, found 'gw.office.example'"}},
      {"list where a string is expected",
       mutate("  hostname: gw", "  hostname: [gw]"),
       {"t.yaml:2:13: system.hostname: expected a string, found a list"}},
      {"empty value",
       mutate("    public_address: 192.0.2.11", "    public_address:"),
       {"t.yaml:17:5: levels[0].public_address: expected a string, found nothing"}},
      {"not an integer",
       mutate("  mtu: 1500", "  mtu: big"),
       {"t.yaml:9:8: uplink.mtu: expected an integer from 1280 to 9000, found 'big'"}},
      {"mtu above the range",
       mutate("  mtu: 1500", "  mtu: 9001"),
       {"t.yaml:9:8: uplink.mtu: expected an integer from 1280 to 9000, found '9001'"}},
      {"mtu below the range",
       mutate("  mtu: 1500", "  mtu: 1279"),
       {"t.yaml:9:8: uplink.mtu: expected an integer from 1280 to 9000, found '1279'"}},
      {"ssh_port 0",
       mutate("  ssh_port: 22", "  ssh_port: 0"),
       {"t.yaml:13:13: management.ssh_port: expected an integer from 1 to 65535, found '0'"}},
      {"ssh_port 65536",
       mutate("  ssh_port: 22", "  ssh_port: 65536"),
       {"t.yaml:13:13: management.ssh_port: expected an integer from 1 to 65535, found '65536'"}},
      {"not a boolean",
       mutate("  ipv4:\n    address: 192.0.2.10/24\n    gateway: 192.0.2.1\n",
              "  ipv4: dhcp\n  dhcp: {ignore_classless_routes: yes}\n"),
       {"t.yaml:7:35: uplink.dhcp.ignore_classless_routes: expected true or false, found 'yes'"}},
      {"unknown enum value",
       mutate("  dataplane: kernel", "  dataplane: kernal"),
       {"t.yaml:3:14: system.dataplane: expected kernel or libipsec, found 'kernal'"}},
      {"unknown start mode",
       mutate("        psk: lyon-psk\n", "        psk: lyon-psk\n        start: sometimes\n"),
       {"t.yaml:31:16: levels[0].tunnels[0].start: expected always, on-demand or passive, "
        "found 'sometimes'"}},
      {"uplink ipv4 neither dhcp nor a map",
       mutate("  ipv4:\n    address: 192.0.2.10/24\n    gateway: 192.0.2.1\n", "  ipv4: static\n"),
       {"t.yaml:6:9: uplink.ipv4: expected 'dhcp' or a map with address and gateway, found "
        "'static'"}},
      {"the document is a list", "- a\n", {"t.yaml:1:1: expected a map, found a list"}},
  });
}

TEST_CASE("bad addresses, prefixes and host bits are located", "[unit][config]") {
  run({
      {"prefix length 33",
       mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [10.2.0.0/33]"),
       {"t.yaml:32:21: levels[0].tunnels[0].remote_ts[0]: '10.2.0.0/33' is not an IPv4 or IPv6 "
        "prefix"}},
      {"host bits in a network",
       mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [10.2.0.1/24]"),
       {"t.yaml:32:21: levels[0].tunnels[0].remote_ts[0]: '10.2.0.1/24' has host bits set; the "
        "network is 10.2.0.0/24"}},
      {"a network without length",
       mutate("local_ts: [10.1.0.0/24]", "local_ts: [10.1.0.0]"),
       {"t.yaml:31:20: levels[0].tunnels[0].local_ts[0]: '10.1.0.0' has no prefix length (write "
        "it as address/length)"}},
      {"an interface address that is the network",
       mutate("addresses: [10.1.0.1/24]", "addresses: [10.1.0.0/24]"),
       {"t.yaml:24:21: levels[0].lans[0].addresses[0]: '10.1.0.0/24' is a network address, not "
        "an interface address"}},
      {"an interface address that is the broadcast",
       mutate("addresses: [10.1.0.1/24]", "addresses: [10.1.0.255/24]"),
       {"t.yaml:24:21: levels[0].lans[0].addresses[0]: '10.1.0.255/24' is a broadcast address, "
        "not an interface address"}},
      {"management address that is a network",
       mutate("  address: 10.255.0.1/24", "  address: 10.255.0.0/24"),
       {"t.yaml:12:12: management.address: '10.255.0.0/24' is a network address, not an "
        "interface address"}},
      {"bad IPv4 address",
       mutate("public_address: 192.0.2.11", "public_address: 192.0.2.300"),
       {"t.yaml:17:21: levels[0].public_address: '192.0.2.300' is not an IPv4 or IPv6 address"}},
      {"multicast public address",
       mutate("public_address: 192.0.2.11", "public_address: 224.0.0.1"),
       {"t.yaml:17:21: levels[0].public_address: 224.0.0.1 is not a unicast address"}},
      {"IPv6 on the IPv4 uplink",
       mutate("    address: 192.0.2.10/24", "    address: 2001:db8::a/64"),
       {"t.yaml:7:14: uplink.ipv4.address: '2001:db8::a/64' is not an IPv4 address"}},
      {"uplink gateway off the network",
       mutate("gateway: 192.0.2.1", "gateway: 192.0.3.1"),
       {"t.yaml:8:14: uplink.ipv4.gateway: gateway 192.0.3.1 is not inside 192.0.2.0/24"}},
      {"uplink gateway is its own address",
       mutate("gateway: 192.0.2.1", "gateway: 192.0.2.10"),
       {"t.yaml:8:14: uplink.ipv4.gateway: gateway 192.0.2.10 is this interface's own address"}},
      {"route to a prefix with host bits",
       mutate("addresses: [10.1.0.1/24]\n",
              "addresses: [10.1.0.1/24]\n        routes: [{to: 10.9.0.1/16}]\n"),
       {"t.yaml:25:23: levels[0].lans[0].routes[0].to: '10.9.0.1/16' has host bits set; the "
        "network is 10.9.0.0/16"}},
      {"route via a next hop off the LAN",
       mutate("addresses: [10.1.0.1/24]\n",
              "addresses: [10.1.0.1/24]\n        routes: [{to: 10.9.0.0/16, via: 10.8.0.1}]\n"),
       {"t.yaml:25:41: levels[0].lans[0].routes[0].via: next hop 10.8.0.1 is not on a network "
        "of this LAN"}},
      {"remote address neither IP nor DNS name",
       mutate("remote_address: 198.51.100.11", "remote_address: bad_host!"),
       {"t.yaml:27:25: levels[0].tunnels[0].remote_address: 'bad_host!' is not an IP address or "
        "a DNS name"}},
      {"%any without passive",
       mutate("remote_address: 198.51.100.11", "remote_address: \"%any\""),
       {"t.yaml:27:25: levels[0].tunnels[0].remote_address: '%any' is only allowed with start: "
        "passive"}},
      {"wildcard remote identity",
       mutate("remote_id: lyon.example", "remote_id: \"%any\""),
       {"t.yaml:28:20: levels[0].tunnels[0].remote_id: '%any' is a wildcard; name the exact "
        "identity"}},
  });
}

TEST_CASE("names, host names and users follow their syntax", "[unit][config]") {
  run({
      {"uppercase level name",
       mutate("  - name: lab", "  - name: Lab"),
       {"t.yaml:39:11: levels[1].name: 'Lab' is not a valid name (a lowercase letter, then "
        "lowercase letters, digits or '-', at most 31 characters)"}},
      {"name too long",
       mutate("  - name: lab", "  - name: " + std::string(32, 'a')),
       {"t.yaml:39:11: levels[1].name: '" + std::string(32, 'a') +
        "' is not a valid name (a lowercase letter, then lowercase letters, digits or '-', at "
        "most 31 characters)"}},
      {"bad host name",
       mutate("  hostname: gw", "  hostname: gw_1"),
       {"t.yaml:2:13: system.hostname: 'gw_1' is not a valid host name (letters, digits and '-', "
        "at most 64 characters, no dots)"}},
      {"bad interface name",
       mutate("interface: lan1", "interface: lan/1"),
       {"t.yaml:44:20: levels[1].lans[0].interface: 'lan/1' is not a valid interface name (1 to "
        "15 letters, digits, '-', '_' or '.', starting with a letter or digit)"}},
      {"root has no role",
       mutate("  admin: [alice]", "  admin: [alice, root]"),
       {"t.yaml:55:18: roles.admin[1]: 'root' is a system account and cannot have a role"}},
      {"a user in two roles",
       mutate("  audit: [victor]", "  audit: [alice]"),
       {"t.yaml:56:11: roles.audit[0]: user 'alice' already has the role admin; a user has one "
        "role"}},
      {"a user twice in a role",
       mutate("  audit: [victor]", "  audit: [victor, victor]"),
       {"t.yaml:56:19: roles.audit[1]: user 'victor' is listed twice"}},
      {"bad user name",
       mutate("  audit: [victor]", "  audit: [Victor]"),
       {"t.yaml:56:11: roles.audit[0]: 'Victor' is not a valid user name (a lowercase letter or "
        "'_', then lowercase letters, digits, '-' or '_', at most 32 characters)"}},
      {"no admin",
       mutate("  admin: [alice]", "  admin: []"),
       {"t.yaml:55:10: roles.admin: at least one admin user is required"}},
  });
}
