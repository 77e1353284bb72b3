// The core namespace: uplink, management and the core ends of the transit links.
#include <algorithm>

#include "compile_util.hpp"
#include "firewall/compiler.hpp"

namespace rempart::firewall {
namespace {

using namespace detail;

// Peers a level accepts IKE/ESP from, in the family of its public address, or nullopt for
// "anyone": a DNS-named peer or a passive (road-warrior) tunnel cannot be pinned to addresses.
std::optional<std::vector<IpPrefix>> levelPeers(const config::Level& level, Family f) {
  std::vector<IpPrefix> peers;
  for (const config::Tunnel& t : level.tunnels) {
    if (t.start == config::StartMode::kPassive) return std::nullopt;
    std::optional<IpAddress> a = IpAddress::parse(t.remote_address);
    if (!a) return std::nullopt;
    if (a->family == f) peers.push_back(IpPrefix::host(*a));
  }
  return peers;
}

std::string familySuffix(Family f) {
  return f == Family::kV4 ? "_v4" : "_v6";
}

// IKE/NAT-T and ESP towards (inbound) or from (outbound) a level's public address.
void appendIke(std::vector<Rule>& rules, const config::Level& level, size_t index,
               const std::optional<std::string>& peer_set, bool inbound,
               const std::string& uplink) {
  Family f = level.public_address.family;
  std::string path = "levels[" + std::to_string(index) + "].tunnels";
  std::vector<Stmt> common;
  if (!uplink.empty()) common.push_back(IfnameMatch{false, uplink});
  common.push_back(addrList(f, !inbound, {IpPrefix::host(level.public_address)}));
  if (peer_set) common.push_back(addrSet(f, inbound, *peer_set));
  std::vector<Stmt> ike = common;
  ike.push_back(udpPorts(!inbound, {500, 4500}));
  rules.push_back({ike, accept(), path});
  std::vector<Stmt> esp = common;
  esp.push_back(L4ProtoMatch{kIpprotoEsp});
  rules.push_back({esp, accept(), path});
}

Result<void> checkTopology(const config::Config& config, const Topology& topo) {
  if (topo.levels.size() != config.levels.size()) {
    return fail(ErrorCode::kInvalidInput, "topology: " + std::to_string(topo.levels.size()) +
                                              " level links for " +
                                              std::to_string(config.levels.size()) + " levels");
  }
  TRY(checkIfname(topo.uplink, "uplink"));
  if (config.management) TRY(checkIfname(topo.management, "management"));
  for (const LevelLinks& l : topo.levels) {
    TRY(checkIfname(l.transit_core, "transit"));
    TRY(checkIfname(l.transit_level, "transit"));
    if (topo.dataplane == config::Dataplane::kLibipsec) TRY(checkIfname(l.tun, "tun"));
  }
  return {};
}

}  // namespace

Result<Ruleset> compileCore(const config::Config& config, const Topology& topo) {
  TRY(checkTopology(config, topo));
  Ruleset rs;
  Chain input = baseChain("input", Hook::kInput);
  Chain forward = baseChain("forward", Hook::kForward);
  Chain output = baseChain("output", Hook::kOutput);
  if (config.management) appendManagementSsh(*config.management, topo.management, rs, input);

  IfacePairVmap pairs;
  std::vector<Chain> zones;
  for (size_t i = 0; i < config.levels.size(); ++i) {
    const config::Level& level = config.levels[i];
    if (level.tunnels.empty()) continue;  // nobody to talk to: nothing to open
    Family f = level.public_address.family;
    std::optional<std::string> peer_set;
    if (auto peers = levelPeers(level, f)) {
      if (peers->empty()) continue;  // every peer is of the other family
      peer_set = "peers_" + level.name + familySuffix(f);
      rs.sets.push_back(
          {*peer_set, f, normalizePrefixes(*peers), "levels[" + std::to_string(i) + "].tunnels"});
    }
    // Input covers a public address that is local to the core; forward the routed /32.
    appendIke(input.rules, level, i, peer_set, true, topo.uplink);
    const std::string& transit = topo.levels[i].transit_core;
    Chain in{"z_uplink_" + level.name, std::nullopt, {}};
    Chain out{"z_" + level.name + "_uplink", std::nullopt, {}};
    appendIke(in.rules, level, i, peer_set, true, "");
    appendIke(out.rules, level, i, peer_set, false, "");
    pairs.entries.push_back({topo.uplink, transit, jump(in.name)});
    pairs.entries.push_back({transit, topo.uplink, jump(out.name)});
    zones.push_back(std::move(in));
    zones.push_back(std::move(out));
  }
  if (config.uplink.ipv4_dhcp) {
    input.rules.push_back(
        {{iif(topo.uplink), udpPorts(true, {67}), udpPorts(false, {68})}, accept(), "uplink.ipv4"});
    output.rules.push_back(
        {{oif(topo.uplink), udpPorts(true, {68}), udpPorts(false, {67})}, accept(), "uplink.ipv4"});
  }
  input.rules.push_back(neighbourDiscovery(true));
  output.rules.push_back(neighbourDiscovery(false));
  // Name resolution and time for the appliance itself.
  output.rules.push_back({{oif(topo.uplink), udpPorts(false, {53, 123})}, accept(), "system"});
  output.rules.push_back(
      {{oif(topo.uplink), PortMatch{kIpprotoTcp, false, {{53, 53}}}}, accept(), "system"});
  if (!pairs.entries.empty()) forward.rules.push_back({{pairs}, {}, {}});

  appendCountedDrop(input);
  appendCountedDrop(forward);
  appendCountedDrop(output);
  rs.chains.push_back(std::move(input));
  rs.chains.push_back(std::move(forward));
  rs.chains.push_back(std::move(output));
  for (Chain& z : zones) rs.chains.push_back(std::move(z));
  return rs;
}

Ruleset closedRuleset(const std::optional<config::Management>& management,
                      const std::string& management_interface) {
  Ruleset rs;
  Chain input = baseChain("input", Hook::kInput);
  Chain forward = baseChain("forward", Hook::kForward);
  Chain output = baseChain("output", Hook::kOutput);
  if (management) {
    appendManagementSsh(*management, management_interface, rs, input);
  } else if (!management_interface.empty()) {
    input.rules.push_back({{iif(management_interface), PortMatch{kIpprotoTcp, false, {{22, 22}}},
                            CtStateNewMatch{}, LimitStmt{kSshNewPerMinute, true}},
                           accept(),
                           "closed: management ssh"});
  }
  input.rules.push_back(neighbourDiscovery(true));
  output.rules.push_back(neighbourDiscovery(false));
  appendCountedDrop(input);
  appendCountedDrop(forward);
  appendCountedDrop(output);
  rs.chains.push_back(std::move(input));
  rs.chains.push_back(std::move(forward));
  rs.chains.push_back(std::move(output));
  return rs;
}

Topology defaultTopology(const config::Config& config) {
  Topology t;
  t.dataplane = config.system.dataplane;
  t.uplink = config.uplink.interface;
  if (config.management) t.management = config.management->interface;
  for (size_t i = 0; i < config.levels.size(); ++i) {
    t.levels.push_back({"tr" + std::to_string(i), "transit", "ipsec0"});
  }
  return t;
}

}  // namespace rempart::firewall
