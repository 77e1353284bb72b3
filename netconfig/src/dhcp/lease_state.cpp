// Lease -> DesiredState, with the TunnelVision route filter.
#include "netconfig/dhcp/lease_state.hpp"

namespace rempart::netconfig::dhcp {
namespace {

const IpPrefix* overlapping(const IpPrefix& dest, const std::vector<IpPrefix>& protected_prefixes) {
  for (const auto& p : protected_prefixes)
    if (p.overlaps(dest)) return &p;
  return nullptr;
}

}  // namespace

LeasePolicy leasePolicyFor(const config::Config& config) {
  LeasePolicy p;
  p.interface = config.uplink.interface;
  p.ignore_classless_routes = config.uplink.dhcp.ignore_classless_routes;
  p.max_routes = config.uplink.dhcp.max_routes;
  p.link_mtu = config.uplink.mtu;
  for (const auto& level : config.levels) {
    for (const auto& lan : level.lans)
      for (const auto& a : lan.addresses) p.protected_prefixes.push_back(a.network());
    for (const auto& t : level.tunnels) {
      for (const auto& ts : t.local_ts) p.protected_prefixes.push_back(ts.network());
      for (const auto& ts : t.remote_ts) p.protected_prefixes.push_back(ts.network());
    }
  }
  if (config.management) p.protected_prefixes.push_back(config.management->address.network());
  return p;
}

LeaseState leaseToDesiredState(const Lease& lease, const LeasePolicy& policy, int64_t now_unix) {
  LeaseState out;
  out.desired.links.push_back(LinkSpec{policy.interface, true, std::nullopt});

  AddressSpec address{policy.interface, lease.address, std::nullopt, std::nullopt};
  if (const IpPrefix* p = overlapping(lease.address.network(), policy.protected_prefixes)) {
    out.refused.push_back("leased subnet " + lease.address.network().str() +
                          " overlaps protected prefix " + p->str() + ": address installed as /32");
    address.address.length = 32;
  }
  if (auto left = remainingSeconds(lease, now_unix)) {
    address.valid_lifetime = *left;
    address.preferred_lifetime = *left;
  }
  out.desired.addresses.push_back(address);

  std::optional<unsigned> mtu;
  if (lease.mtu) {
    if (*lease.mtu < kMinUsableMtu)
      out.refused.push_back("MTU " + std::to_string(*lease.mtu) + " is below " +
                            std::to_string(kMinUsableMtu));
    else
      mtu = std::min<unsigned>(*lease.mtu, policy.link_mtu);
  }

  // RFC 3442: with option 121 present, options 3 (for the default route) and 33 are ignored.
  std::vector<StaticRoute> learned;
  bool classless = !policy.ignore_classless_routes && !lease.classless_routes.empty();
  if (classless) {
    learned = lease.classless_routes;
  } else {
    if (!lease.routers.empty())
      learned.push_back({IpPrefix{IpAddress::v4(0), 0}, lease.routers.front()});
    if (!policy.ignore_classless_routes)
      learned.insert(learned.end(), lease.static_routes.begin(), lease.static_routes.end());
  }
  if (policy.ignore_classless_routes &&
      (!lease.classless_routes.empty() || !lease.static_routes.empty()))
    out.refused.push_back("options 121/33 ignored by configuration");

  for (const auto& r : learned) {
    std::string what = "route " + r.destination.str() + " via " + r.gateway.str();
    if (r.destination.length > 0) {
      if (const IpPrefix* p = overlapping(r.destination, policy.protected_prefixes)) {
        out.refused.push_back(what + " overlaps protected prefix " + p->str());
        continue;
      }
    }
    bool duplicate = false;
    for (const auto& have : out.desired.routes)
      duplicate = duplicate || have.destination == r.destination;
    if (duplicate) {
      out.refused.push_back(what + " duplicates an earlier route");
      continue;
    }
    if (out.desired.routes.size() >= policy.max_routes) {
      out.refused.push_back(what + " exceeds the cap of " + std::to_string(policy.max_routes) +
                            " routes");
      continue;
    }
    RouteSpec spec;
    spec.destination = r.destination;
    if (!r.gateway.isUnspecified()) spec.gateway = r.gateway;  // 0.0.0.0 in 121: on-link
    spec.interface = policy.interface;
    spec.metric = policy.metric;
    spec.preferred_source = lease.address.address;
    spec.mtu = mtu;
    out.desired.routes.push_back(spec);
  }
  return out;
}

}  // namespace rempart::netconfig::dhcp
