// Real packets through the compiled rulesets: a core and two levels in namespaces, with LAN
// hosts, a remote site behind level a's tunnel interface (libipsec dataplane: a device named
// ipsec0), a peer on the uplink and an admin on the management link. Every "blocked" check has
// a control that passes before the firewall is applied, so a broken topology cannot pass.
#include <catch2/catch.hpp>

#include "firewall/compiler.hpp"
#include "firewall/nft_backend.hpp"
#include "netns_fixture.hpp"
#include "test_util.hpp"

using namespace rempart;
using namespace rempart::firewall;
using namespace rempart::firewall::test;

namespace {

const char* kConfig = R"(
system: {hostname: t, dataplane: libipsec}
uplink: {interface: eth0, ipv4: {address: 192.0.2.10/24, gateway: 192.0.2.1}}
management:
  interface: mgmt0
  address: 10.255.0.1/24
  ssh_port: 22
  allowed_sources: [10.255.0.0/25]
levels:
  - name: a
    public_address: 192.0.2.11
    identity: {id: a.example}
    credentials: [{name: k, type: psk}]
    lans: [{interface: lan0, addresses: [10.1.0.1/24]}]
    tunnels:
      - {name: remote, remote_address: 192.0.2.1, remote_id: r.example, auth: psk, psk: k,
         local_ts: [10.1.0.0/24], remote_ts: [10.2.0.0/24]}
    firewall:
      allow:
        - {direction: inbound, tunnel: remote, protocol: tcp, ports: [22],
           source: [10.2.0.0/25], destination: [10.1.0.0/24]}
        - {direction: inbound, tunnel: remote, protocol: icmp}
        - {direction: outbound, tunnel: remote, protocol: udp, ports: [53]}
  - name: b
    public_address: 192.0.2.12
    identity: {id: b.example}
    credentials: [{name: k, type: psk}]
    lans: [{interface: lan1, addresses: [10.3.0.1/24]}]
    tunnels:
      - {name: remote, remote_address: 192.0.2.1, remote_id: r.example, auth: psk, psk: k,
         local_ts: [10.3.0.0/24], remote_ts: [10.4.0.0/24]}
    firewall:
      allow:
        - {direction: outbound, protocol: any}
roles: {admin: [alice]}
)";

void buildTopology(const Netns& ns) {
  ns.link("core", "eth0", "192.0.2.10/24", "wan", "eth0", "192.0.2.1/24");
  must("ip -n " + ns.name("wan") + " addr add 192.0.2.2/24 dev eth0");
  ns.link("core", "mgmt0", "10.255.0.1/24", "admin", "eth0", "10.255.0.2/24");
  must("ip -n " + ns.name("admin") + " addr add 10.255.0.200/24 dev eth0");
  const char* lv[] = {"lva", "lvb"};
  const char* lan[] = {"lana", "lanb"};
  for (int i = 0; i < 2; ++i) {
    std::string n = std::to_string(i + 1), core = ns.name("core"), l = ns.name(lv[i]);
    ns.link("core", "tr" + std::to_string(i), "169.254." + n + ".1/30", lv[i], "transit",
            "169.254." + n + ".2/30");
    std::string lan_net = i == 0 ? "10.1.0" : "10.3.0";
    ns.link(lv[i], i == 0 ? "lan0" : "lan1", lan_net + ".1/24", lan[i], "eth0", lan_net + ".5/24");
    must("ip -n " + ns.name(lan[i]) + " route add default via " + lan_net + ".1");
    must("ip -n " + l + " addr add 192.0.2.1" + n + "/32 dev transit");
    must("ip -n " + l + " route add default via 169.254." + n + ".1");
    must("ip -n " + core + " route add " + lan_net + ".0/24 via 169.254." + n + ".2");
    must("ip -n " + core + " route add 192.0.2.1" + n + "/32 via 169.254." + n + ".2");
    must("ip -n " + ns.name("wan") + " route add 192.0.2.1" + n + "/32 via 192.0.2.10");
    must(ns.exec(lv[i]) + "sysctl -qw net.ipv4.ip_forward=1");
  }
  must(ns.exec("core") + "sysctl -qw net.ipv4.ip_forward=1");
  must("ip -n " + ns.name("wan") + " route add 10.0.0.0/8 via 192.0.2.10");
  // The remote site behind level a's tunnel device.
  ns.link("lva", "ipsec0", "10.9.1.1/30", "rema", "eth0", "10.9.1.2/30");
  must("ip -n " + ns.name("rema") + " addr add 10.2.0.5/32 dev eth0");
  must("ip -n " + ns.name("rema") + " addr add 10.2.0.200/32 dev eth0");
  must("ip -n " + ns.name("rema") + " route add default via 10.9.1.1");
  must("ip -n " + ns.name("lva") + " route add 10.2.0.0/24 via 10.9.1.2");
  ns.link("lvb", "ipsec0", "10.9.2.1/30", "remb", "eth0", "10.9.2.2/30");
  must("ip -n " + ns.name("remb") + " addr add 10.4.0.5/32 dev eth0");
  must("ip -n " + ns.name("remb") + " route add default via 10.9.2.1");
  must("ip -n " + ns.name("lvb") + " route add 10.4.0.0/24 via 10.9.2.2");
}

}  // namespace

TEST_CASE("packets pass exactly as the compiled policy says", "[netns][packets]") {
  config::Config cfg = parseYaml(kConfig);
  Netns ns("fwp", {"core", "lva", "lvb", "lana", "lanb", "rema", "remb", "wan", "admin"});
  buildTopology(ns);

  // Controls: everything flows while no firewall is loaded.
  REQUIRE(pingPasses(ns, "lana", "10.3.0.5"));
  REQUIRE(pingPasses(ns, "lana", "192.0.2.1"));
  REQUIRE(tcpPasses(ns, "rema", "lana", "10.1.0.5", 23, "10.2.0.200"));
  REQUIRE(tcpPasses(ns, "admin", "core", "10.255.0.1", 22, "10.255.0.200"));
  REQUIRE(udpPasses(ns, "wan", "lva", "192.0.2.11", 501));
  REQUIRE(tcpPasses(ns, "remb", "lanb", "10.3.0.5", 80, "10.4.0.5"));

  Topology topo = defaultTopology(cfg);
  auto core = compileCore(cfg, topo);
  REQUIRE(core);
  REQUIRE(NftBackend::create(ns.path("core"))->apply(*core));
  for (size_t i = 0; i < 2; ++i) {
    auto level = compileLevel(cfg, topo, i);
    REQUIRE(level);
    REQUIRE(NftBackend::create(ns.path(i == 0 ? "lva" : "lvb"))->apply(*level));
  }

  {
    INFO("allow[0]: inbound tcp/22 from 10.2.0.0/25 only");
    CHECK(tcpPasses(ns, "rema", "lana", "10.1.0.5", 22, "10.2.0.5"));
    CHECK_FALSE(tcpPasses(ns, "rema", "lana", "10.1.0.5", 22, "10.2.0.200"));
    CHECK_FALSE(tcpPasses(ns, "rema", "lana", "10.1.0.5", 23, "10.2.0.5"));
    CHECK_FALSE(udpPasses(ns, "rema", "lana", "10.1.0.5", 22));
  }
  {
    INFO("allow[1]: inbound icmp; outbound icmp is not allowed");
    CHECK(pingPasses(ns, "rema", "10.1.0.5", "10.2.0.5"));
    CHECK_FALSE(pingPasses(ns, "lana", "10.2.0.5"));
  }
  {
    INFO("allow[2]: outbound udp/53 only");
    CHECK(udpPasses(ns, "lana", "rema", "10.2.0.5", 53));
    CHECK_FALSE(udpPasses(ns, "lana", "rema", "10.2.0.5", 54));
    CHECK_FALSE(tcpPasses(ns, "lana", "rema", "10.2.0.5", 53));
  }
  {
    INFO("level b allow[0]: outbound any; nothing inbound");
    CHECK(tcpPasses(ns, "lanb", "remb", "10.4.0.5", 80));
    CHECK(udpPasses(ns, "lanb", "remb", "10.4.0.5", 9999));
    CHECK(pingPasses(ns, "lanb", "10.4.0.5"));
    CHECK_FALSE(tcpPasses(ns, "remb", "lanb", "10.3.0.5", 80, "10.4.0.5"));
    CHECK_FALSE(pingPasses(ns, "remb", "10.3.0.5", "10.4.0.5"));
  }
  {
    INFO("level to level is blocked both ways");
    CHECK_FALSE(pingPasses(ns, "lana", "10.3.0.5"));
    CHECK_FALSE(pingPasses(ns, "lanb", "10.1.0.5"));
    CHECK_FALSE(tcpPasses(ns, "lanb", "lana", "10.1.0.5", 22));
    CHECK_FALSE(udpPasses(ns, "lana", "lanb", "10.3.0.5", 53));
  }
  {
    INFO("LAN cleartext towards the uplink is blocked");
    CHECK_FALSE(pingPasses(ns, "lana", "192.0.2.1"));
    CHECK_FALSE(tcpPasses(ns, "lanb", "wan", "192.0.2.1", 80));
    CHECK_FALSE(udpPasses(ns, "lana", "wan", "192.0.2.1", 53));
  }
  {
    INFO("SSH only from the allowed prefixes, only on the management link");
    CHECK(tcpPasses(ns, "admin", "core", "10.255.0.1", 22, "10.255.0.2"));
    CHECK_FALSE(tcpPasses(ns, "admin", "core", "10.255.0.1", 22, "10.255.0.200"));
    CHECK_FALSE(tcpPasses(ns, "wan", "core", "192.0.2.10", 22));
  }
  {
    INFO("IKE reaches a level from its configured peer only");
    CHECK(udpPasses(ns, "wan", "lva", "192.0.2.11", 500));
    CHECK(udpPasses(ns, "wan", "lvb", "192.0.2.12", 4500));
    CHECK_FALSE(udpPasses(ns, "wan", "lva", "192.0.2.11", 500, "192.0.2.2"));
    CHECK_FALSE(udpPasses(ns, "wan", "lva", "192.0.2.11", 501));
    CHECK_FALSE(tcpPasses(ns, "wan", "lva", "192.0.2.11", 500));
  }
  {
    INFO("an established flow does not continue in clear once the tunnel route is gone");
    auto backend = NftBackend::create(ns.path("lva"));
    REQUIRE(backend);
    auto guarded = [&] {
      auto rules = backend->readRules();
      REQUIRE(rules);
      uint64_t n = 0;
      for (const RuleReadback& r : *rules) {
        if (r.chain == "z_cleartext" && r.has_counter) n += r.packets;
      }
      return n;
    };
    REQUIRE(pingPasses(ns, "rema", "10.1.0.5", "10.2.0.5"));
    uint64_t before = guarded();
    // As when the tunnel device disappears: the remote site is now routed via transit.
    must("ip -n " + ns.name("lva") + " route replace 10.2.0.0/24 via 169.254.1.1 dev transit");
    CHECK_FALSE(pingPasses(ns, "rema", "10.1.0.5", "10.2.0.5"));
    // The echo reply belonged to an established flow, yet the guard dropped and counted it.
    CHECK(guarded() > before);
  }
}
