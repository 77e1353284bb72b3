// Compiler and renderer: golden files for each example config and namespace, and the errors a
// compiler must give instead of a ruleset.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "common/config/parse.hpp"
#include "firewall/compiler.hpp"
#include "firewall/render.hpp"
#include "test_util.hpp"

namespace rempart::firewall::test {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

config::Config parseYaml(const std::string& text) {
  auto parsed = config::parseConfig(text, "test.yaml");
  if (!parsed) {
    std::string all;
    for (const auto& d : parsed.error()) all += d.format() + "\n";
    FAIL("config does not parse:\n" << all);
  }
  return *parsed;
}

config::Config loadExample(const std::string& name) {
  return parseYaml(readFile(std::string(REMPART_SOURCE_DIR) + "/gateway/examples/" + name));
}

}  // namespace rempart::firewall::test

using namespace rempart;
using namespace rempart::firewall;
using namespace rempart::firewall::test;

namespace {

// Compares with golden/<name>; REMPART_UPDATE_GOLDEN=1 rewrites the file instead (review the
// diff like code).
void checkGolden(const std::string& name, const std::string& text) {
  std::string path = "golden/" + name;
  if (std::getenv("REMPART_UPDATE_GOLDEN")) {
    std::ofstream(path) << text;
  }
  std::string expected = readFile(path);
  INFO("golden file " << path);
  CHECK(text == expected);
}

}  // namespace

TEST_CASE("example configs render to their golden rulesets", "[unit][golden]") {
  for (const std::string example : {"minimal", "two-levels"}) {
    config::Config cfg = loadExample(example + ".yaml");
    Topology topo = defaultTopology(cfg);
    auto core = compileCore(cfg, topo);
    REQUIRE(core);
    checkGolden(example + ".core.nft", renderNft(*core));
    for (size_t i = 0; i < cfg.levels.size(); ++i) {
      auto level = compileLevel(cfg, topo, i);
      REQUIRE(level);
      checkGolden(example + "." + cfg.levels[i].name + ".nft", renderNft(*level));
    }
  }
  config::Config cfg = loadExample("minimal.yaml");
  checkGolden("closed.core.nft", renderNft(closedRuleset(cfg.management, "mgmt0")));
  checkGolden("closed.level.nft", renderNft(closedRuleset(std::nullopt, "")));
}

TEST_CASE("the kernel dataplane routes through the XFRM interface and names tunnels by reqid in",
          "[unit]") {
  config::Config cfg = loadExample("two-levels.yaml");
  cfg.system.dataplane = config::Dataplane::kKernel;
  auto level = compileLevel(cfg, defaultTopology(cfg), 1);
  REQUIRE(level);
  std::string text = renderNft(*level);
  // Cleartext only between the LAN and the XFRM interface; LAN <-> transit is always a leak.
  CHECK(text.find("\"lan-restricted\" . \"ipsec0\" : jump z_lan_tunnel") != std::string::npos);
  CHECK(text.find("\"ipsec0\" . \"lan-restricted\" : jump z_tunnel_lan") != std::string::npos);
  CHECK(text.find("\"lan-restricted\" . \"transit\" : jump z_cleartext") != std::string::npos);
  CHECK(text.find("\"transit\" . \"lan-restricted\" : jump z_cleartext") != std::string::npos);
  CHECK(text.find("rt ipsec") == std::string::npos);
  // allow[0] is outbound via tunnel lyon (index 0): its remote traffic selectors name it, since
  // the SA is only chosen inside the XFRM interface. allow[1] is inbound via nantes (index 1):
  // the secpath's reqid names it.
  CHECK(text.find("ipsec out") == std::string::npos);
  CHECK(text.find("ip daddr 10.4.0.0/24 udp dport { 53, 123 } accept comment "
                  "\"levels[1].firewall.allow[0]\"") != std::string::npos);
  CHECK(text.find("ipsec in reqid 2 meta l4proto icmp accept comment "
                  "\"levels[1].firewall.allow[1]\"") != std::string::npos);
}

TEST_CASE("peers pin IKE to their addresses unless one is passive or a DNS name", "[unit]") {
  config::Config cfg = loadExample("two-levels.yaml");
  auto core = compileCore(cfg, defaultTopology(cfg));
  REQUIRE(core);
  std::vector<std::string> sets;
  for (const AddrSet& s : core->sets) sets.push_back(s.name);
  // secret: DNS-named peer; restricted: has a passive tunnel -> neither is pinned
  CHECK(std::find(sets.begin(), sets.end(), "peers_secret_v4") == sets.end());
  CHECK(std::find(sets.begin(), sets.end(), "peers_restricted_v4") == sets.end());
  cfg = loadExample("minimal.yaml");
  core = compileCore(cfg, defaultTopology(cfg));
  REQUIRE(core);
  REQUIRE(core->sets.size() == 2);
  CHECK(core->sets[1].name == "peers_office_v4");
  CHECK(core->sets[1].prefixes.at(0).str() == "198.51.100.11/32");
}

TEST_CASE("compiler errors name the config path and give no ruleset", "[unit]") {
  config::Config cfg = loadExample("two-levels.yaml");
  Topology topo = defaultTopology(cfg);
  cfg.levels[0].firewall.allow[0].source.groups = {"no-such-group"};
  auto level = compileLevel(cfg, topo, 0);
  REQUIRE_FALSE(level);
  CHECK(level.error().message() ==
        "levels[0].firewall.allow[0]: unknown address group 'no-such-group'");
  cfg = loadExample("two-levels.yaml");
  topo.levels.pop_back();
  auto core = compileCore(cfg, topo);
  REQUIRE_FALSE(core);
  CHECK(core.error().code == ErrorCode::kInvalidInput);
  topo = defaultTopology(cfg);
  topo.uplink = "a-name-longer-than-ifnamsiz";
  CHECK_FALSE(compileCore(cfg, topo));
}

TEST_CASE("address lists are merged into disjoint intervals", "[unit]") {
  auto p = [](const char* s) { return *IpPrefix::parse(s, true); };
  Ruleset rs;
  rs.sets.push_back(
      {"s", Family::kV4,
       normalizePrefixes({p("10.0.0.0/25"), p("10.0.0.128/25"), p("10.0.0.7"), p("192.0.2.0/24"),
                          p("192.0.3.0/25"), p("255.255.255.255")}),
       ""});
  std::string text = renderNft(rs);
  CHECK(text.find("elements = { 10.0.0.0/24, 192.0.2.0-192.0.3.127, 255.255.255.255 }") !=
        std::string::npos);
}

TEST_CASE("the replace preamble makes nft -f a full replace", "[unit]") {
  std::string text = renderNft(Ruleset{}, RenderOptions{true});
  CHECK(text.rfind("table inet rempart\ndelete table inet rempart\ntable inet rempart {\n", 0) ==
        0);
}
