// The confinement must not break the job: two confined charons (as two sites' levels), joined
// by a veth, establish IKE and CHILD SAs over kernel-libipsec and carry a ping. Connections are
// loaded with stock swanctl over each level's VICI socket (our VICI client is tested on its
// own); a syscall missing from the seccomp allow-list, a capability or a path charon needs
// would show here as a failure.
#include "charon_harness.hpp"

using namespace charon_test;

namespace {

std::string swanctlConf(const std::string& me, const std::string& peer, const std::string& id,
                        const std::string& peer_id, const std::string& local_ts,
                        const std::string& remote_ts) {
  return "connections {\n  gw {\n    local_addrs = " + me + "\n    remote_addrs = " + peer +
         "\n    version = 2\n    proposals = aes256gcm16-prfsha384-ecp384\n"
         "    dpd_delay = 2s\n    local {\n      auth = psk\n      id = " +
         id + "\n    }\n    remote {\n      auth = psk\n      id = " + peer_id +
         "\n    }\n    children {\n      net {\n        local_ts = " + local_ts +
         "\n        remote_ts = " + remote_ts +
         "\n        esp_proposals = aes256gcm16-ecp384\n        start_action = start\n"
         "      }\n    }\n  }\n}\nsecrets {\n  ike-1 {\n    id-1 = site-a\n    id-2 = site-b\n"
         "    secret = \"confined-test-secret\"\n  }\n}\n";
}

bool ping(const std::string& netns, const std::string& from, const std::string& to) {
  return test::runCommand(
             {"ip", "netns", "exec", netns, "ping", "-c", "1", "-W", "1", "-I", from, to})
             .status == 0;
}

}  // namespace

TEST_CASE("two confined charons establish IKE and CHILD SAs over libipsec and carry a ping",
          "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0);
  auto& b = gw.addLevel("b", 1);
  auto run = [](std::vector<std::string> argv) {
    auto r = test::runCommand(argv);
    INFO(r.out);
    REQUIRE(r.status == 0);
  };
  run({"ip", "-n", a.netns, "link", "add", "ike0", "type", "veth", "peer", "name", "ike0", "netns",
       b.netns});
  run({"ip", "-n", a.netns, "addr", "add", "10.99.0.1/24", "dev", "ike0"});
  run({"ip", "-n", b.netns, "addr", "add", "10.99.0.2/24", "dev", "ike0"});
  // The protected networks: a local address inside local_ts (libipsec's outbound route needs
  // one; notes/strongswan.md §3).
  run({"ip", "-n", a.netns, "addr", "add", "10.1.0.1/24", "dev", "lo"});
  run({"ip", "-n", b.netns, "addr", "add", "10.2.0.1/24", "dev", "lo"});
  for (const auto* ns : {&a.netns, &b.netns}) {
    run({"ip", "-n", *ns, "link", "set", "lo", "up"});
    run({"ip", "-n", *ns, "link", "set", "ike0", "up"});
  }
  gw.startAndWaitReady(a);
  gw.startAndWaitReady(b);

  // Without SAs, nothing goes through (the check can fail).
  CHECK_FALSE(ping(a.netns, "10.1.0.1", "10.2.0.1"));

  const fs::path conf_a = gw.base() / "swanctl-a.conf";
  const fs::path conf_b = gw.base() / "swanctl-b.conf";
  std::ofstream(conf_a) << swanctlConf("10.99.0.1", "10.99.0.2", "site-a", "site-b", "10.1.0.0/24",
                                       "10.2.0.0/24");
  std::ofstream(conf_b) << swanctlConf("10.99.0.2", "10.99.0.1", "site-b", "site-a", "10.2.0.0/24",
                                       "10.1.0.0/24");
  run({"swanctl", "--load-all", "--noprompt", "--file", conf_b.string(), "--uri",
       "unix://" + b.supervisor->paths().vici().string()});
  run({"swanctl", "--load-all", "--noprompt", "--file", conf_a.string(), "--uri",
       "unix://" + a.supervisor->paths().vici().string()});

  // start_action=start: a initiates by itself. Wait for traffic to flow (bounded).
  bool through = false;
  for (int i = 0; i < 20 && !through; ++i) {
    through = ping(a.netns, "10.1.0.1", "10.2.0.1");
    gw.io.restart();
    gw.io.poll();  // keep draining charon's log pipes
  }
  if (!through)
    for (const auto& line : a.log) UNSCOPED_INFO("charon a: " << line);
  REQUIRE(through);
  CHECK(ping(b.netns, "10.2.0.1", "10.1.0.1"));

  auto sas = test::runCommand(
      {"swanctl", "--list-sas", "--uri", "unix://" + a.supervisor->paths().vici().string()});
  REQUIRE(sas.status == 0);
  CHECK(sas.out.find("ESTABLISHED") != std::string::npos);
  CHECK(sas.out.find("INSTALLED") != std::string::npos);
  CHECK(sas.out.find("AES_GCM_16-256") != std::string::npos);
  // libipsec routed the remote network into ipsec0 through table 220, set by our settings.
  auto routes = test::runCommand({"ip", "-n", a.netns, "route", "show", "table", "220"});
  CHECK(routes.out.find("10.2.0.0/24 dev ipsec0") != std::string::npos);

  // Still confined while working, and no call was refused along the way.
  gw.io.restart();
  gw.io.poll();
  for (const auto* l : {&a, &b}) {
    const auto status = test::procStatus(l->supervisor->pid());
    CHECK(hexMask(status.at("CapEff")) == 0x1000);
    CHECK(status.at("Seccomp") == "2");
    for (const auto& line : l->log) {
      INFO(line);
      CHECK(line.find("Operation not permitted") == std::string::npos);
    }
  }
  CHECK(a.exits.empty());
  CHECK(b.exits.empty());
}
