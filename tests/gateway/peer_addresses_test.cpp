// Tunnel peers named by a host name: which remote_address needs resolving, what charon gets,
// how outcomes are recorded, the retry schedule, and that a new address makes the rendering
// differ for exactly the tunnels that use that name (so reconcile reloads only those).
#include "gateway/peer_addresses.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "gateway/level_render.hpp"
#include "gateway/peer_resolver.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

IpAddress ip(const char* text) {
  return *IpAddress::parse(text);
}

config::Tunnel tunnel(const std::string& name, const std::string& remote, const char* ts) {
  config::Tunnel t;
  t.name = name;
  t.remote_address = remote;
  t.remote_id = name + ".peer";
  t.auth = config::AuthMethod::kPsk;
  t.psk = "psk";
  t.local_ts = {*IpPrefix::parse("10.1.0.0/24")};
  t.remote_ts = {*IpPrefix::parse(ts)};
  return t;
}

config::Config twoPeers() {
  config::Config c;
  c.system.hostname = "paris";
  c.system.dataplane = config::Dataplane::kLibipsec;
  config::Level l;
  l.name = "red";
  l.public_address = ip("192.0.2.11");
  l.identity.id = "paris.red";
  l.tunnels = {tunnel("lyon", "lyon.test", "10.2.0.0/24"),
               tunnel("nice", "192.0.2.31", "10.5.0.0/24")};
  c.levels.push_back(l);
  return c;
}

std::string remoteAddrs(const RenderedLevel& r, const std::string& name) {
  const auto* t = r.find(name);
  REQUIRE(t != nullptr);
  const auto* list = t->conn.section(name)->list("remote_addrs");
  REQUIRE(list != nullptr);
  REQUIRE(list->size() == 1);
  return list->front();
}

}  // namespace

TEST_CASE("only host names need resolving", "[unit][dns]") {
  CHECK(needsResolution("lyon.example.net"));
  CHECK(needsResolution("lyon"));
  CHECK_FALSE(needsResolution("192.0.2.21"));
  CHECK_FALSE(needsResolution("2001:db8::21"));
  CHECK_FALSE(needsResolution("%any"));

  auto c = twoPeers();
  c.levels[0].tunnels.push_back(tunnel("rome", "%any", "10.6.0.0/24"));
  auto keys = peerKeys(c);
  REQUIRE(keys.size() == 1);
  CHECK(keys.begin()->host == "lyon.test");
  CHECK(keys.begin()->family == Family::kV4);
  c.levels[0].public_address = ip("2001:db8::11");
  CHECK(peerKeys(c).begin()->family == Family::kV6);
}

TEST_CASE("charon gets the resolved address, in the level's family", "[unit][dns]") {
  auto c = twoPeers();
  const auto& level = c.levels[0];
  PeerAddresses peers;
  std::string why;
  CHECK(remoteAddrsFor(level, level.tunnels[1], peers, &why) == "192.0.2.31");
  CHECK_FALSE(remoteAddrsFor(level, level.tunnels[0], peers, &why));
  CHECK(why == "cannot resolve lyon.test: no answer yet");

  peers[{"lyon.test", Family::kV4}].error = "Host not found (authoritative)";
  CHECK_FALSE(remoteAddrsFor(level, level.tunnels[0], peers, &why));
  CHECK(why == "cannot resolve lyon.test: Host not found (authoritative)");

  // An IPv6 answer does not serve an IPv4 level.
  peers[{"lyon.test", Family::kV6}].address = ip("2001:db8::21");
  CHECK_FALSE(remoteAddrsFor(level, level.tunnels[0], peers));
  peers[{"lyon.test", Family::kV4}].address = ip("192.0.2.21");
  CHECK(remoteAddrsFor(level, level.tunnels[0], peers) == "192.0.2.21");

  CHECK(pickAddress({ip("2001:db8::1"), ip("192.0.2.5"), ip("192.0.2.6")}, Family::kV4) ==
        ip("192.0.2.5"));
  CHECK(pickAddress({ip("2001:db8::1")}, Family::kV6) == ip("2001:db8::1"));
  CHECK_FALSE(pickAddress({ip("2001:db8::1")}, Family::kV4));
}

TEST_CASE("a failed lookup keeps the last address; only a new address is a change", "[unit][dns]") {
  PeerResolution slot;
  CHECK_FALSE(recordResolution(slot, std::nullopt, "timed out"));
  CHECK(slot.error == "timed out");
  CHECK(recordResolution(slot, ip("192.0.2.21"), ""));
  CHECK(slot.error.empty());
  CHECK_FALSE(recordResolution(slot, ip("192.0.2.21"), ""));
  CHECK_FALSE(recordResolution(slot, std::nullopt, "SERVFAIL"));
  CHECK(slot.address == ip("192.0.2.21"));
  CHECK(slot.error == "SERVFAIL");
  CHECK(recordResolution(slot, ip("192.0.2.22"), ""));
  CHECK(slot.address == ip("192.0.2.22"));
}

TEST_CASE("lookups back off while a name has no address, then follow the refresh", "[unit][dns]") {
  using std::chrono::milliseconds;
  PeerResolverOptions o;
  o.refresh = milliseconds(300000);
  o.retry_min = milliseconds(2000);
  CHECK(nextLookupDelay(o, false, 0) == milliseconds(2000));
  CHECK(nextLookupDelay(o, false, 1) == milliseconds(4000));
  CHECK(nextLookupDelay(o, false, 3) == milliseconds(16000));
  CHECK(nextLookupDelay(o, false, 40) == milliseconds(300000));
  CHECK(nextLookupDelay(o, true, 0) == milliseconds(300000));
}

TEST_CASE("a new address for a name changes only the tunnels that use it", "[unit][dns]") {
  test::ScopedTempDir dir{"rempart-dns"};
  std::ofstream(dir.path() / "psk") << "secret\n";
  LevelPlan plan;
  plan.name = "red";
  plan.keystore_dir = dir.path();
  auto c = twoPeers();
  c.levels[0].tunnels.push_back(tunnel("lyon2", "lyon.test", "10.3.0.0/24"));
  c.levels[0].tunnels.push_back(tunnel("rome", "rome.test", "10.6.0.0/24"));

  PeerAddresses peers;
  peers[{"lyon.test", Family::kV4}].address = ip("192.0.2.21");
  peers[{"rome.test", Family::kV4}].error = "Host not found";
  auto before = renderLevel(c, c.levels[0], plan, peers);
  REQUIRE(before);
  // rome has no address: left out, so charon is not given a name it cannot resolve.
  CHECK(before->find("rome") == nullptr);
  CHECK(remoteAddrs(*before, "lyon") == "192.0.2.21");
  CHECK(remoteAddrs(*before, "nice") == "192.0.2.31");

  peers[{"lyon.test", Family::kV4}].address = ip("192.0.2.22");
  auto after = renderLevel(c, c.levels[0], plan, peers);
  REQUIRE(after);
  auto d = diffTunnels(*before, *after);
  CHECK(d.changed == std::vector<std::string>{"lyon", "lyon2"});
  CHECK(d.unchanged == std::vector<std::string>{"nice"});
  CHECK(d.added.empty());
  CHECK(d.removed.empty());
  CHECK(remoteAddrs(*after, "lyon2") == "192.0.2.22");

  // rome resolves: it is added, nothing else moves.
  peers[{"rome.test", Family::kV4}] = PeerResolution{ip("192.0.2.41"), ""};
  auto later = renderLevel(c, c.levels[0], plan, peers);
  REQUIRE(later);
  d = diffTunnels(*after, *later);
  CHECK(d.added == std::vector<std::string>{"rome"});
  CHECK(d.changed.empty());
  CHECK(d.unchanged == std::vector<std::string>{"lyon", "nice", "lyon2"});
}

TEST_CASE("an unresolved tunnel's credentials are still checked", "[unit][dns]") {
  test::ScopedTempDir dir{"rempart-dns"};
  LevelPlan plan;
  plan.name = "red";
  plan.keystore_dir = dir.path();
  auto c = twoPeers();
  c.levels[0].tunnels.erase(c.levels[0].tunnels.begin() + 1);  // only lyon, by name
  auto r = renderLevel(c, c.levels[0], plan, {});
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("credential 'psk'"));
}
