#include "gateway/topology.hpp"

#include <algorithm>

namespace rempart::gateway {

namespace {

using netconfig::AddressSpec;
using netconfig::LinkSpec;
using netconfig::RouteSpec;

IpPrefix transitAddress(size_t index, uint8_t host) {
  // 169.254.<index+1>.0/30: link-local, never routed beyond the transit pair.
  uint32_t net = (169u << 24) | (254u << 16) | (static_cast<uint32_t>(index + 1) << 8);
  return IpPrefix{IpAddress::v4(net | host), 30};
}

IpPrefix defaultRoute(Family f) {
  IpAddress any;
  any.family = f;
  return IpPrefix{any, 0};
}

void planCore(const config::Config& c, TopologyPlan& plan) {
  auto& net = plan.core_network;
  const auto& up = c.uplink;
  net.links.push_back(LinkSpec{up.interface, true, up.mtu});
  if (up.ipv4_static) {
    net.addresses.push_back(AddressSpec{up.interface, up.ipv4_static->address, {}, {}});
    if (up.ipv4_static->gateway) {
      net.routes.push_back(RouteSpec{defaultRoute(Family::kV4),
                                     up.ipv4_static->gateway,
                                     up.interface,
                                     netconfig::kMainTable,
                                     0,
                                     {},
                                     {}});
    }
  }
  if (up.ipv6) {
    net.addresses.push_back(AddressSpec{up.interface, up.ipv6->address, {}, {}});
    if (up.ipv6->gateway) {
      net.routes.push_back(RouteSpec{defaultRoute(Family::kV6),
                                     up.ipv6->gateway,
                                     up.interface,
                                     netconfig::kMainTable,
                                     0,
                                     {},
                                     {}});
    }
  }
  if (c.management) {
    net.links.push_back(LinkSpec{c.management->interface, true, {}});
    net.addresses.push_back(AddressSpec{c.management->interface, c.management->address, {}, {}});
  }
}

void planLevel(const config::Config& c, const config::Level& l, LevelPlan& lp, TopologyPlan& plan) {
  const auto& t = lp.transit;
  // Core side: the transit link and the route of the level's public /32 into it.
  plan.core_network.links.push_back(LinkSpec{t.core_ifname, true, {}});
  plan.core_network.addresses.push_back(AddressSpec{t.core_ifname, t.core_address, {}, {}});
  plan.core_network.routes.push_back(RouteSpec{IpPrefix::host(l.public_address),
                                               t.level_address.address,
                                               t.core_ifname,
                                               netconfig::kMainTable,
                                               0,
                                               {},
                                               {}});
  plan.proxied_public_addresses.push_back(IpPrefix::host(l.public_address));

  // Level side: transit with the public address, default route back to the core, the LANs.
  auto& net = lp.network;
  net.links.push_back(LinkSpec{"lo", true, {}});
  net.links.push_back(LinkSpec{t.level_ifname, true, {}});
  net.addresses.push_back(AddressSpec{t.level_ifname, t.level_address, {}, {}});
  net.addresses.push_back(AddressSpec{t.level_ifname, IpPrefix::host(l.public_address), {}, {}});
  net.routes.push_back(RouteSpec{defaultRoute(Family::kV4),
                                 t.core_address.address,
                                 t.level_ifname,
                                 netconfig::kMainTable,
                                 0,
                                 {},
                                 {}});
  if (c.system.dataplane == config::Dataplane::kKernel) {
    // Route-based IPsec: the remote traffic selectors go into the XFRM interface, whose if_id
    // selects this level's policies; nothing else is ever encrypted, and nothing routed there
    // leaves in clear (no SA: the packet is dropped).
    lp.xfrm_if_id = levelXfrmIfId(lp.index);
    net.links.push_back(LinkSpec{kLevelTunnelName, true, {}});
    for (const auto& tunnel : l.tunnels) {
      for (const auto& ts : tunnel.remote_ts) {
        RouteSpec r{ts, {}, kLevelTunnelName, netconfig::kMainTable, 0, {}, {}};
        if (std::find(net.routes.begin(), net.routes.end(), r) == net.routes.end())
          net.routes.push_back(r);
      }
    }
  }
  for (const auto& lan : l.lans) {
    lp.lan_interfaces.push_back(lan.interface);
    net.links.push_back(LinkSpec{lan.interface, true, lan.mtu});
    for (const auto& a : lan.addresses)
      net.addresses.push_back(AddressSpec{lan.interface, a, {}, {}});
    for (const auto& r : lan.routes) {
      net.routes.push_back(
          RouteSpec{r.destination, r.via, lan.interface, netconfig::kMainTable, r.metric, {}, {}});
    }
  }
}

}  // namespace

std::string coreTransitName(size_t level_index) {
  return "tr" + std::to_string(level_index);
}

TopologyPlan planTopology(const config::Config& c, const InstancePaths& paths) {
  TopologyPlan plan;
  planCore(c, plan);
  for (size_t i = 0; i < c.levels.size(); ++i) {
    const auto& l = c.levels[i];
    LevelPlan lp;
    lp.name = l.name;
    lp.index = i;
    lp.netns_path = paths.runtime_dir / "netns" / l.name;
    lp.runtime_dir = paths.runtime_dir / "levels" / l.name;
    lp.keystore_dir = paths.state_dir / "keystore" / l.name;
    lp.transit = TransitLink{coreTransitName(i), kLevelTransitName, transitAddress(i, 1),
                             transitAddress(i, 2)};
    lp.public_address = l.public_address;
    planLevel(c, l, lp, plan);
    plan.levels.push_back(std::move(lp));
  }
  return plan;
}

}  // namespace rempart::gateway
