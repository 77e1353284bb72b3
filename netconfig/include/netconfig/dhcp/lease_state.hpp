// Turns a DHCPv4 lease into the part of netconfig's DesiredState it owns: the address with the
// kernel valid lifetime, the default route, classless/static routes and the route MTU. This is
// where the TunnelVision (CVE-2024-3661) filter lives: a learned route that overlaps a protected
// prefix (a level's LAN, a tunnel traffic selector, the management network) is never installed.
// Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/ip.hpp"
#include "netconfig/desired_state.hpp"
#include "netconfig/dhcp/lease.hpp"

namespace rempart::netconfig::dhcp {

inline constexpr uint32_t kDhcpRouteMetric = 1024;
inline constexpr unsigned kMinUsableMtu = 576;  // the appliance refuses smaller DHCP MTUs

struct LeasePolicy {
  std::string interface;
  bool ignore_classless_routes = false;  // ignore options 121 and 33 entirely
  unsigned max_routes = 16;              // cap on routes learned from one lease
  unsigned link_mtu = 1500;              // a DHCP MTU above the configured link MTU is clamped
  uint32_t metric = kDhcpRouteMetric;
  std::vector<IpPrefix> protected_prefixes;
};

// The policy for the uplink of `config`: its DHCP switches and every protected prefix (all
// levels' LAN networks, all tunnels' local and remote traffic selectors, the management
// network).
LeasePolicy leasePolicyFor(const config::Config& config);

struct LeaseState {
  DesiredState desired;              // one link (no MTU change), one address, the allowed routes
  std::vector<std::string> refused;  // why each refused route or option was left out (log them)
};

// Routes come from option 121 when present (and not ignored); otherwise from option 33 plus a
// default route through the first router of option 3 (RFC 3442 precedence). A route is refused
// when its destination overlaps a protected prefix — the default route 0.0.0.0/0 excepted, since
// every protected prefix is reached through a more specific route or a policy table — and routes
// beyond max_routes are refused. If the leased subnet itself overlaps a protected prefix, the
// address is installed as a /32 so that no connected route shadows it. `now_unix` sets the
// address's remaining valid lifetime.
LeaseState leaseToDesiredState(const Lease& lease, const LeasePolicy& policy, int64_t now_unix);

}  // namespace rempart::netconfig::dhcp
