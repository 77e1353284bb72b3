// Small builders shared by the core and level compilers.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "firewall/ruleset.hpp"
#include "firewall/topology.hpp"

namespace rempart::firewall::detail {

inline constexpr uint8_t kIpprotoIcmp = 1, kIpprotoTcp = 6, kIpprotoUdp = 17, kIpprotoEsp = 50,
                         kIpprotoIcmpv6 = 58;

inline Verdict accept() {
  return {Verdict::kAccept, {}};
}
inline Verdict drop() {
  return {Verdict::kDrop, {}};
}
inline Verdict jump(std::string chain) {
  return {Verdict::kJump, std::move(chain)};
}

inline IfnameMatch iif(const std::string& n) {
  return {false, n};
}
inline IfnameMatch oif(const std::string& n) {
  return {true, n};
}
inline PortMatch udpPorts(bool source, std::vector<uint16_t> ports) {
  PortMatch m{kIpprotoUdp, source, {}};
  for (uint16_t p : ports) m.ports.push_back({p, p});
  return m;
}
inline AddrMatch addrSet(Family f, bool source, std::string set) {
  return {f, source, std::move(set), {}};
}
inline AddrMatch addrList(Family f, bool source, std::vector<IpPrefix> prefixes) {
  return {f, source, {}, normalizePrefixes(std::move(prefixes))};
}

// Prefixes of one family from a list.
std::vector<IpPrefix> ofFamily(const std::vector<IpPrefix>& prefixes, Family f);

// Base chain with `ct state vmap` and (unless skip_lo) `iifname/oifname "lo" accept` in place.
Chain baseChain(std::string name, Hook hook, bool lo_rule = true);

// ICMPv6 neighbour discovery (input or output), needed by any IPv6 interface.
Rule neighbourDiscovery(bool input);

// The rate-limited NFLOG rule and the final counted drop.
void appendLogDrop(Chain& chain, const std::string& prefix);
void appendCountedDrop(Chain& chain);

// Adds sets and SSH rules for the management interface to `input`.
void appendManagementSsh(const config::Management& management, const std::string& interface,
                         Ruleset& ruleset, Chain& input);

// Checks the name is a plausible kernel interface name (non-empty, < IFNAMSIZ, no quotes).
Result<void> checkIfname(const std::string& name, const std::string& what);

}  // namespace rempart::firewall::detail
