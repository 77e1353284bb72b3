// Every hard limit of the model, at the limit (valid) and one past it (the exact message with
// the limit), and hostile YAML: empty, broken, multiple documents, aliases, nesting, size.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace rempart::config;
using namespace rempart::config::test;

namespace {

std::string str(size_t i) {
  return std::to_string(i);
}

// The base with its whole `levels:` section replaced by n generated levels.
std::string withLevels(size_t n) {
  std::string levels = "levels:\n" +
                       repeat(
                           n,
                           [](size_t i) {
                             return "  - {name: l" + str(i) + ", public_address: 192.0.2." +
                                    str(20 + i) + ", identity: {id: l" + str(i) +
                                    ".example}, lans: [{interface: lan" + str(i) +
                                    ", addresses: [10." + str(i) + ".0.1/24]}]}";
                           },
                           "\n") +
                       "\n";
  size_t from = kBase.find("levels:\n"), to = kBase.find("roles:");
  return kBase.substr(0, from) + levels + kBase.substr(to);
}

const std::string kLabLans =
    "    lans:\n      - interface: lan1\n        addresses: [10.3.0.1/24]\n";
const std::string kLabTunnels =
    "    tunnels:\n      - name: t\n        remote_address: 198.51.100.12\n        remote_id: "
    "t.example\n        auth: psk\n        psk: k\n        local_ts: [10.3.0.0/24]\n        "
    "remote_ts: [10.4.0.0/24]\n";
const std::string kOfficeRule =
    "      allow:\n        - direction: outbound\n          tunnel: lyon\n          protocol: "
    "tcp\n          ports: [22, \"8000-8080\"]\n";

std::string lans(size_t n) {
  return "    lans: [" +
         repeat(n,
                [](size_t i) {
                  return "{interface: lanx" + str(i) + ", addresses: [10.3." + str(i) + ".1/24]}";
                }) +
         "]\n";
}
std::string tunnels(size_t n) {
  return "    tunnels: [" +
         repeat(n,
                [](size_t i) {
                  return "{name: t" + str(i) +
                         ", remote_address: 198.51.100.12, remote_id: t.example, auth: "
                         "psk, psk: k, local_ts: [10.3.0.0/24], remote_ts: [10.4.0.0/24]}";
                }) +
         "]\n";
}
std::string hostPrefix(size_t i) {
  return "10.200." + str(i / 256 % 256) + "." + str(i % 256) + "/32";
}
std::string routes(size_t n, size_t first = 0) {
  return "[" + repeat(n, [first](size_t i) { return "{to: " + hostPrefix(first + i) + "}"; }) + "]";
}

struct Limit {
  const char* what;
  std::string at_limit;
  std::string past_limit;
  std::vector<std::string> expected;
};

}  // namespace

TEST_CASE("every hard limit holds, with the limit in the message", "[unit][config][limits]") {
  auto addresses = [](size_t n) {
    return mutate("addresses: [10.1.0.1/24]", "addresses: [" + repeat(n, [](size_t i) {
                                                return "10.1.0." + str(i + 1) + "/24";
                                              }) + "]");
  };
  auto lanRoutes = [](size_t n) {
    return mutate("addresses: [10.1.0.1/24]\n",
                  "addresses: [10.1.0.1/24]\n        routes: " + routes(n) + "\n");
  };
  auto splitRoutes = [](size_t each) {
    return mutate(
        kLabLans,
        "    lans:\n      - {interface: lan1, addresses: [10.3.0.1/24], routes: " + routes(each) +
            "}\n      - {interface: lan2, addresses: [10.5.0.1/24], routes: " + routes(each, each) +
            "}\n");
  };
  auto selectors = [](size_t n) {
    return mutate("remote_ts: [10.2.0.0/24]", "remote_ts: [" + repeat(n, [](size_t i) {
                                                return "10.2." + str(i) + ".0/24";
                                              }) + "]");
  };
  auto proposals = [](size_t n) {
    return mutate("        psk: lyon-psk\n",
                  "        psk: lyon-psk\n        esp_proposals: [" +
                      repeat(n, [](size_t) { return std::string("aes256gcm16"); }) + "]\n");
  };
  auto credentials = [](size_t n) {
    return mutate(
        "      - {name: lyon-psk, type: psk}\n",
        "      - {name: lyon-psk, type: psk}\n" +
            repeat(
                n - 1, [](size_t i) { return "      - {name: c" + str(i) + ", type: psk}"; },
                "\n") +
            "\n");
  };
  auto rules = [](size_t n) {
    return mutate(kOfficeRule, "      allow: [" + repeat(n, [](size_t) {
                                 return std::string("{direction: outbound}");
                               }) + "]\n");
  };
  auto ports = [](size_t n) {
    return mutate("ports: [22, \"8000-8080\"]",
                  "ports: [" + repeat(n, [](size_t i) { return str(i + 1); }) + "]");
  };
  auto groups = [](size_t n) {
    return mutate("    firewall:\n",
                  "    firewall:\n      address_groups: [" + repeat(n, [](size_t i) {
                    return "{name: g" + str(i) + ", prefixes: [10.2.0.0/24]}";
                  }) + "]\n");
  };
  auto groupPrefixes = [](size_t n) {
    return mutate("    firewall:\n", "    firewall:\n      address_groups: [{name: g, prefixes: [" +
                                         repeat(n, hostPrefix) + "]}]\n");
  };
  auto sources = [](size_t n) {
    return mutate("allowed_sources: [10.255.0.0/24]", "allowed_sources: [" + repeat(n, [](size_t) {
                                                        return std::string("10.255.0.0/24");
                                                      }) + "]");
  };
  auto users = [](size_t n) {
    return mutate("  audit: [victor]",
                  "  audit: [" + repeat(n, [](size_t i) { return "u" + str(i); }) + "]");
  };
  auto sides = [](size_t n) {
    return mutate("ports: [22, \"8000-8080\"]\n",
                  "ports: [22, \"8000-8080\"]\n          destination: [" +
                      repeat(n, [](size_t) { return std::string("10.2.0.0/24"); }) + "]\n");
  };
  const std::vector<Limit> limits = {
      {"levels",
       withLevels(16),
       withLevels(17),
       {"t.yaml:16:3: levels: at most 16 levels are allowed, found 17"}},
      {"LANs per level",
       mutate(kLabLans, lans(8)),
       mutate(kLabLans, lans(9)),
       {"t.yaml:43:11: levels[1].lans: at most 8 LANs per level are allowed, found 9"}},
      {"addresses per LAN",
       addresses(64),
       addresses(65),
       {"t.yaml:24:20: levels[0].lans[0].addresses: at most 64 addresses per LAN are allowed, "
        "found 65"}},
      {"routes of one LAN",
       lanRoutes(1024),
       lanRoutes(1025),
       {"t.yaml:25:17: levels[0].lans[0].routes: at most 1024 routes per level are allowed, "
        "found 1025"}},
      {"routes of a level over two LANs",
       splitRoutes(512),
       splitRoutes(513),
       {"t.yaml:45:61: levels[1].lans[1].routes: at most 1024 routes per level are allowed, "
        "found 1026"}},
      {"tunnels per level",
       mutate(kLabTunnels, tunnels(1024)),
       mutate(kLabTunnels, tunnels(1025)),
       {"t.yaml:46:14: levels[1].tunnels: at most 1024 tunnels per level are allowed, found "
        "1025"}},
      {"traffic selectors",
       selectors(32),
       selectors(33),
       {"t.yaml:32:20: levels[0].tunnels[0].remote_ts: at most 32 traffic selectors per tunnel "
        "are allowed, found 33"}},
      {"proposals",
       proposals(16),
       proposals(17),
       {"t.yaml:31:24: levels[0].tunnels[0].esp_proposals: at most 16 proposals are allowed, "
        "found 17"}},
      {"credentials per level",
       credentials(4096),
       credentials(4097),
       {"t.yaml:21:7: levels[0].credentials: at most 4096 credentials per level are allowed, "
        "found 4097"}},
      {"rules per level",
       rules(10000),
       rules(10001),
       {"t.yaml:34:14: levels[0].firewall.allow: at most 10000 rules per level are allowed, "
        "found 10001"}},
      {"ports per rule",
       ports(64),
       ports(65),
       {"t.yaml:38:18: levels[0].firewall.allow[0].ports: at most 64 ports per rule are allowed, "
        "found 65"}},
      {"address groups per level",
       groups(256),
       groups(257),
       {"t.yaml:34:23: levels[0].firewall.address_groups: at most 256 address groups per level "
        "are allowed, found 257"}},
      {"prefixes per group",
       groupPrefixes(131072),
       groupPrefixes(131073),
       {"t.yaml:34:44: levels[0].firewall.address_groups[0].prefixes: at most 131072 prefixes "
        "per group are allowed, found 131073"}},
      {"SSH sources",
       sources(256),
       sources(257),
       {"t.yaml:14:20: management.allowed_sources: at most 256 SSH source networks are allowed, "
        "found 257"}},
      {"users per role",
       users(64),
       users(65),
       {"t.yaml:56:10: roles.audit: at most 64 users per role are allowed, found 65"}},
      {"entries per rule side",
       sides(64),
       sides(65),
       {"t.yaml:39:24: levels[0].firewall.allow[0].destination: at most 64 entries per rule side "
        "are allowed, found 65"}},
  };
  for (const auto& limit : limits) {
    INFO(limit.what);
    CHECK(diagnose(limit.at_limit).empty());
    CHECK(diagnose(limit.past_limit) == limit.expected);
  }
}

TEST_CASE("broken and hostile YAML gets one located error", "[unit][config][yaml]") {
  struct Case {
    const char* what;
    std::string text;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"empty document", "", {"t.yaml:1:1: the configuration is empty"}},
      {"only comments", "# nothing here\n\n", {"t.yaml:1:1: the configuration is empty"}},
      {"explicit null document", "---\n~\n", {"t.yaml:1:1: the configuration is empty"}},
      {"unclosed flow list",
       "system: {hostname: gw}\nlevels: [a, b\n",
       {"t.yaml:3:1: YAML syntax error: end of sequence flow not found"}},
      {"bad indentation",
       "system:\n  hostname: gw\n dataplane: kernel\n",
       {"t.yaml:3:2: YAML syntax error: end of map not found"}},
      {"two documents",
       kBase + "---\nsystem: {}\n",
       {"t.yaml:57:1: only one YAML document is allowed"}},
      {"an alias",
       mutate("    identity: {id: gw.lab.example}", "    identity: {id: *office}",
              mutate("      id: gw.office.example", "      id: &office gw.office.example")),
       {"t.yaml:41:20: YAML aliases are not supported; write the value out"}},
      {"deep nesting",
       "a: " + std::string(100, '[') + std::string(100, ']') + "\n",
       {"t.yaml:1:67: the document nests deeper than 64 levels"}},
      {"a key that is a list", "[a]: b\n", {"t.yaml:1:1: mapping keys must be plain strings"}},
      {"too large",
       std::string(kMaxConfigBytes + 1, ' '),
       {"t.yaml: the configuration is larger than 33554432 bytes"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(diagnose(c.text) == c.expected);
  }
}

TEST_CASE("an alias bomb is refused quickly", "[unit][config][yaml]") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'z'; ++c)
    bomb += std::string(1, c) + ": &" + c + " [" +
            repeat(10, [c](size_t) { return std::string("*") + char(c - 1); }) + "]\n";
  auto d = diagnose(bomb);
  REQUIRE(d.size() == 250);
  CHECK(d[0] == "t.yaml:2:8: YAML aliases are not supported; write the value out");
}
