// What a config change does to one level's tunnels: renderLevel() (config + keystore -> load-conn
// messages and secrets) and diffTunnels() (old vs new rendering -> unchanged, added, removed,
// changed). The daemon touches only what the diff names, so these decide which SAs survive.
#include <catch2/catch.hpp>
#include <fstream>

#include "gateway/level_render.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}

config::Tunnel tunnel(const std::string& name, const char* local, const char* remote) {
  config::Tunnel t;
  t.name = name;
  t.remote_address = "192.0.2.21";
  t.remote_id = name + ".peer";
  t.auth = config::AuthMethod::kPsk;
  t.psk = name + "-psk";
  t.local_ts = {prefix(local)};
  t.remote_ts = {prefix(remote)};
  return t;
}

config::Config baseConfig() {
  config::Config c;
  c.system.hostname = "paris";
  c.system.dataplane = config::Dataplane::kLibipsec;
  config::Level l;
  l.name = "red";
  l.public_address = *IpAddress::parse("192.0.2.11");
  l.identity.id = "paris.red";
  l.tunnels = {tunnel("lyon", "10.1.0.0/24", "10.2.0.0/24"),
               tunnel("nice", "10.1.0.0/24", "10.5.0.0/24")};
  c.levels.push_back(l);
  return c;
}

// A keystore with one PSK per tunnel name ever used in these tests.
struct Keystore {
  test::ScopedTempDir dir{"rempart-diff"};
  LevelPlan plan;
  Keystore() {
    plan.name = "red";
    plan.keystore_dir = dir.path();
    for (const char* n : {"lyon", "nice", "rome"})
      write(std::string(n) + "-psk", "secret-" + std::string(n) + "\n");
  }
  void write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir.path() / name) << bytes;
  }
  RenderedLevel render(const config::Config& c) {
    auto r = renderLevel(c, c.levels[0], plan);
    REQUIRE(r);
    return *r;
  }
};

}  // namespace

TEST_CASE("the same config again changes nothing", "[unit][reconfigure]") {
  Keystore ks;
  auto c = baseConfig();
  auto d = diffTunnels(ks.render(c), ks.render(c));
  CHECK(d.unchanged == std::vector<std::string>{"lyon", "nice"});
  CHECK(d.empty());
}

TEST_CASE("an added tunnel leaves the others unchanged", "[unit][reconfigure]") {
  Keystore ks;
  auto before = baseConfig();
  auto after = before;
  after.levels[0].tunnels.push_back(tunnel("rome", "10.1.0.0/24", "10.6.0.0/24"));
  auto d = diffTunnels(ks.render(before), ks.render(after));
  CHECK(d.added == std::vector<std::string>{"rome"});
  CHECK(d.unchanged == std::vector<std::string>{"lyon", "nice"});
  CHECK(d.changed.empty());
  CHECK(d.removed.empty());
  CHECK(d.secrets_unloaded.empty());
}

TEST_CASE("a tunnel added in the middle does not change the ones after it", "[unit][reconfigure]") {
  Keystore ks;
  auto before = baseConfig();
  auto after = before;
  auto& ts = after.levels[0].tunnels;
  ts.insert(ts.begin(), tunnel("rome", "10.1.0.0/24", "10.6.0.0/24"));
  auto d = diffTunnels(ks.render(before), ks.render(after));
  CHECK(d.added == std::vector<std::string>{"rome"});
  CHECK(d.unchanged == std::vector<std::string>{"lyon", "nice"});
}

TEST_CASE("a removed tunnel is removed and its PSK unloaded", "[unit][reconfigure]") {
  Keystore ks;
  auto before = baseConfig();
  auto after = before;
  after.levels[0].tunnels.erase(after.levels[0].tunnels.begin());
  auto d = diffTunnels(ks.render(before), ks.render(after));
  CHECK(d.removed == std::vector<std::string>{"lyon"});
  CHECK(d.unchanged == std::vector<std::string>{"nice"});
  CHECK(d.secrets_unloaded == std::vector<std::string>{"psk-lyon"});
  CHECK(d.added.empty());
}

TEST_CASE("a changed proposal, selector, start mode or peer makes the tunnel changed",
          "[unit][reconfigure]") {
  Keystore ks;
  auto before = baseConfig();
  auto after = before;
  auto& t = after.levels[0].tunnels[1];
  SECTION("ESP proposal") {
    t.esp_proposals = {"aes128gcm16-x25519"};
  }
  SECTION("remote traffic selector") {
    t.remote_ts.push_back(prefix("10.7.0.0/24"));
  }
  SECTION("start mode") {
    t.start = config::StartMode::kPassive;
  }
  SECTION("remote address") {
    t.remote_address = "192.0.2.99";
  }
  SECTION("DPD interval") {
    t.dpd_interval = std::chrono::seconds(5);
  }
  auto d = diffTunnels(ks.render(before), ks.render(after));
  CHECK(d.changed == std::vector<std::string>{"nice"});
  CHECK(d.unchanged == std::vector<std::string>{"lyon"});
  CHECK(d.secrets_unloaded.empty());
}

TEST_CASE("a new PSK in the keystore makes the tunnel changed, its message equal",
          "[unit][reconfigure]") {
  Keystore ks;
  auto c = baseConfig();
  auto before = ks.render(c);
  ks.write("lyon-psk", "another-secret\n");
  auto after = ks.render(c);
  CHECK(after.find("lyon")->conn == before.find("lyon")->conn);
  auto d = diffTunnels(before, after);
  CHECK(d.changed == std::vector<std::string>{"lyon"});
  CHECK(d.unchanged == std::vector<std::string>{"nice"});
}

TEST_CASE("a change of the level's identity changes every tunnel", "[unit][reconfigure]") {
  Keystore ks;
  auto before = baseConfig();
  auto after = before;
  after.levels[0].identity.id = "paris.red.new";
  auto d = diffTunnels(ks.render(before), ks.render(after));
  CHECK(d.changed == std::vector<std::string>{"lyon", "nice"});
  CHECK(d.unchanged.empty());
}

TEST_CASE("renderLevel reads PSKs without their newline and says which start on load",
          "[unit][reconfigure]") {
  Keystore ks;
  auto c = baseConfig();
  c.levels[0].tunnels[1].start = config::StartMode::kPassive;
  auto r = ks.render(c);
  REQUIRE(r.tunnels.size() == 2);
  REQUIRE(r.tunnels[0].psk);
  CHECK(r.tunnels[0].psk->id == "psk-lyon");
  CHECK(r.tunnels[0].psk->data == "secret-lyon");
  CHECK(r.tunnels[0].psk->owners == std::vector<std::string>{"paris.red", "lyon.peer"});
  CHECK(r.tunnels[0].starts);
  CHECK_FALSE(r.tunnels[1].starts);
  CHECK(r.tunnels[0].conn.section("lyon") != nullptr);
}

TEST_CASE("renderLevel fails on a missing or empty credential, naming it", "[unit][reconfigure]") {
  Keystore ks;
  auto c = baseConfig();
  SECTION("missing") {
    c.levels[0].tunnels[0].psk = "absent-psk";
    auto r = renderLevel(c, c.levels[0], ks.plan);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("credential 'absent-psk'"));
  }
  SECTION("empty") {
    ks.write("lyon-psk", "\n");
    auto r = renderLevel(c, c.levels[0], ks.plan);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains("'lyon-psk' is empty"));
  }
}
