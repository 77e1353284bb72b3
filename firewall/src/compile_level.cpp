// A level namespace: LANs, the level end of the transit link, and the tunnel device "ipsec0"
// (the XFRM interface of the kernel dataplane, charon's TUN for libipsec). Cleartext only ever
// flows between the LANs and the tunnel device; LAN <-> transit is always a leak.
#include <algorithm>

#include "compile_util.hpp"
#include "firewall/compiler.hpp"

namespace rempart::firewall {
namespace {

using namespace detail;

constexpr const char* kToTunnel = "z_lan_tunnel";
constexpr const char* kFromTunnel = "z_tunnel_lan";
constexpr const char* kCleartext = "z_cleartext";

struct Ctx {
  const config::Level& level;
  size_t index;
  const LevelLinks& links;
  bool kernel;
  std::string path;  // "levels[i]"
};

std::string groupSet(const std::string& group, Family f) {
  return "g_" + group + (f == Family::kV4 ? "_v4" : "_v6");
}

// One side of a rule in family f: nullopt when the side has addresses but none of family f
// (the rule cannot match in that family); an empty vector when the side is "any".
Result<std::optional<std::vector<Stmt>>> endpointMatch(const Ctx& c, const config::Endpoint& e,
                                                       Family f, bool source,
                                                       const std::string& where) {
  std::vector<Stmt> out;
  if (e.prefixes.empty() && e.groups.empty()) return std::optional<std::vector<Stmt>>(out);
  std::vector<IpPrefix> all = ofFamily(e.prefixes, f);
  for (const std::string& g : e.groups) {
    auto it =
        std::find_if(c.level.firewall.address_groups.begin(), c.level.firewall.address_groups.end(),
                     [&](const config::AddressGroup& a) { return a.name == g; });
    if (it == c.level.firewall.address_groups.end()) {
      return fail(ErrorCode::kInvalidInput, where + ": unknown address group '" + g + "'");
    }
    std::vector<IpPrefix> mine = ofFamily(it->prefixes, f);
    all.insert(all.end(), mine.begin(), mine.end());
  }
  if (all.empty()) return std::optional<std::vector<Stmt>>();
  bool single_group = e.prefixes.empty() && e.groups.size() == 1;
  if (single_group) {
    out.push_back(addrSet(f, source, groupSet(e.groups[0], f)));
  } else {
    out.push_back(addrList(f, source, all));
  }
  return std::optional<std::vector<Stmt>>(out);
}

std::optional<Stmt> protocolMatch(const config::AllowRule& r) {
  using P = config::Protocol;
  switch (r.protocol) {
    case P::kAny:
      return std::nullopt;
    case P::kIcmp:
      return L4ProtoMatch{kIpprotoIcmp};
    case P::kIcmpv6:
      return L4ProtoMatch{kIpprotoIcmpv6};
    case P::kTcp:
    case P::kUdp: {
      uint8_t proto = r.protocol == P::kTcp ? kIpprotoTcp : kIpprotoUdp;
      if (r.ports.empty()) return L4ProtoMatch{proto};
      std::vector<config::PortRange> ports = r.ports;
      std::sort(ports.begin(), ports.end());
      std::vector<config::PortRange> merged;
      for (const auto& p : ports) {
        if (!merged.empty() && p.first <= merged.back().last + 1u) {
          merged.back().last = std::max(merged.back().last, p.last);
        } else {
          merged.push_back(p);
        }
      }
      return PortMatch{proto, false, merged};
    }
  }
  return std::nullopt;
}

Result<void> appendAllow(const Ctx& c, size_t j, Chain& to_tunnel, Chain& from_tunnel) {
  const config::AllowRule& r = c.level.firewall.allow[j];
  std::string where = c.path + ".firewall.allow[" + std::to_string(j) + "]";
  bool outbound = r.direction == config::Direction::kOutbound;
  const config::Tunnel* tunnel = nullptr;
  size_t tunnel_index = 0;
  if (!r.tunnel.empty()) {
    tunnel = c.level.findTunnel(r.tunnel);
    if (!tunnel)
      return fail(ErrorCode::kInvalidInput, where + ": unknown tunnel '" + r.tunnel + "'");
    tunnel_index = static_cast<size_t>(tunnel - c.level.tunnels.data());
  }
  std::vector<Stmt> head;
  // Inbound kernel traffic keeps the secpath of the SA that decrypted it: its reqid names the
  // tunnel. Outbound traffic meets its SA only inside the XFRM interface, after the forward
  // hook, so there (and everywhere with libipsec, whose one TUN carries every tunnel) the
  // remote traffic selectors name the tunnel.
  if (tunnel && c.kernel && !outbound)
    head.push_back(IpsecMatch{IpsecMatch::kReqidIn, tunnelReqid(tunnel_index)});
  const bool ts_match = tunnel && (!c.kernel || outbound);
  std::optional<Stmt> proto = protocolMatch(r);
  bool has_addresses = !r.source.prefixes.empty() || !r.source.groups.empty() ||
                       !r.destination.prefixes.empty() || !r.destination.groups.empty() || ts_match;
  Chain& chain = outbound ? to_tunnel : from_tunnel;
  auto emit = [&](std::vector<Stmt> stmts) {
    if (proto) stmts.push_back(*proto);
    chain.rules.push_back({std::move(stmts), accept(), where});
  };
  if (!has_addresses) {
    emit(head);
    return {};
  }
  for (Family f : {Family::kV4, Family::kV6}) {
    if (r.protocol == config::Protocol::kIcmp && f != Family::kV4) continue;
    if (r.protocol == config::Protocol::kIcmpv6 && f != Family::kV6) continue;
    auto src = TRY(endpointMatch(c, r.source, f, true, where));
    auto dst = TRY(endpointMatch(c, r.destination, f, false, where));
    if (!src || !dst) continue;
    std::vector<Stmt> stmts = head;
    stmts.insert(stmts.end(), src->begin(), src->end());
    stmts.insert(stmts.end(), dst->begin(), dst->end());
    if (ts_match) {
      std::vector<IpPrefix> ts = ofFamily(tunnel->remote_ts, f);
      if (ts.empty()) continue;
      stmts.push_back(addrList(f, !outbound, ts));
    }
    emit(std::move(stmts));
  }
  return {};
}

}  // namespace

Result<Ruleset> compileLevel(const config::Config& config, const Topology& topo, size_t i) {
  if (i >= config.levels.size() || topo.levels.size() != config.levels.size()) {
    return fail(ErrorCode::kInvalidInput, "topology: no level " + std::to_string(i));
  }
  const config::Level& level = config.levels[i];
  Ctx c{level, i, topo.levels[i], topo.dataplane == config::Dataplane::kKernel,
        "levels[" + std::to_string(i) + "]"};
  TRY(checkIfname(c.links.transit_level, "transit"));
  TRY(checkIfname(c.links.tun, "tun"));
  for (const config::Lan& lan : level.lans) TRY(checkIfname(lan.interface, "lan"));

  Ruleset rs;
  for (size_t g = 0; g < level.firewall.address_groups.size(); ++g) {
    const config::AddressGroup& group = level.firewall.address_groups[g];
    for (Family f : {Family::kV4, Family::kV6}) {
      std::vector<IpPrefix> p = ofFamily(group.prefixes, f);
      if (p.empty()) continue;
      rs.sets.push_back({groupSet(group.name, f), f, normalizePrefixes(p),
                         c.path + ".firewall.address_groups[" + std::to_string(g) + "]"});
    }
  }
  std::string log_prefix = "rempart " + level.name + " drop: ";
  const std::string& transit = c.links.transit_level;
  const std::string& tunnel_if = c.links.tun;

  Chain input = baseChain("input", Hook::kInput);
  // Forward opens with the cleartext guard, before the ct state vmap: a flow established
  // through the tunnel must not continue in clear when the tunnel's route goes away.
  Chain forward{"forward", Hook::kForward, {}};
  Chain output = baseChain("output", Hook::kOutput);
  Chain to_tunnel{kToTunnel, std::nullopt, {}};
  Chain from_tunnel{kFromTunnel, std::nullopt, {}};
  Chain cleartext{kCleartext, std::nullopt, {}};

  std::string ike_path = c.path + ".tunnels";
  input.rules.push_back({{iif(transit), udpPorts(false, {500, 4500})}, accept(), ike_path});
  input.rules.push_back({{iif(transit), L4ProtoMatch{kIpprotoEsp}}, accept(), ike_path});
  output.rules.push_back({{oif(transit), udpPorts(true, {500, 4500})}, accept(), ike_path});
  output.rules.push_back({{oif(transit), L4ProtoMatch{kIpprotoEsp}}, accept(), ike_path});
  IfacePairVmap pairs, guard;
  for (const config::Lan& lan : level.lans) {
    input.rules.push_back(
        {{iif(lan.interface), IcmpTypeMatch{false, {8}}}, accept(), c.path + ".lans"});
    input.rules.push_back(
        {{iif(lan.interface), IcmpTypeMatch{true, {128}}}, accept(), c.path + ".lans"});
    pairs.entries.push_back({lan.interface, tunnel_if, jump(kToTunnel)});
    pairs.entries.push_back({tunnel_if, lan.interface, jump(kFromTunnel)});
    guard.entries.push_back({lan.interface, transit, jump(kCleartext)});
    guard.entries.push_back({transit, lan.interface, jump(kCleartext)});
  }
  if (!guard.entries.empty()) forward.rules.push_back({{guard}, {}, {}});
  forward.rules.push_back({{CtStateVmap{}}, {}, {}});
  input.rules.push_back(neighbourDiscovery(true));
  output.rules.push_back(neighbourDiscovery(false));
  for (size_t j = 0; j < level.firewall.allow.size(); ++j) {
    TRY(appendAllow(c, j, to_tunnel, from_tunnel));
  }
  if (!pairs.entries.empty()) forward.rules.push_back({{pairs}, {}, {}});
  appendLogDrop(cleartext, "rempart " + level.name + " cleartext: ");
  appendLogDrop(input, log_prefix);
  appendLogDrop(forward, log_prefix);
  appendLogDrop(output, log_prefix);
  for (Chain* ch : {&input, &forward, &output, &to_tunnel, &from_tunnel, &cleartext}) {
    rs.chains.push_back(std::move(*ch));
  }
  return rs;
}

}  // namespace rempart::firewall
