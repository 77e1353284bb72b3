#include "compile_util.hpp"

#include "firewall/compiler.hpp"

namespace rempart::firewall::detail {

std::vector<IpPrefix> ofFamily(const std::vector<IpPrefix>& prefixes, Family f) {
  std::vector<IpPrefix> out;
  for (const IpPrefix& p : prefixes) {
    if (p.family() == f) out.push_back(p);
  }
  return out;
}

Chain baseChain(std::string name, Hook hook, bool lo_rule) {
  Chain c{std::move(name), hook, {}};
  c.rules.push_back({{CtStateVmap{}}, {}, {}});
  if (lo_rule && hook != Hook::kForward) {
    c.rules.push_back({{IfnameMatch{hook == Hook::kOutput, "lo"}}, accept(), {}});
  }
  return c;
}

Rule neighbourDiscovery(bool input) {
  // 133 router solicit, 134 router advert, 135 neighbour solicit, 136 neighbour advert
  IcmpTypeMatch m{
      true, input ? std::vector<uint8_t>{134, 135, 136} : std::vector<uint8_t>{133, 135, 136}};
  return {{m}, accept(), {}};
}

void appendLogDrop(Chain& chain, const std::string& prefix) {
  chain.rules.push_back({{LimitStmt{kLogPerSecond, false}, LogStmt{prefix, kLogGroup}}, {}, {}});
  appendCountedDrop(chain);
}

void appendCountedDrop(Chain& chain) {
  chain.rules.push_back({{CounterStmt{}}, drop(), {}});
}

void appendManagementSsh(const config::Management& management, const std::string& interface,
                         Ruleset& ruleset, Chain& input) {
  for (Family f : {Family::kV4, Family::kV6}) {
    std::vector<IpPrefix> sources = ofFamily(management.allowed_sources, f);
    if (sources.empty()) continue;
    std::string set = f == Family::kV4 ? "mgmt_ssh_v4" : "mgmt_ssh_v6";
    ruleset.sets.push_back({set, f, normalizePrefixes(sources), "management.allowed_sources"});
    PortMatch ssh{kIpprotoTcp, false, {{management.ssh_port, management.ssh_port}}};
    input.rules.push_back({{iif(interface), addrSet(f, true, set), ssh, CtStateNewMatch{},
                            LimitStmt{kSshNewPerMinute, true}},
                           accept(),
                           "management.allowed_sources"});
  }
}

Result<void> checkIfname(const std::string& name, const std::string& what) {
  if (name.empty() || name.size() > 15 || name.find_first_of("\"\\ \n") != std::string::npos) {
    return fail(ErrorCode::kInvalidInput,
                "topology: " + what + " interface name '" + name + "' is not a valid ifname");
  }
  return {};
}

}  // namespace rempart::firewall::detail
