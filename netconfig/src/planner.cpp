#include <linux/rtnetlink.h>

#include <map>
#include <set>
#include <tuple>

#include "netconfig/plan.hpp"

namespace rempart::netconfig {

namespace {

bool isIpv6LinkLocal(const IpAddress& a) {
  return a.family == Family::kV6 && a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
}

std::string lifetimeText(std::optional<uint32_t> valid) {
  return valid ? " valid " + std::to_string(*valid) + "s" : "";
}

using RouteKey = std::tuple<Family, uint32_t, IpPrefix, uint8_t, uint32_t>;
RouteKey keyOf(const RouteState& r) {
  return {r.destination.family(), r.table, r.destination, r.tos, r.metric};
}

// Equal as far as the configuration can say; the protocol is not compared so that an existing
// identical route is adopted. A desired route without interface lets the kernel pick oif.
bool sameContent(const RouteState& desired, const RouteState& actual) {
  return desired.type == actual.type && desired.gateway == actual.gateway &&
         (desired.oif == 0 || desired.oif == actual.oif) &&
         desired.preferred_source == actual.preferred_source && desired.mtu == actual.mtu;
}

// Kernel lifetimes count down, so an address we pushed 10 s ago no longer equals the desired
// lifetime. Refresh only when a quarter of the desired lifetime has elapsed (a DHCP renew at T1
// always refreshes), or when finite/forever differ.
bool lifetimeNeedsRefresh(std::optional<uint32_t> desired, uint32_t actual) {
  if (!desired) return actual != kForever;
  if (actual == kForever) return true;
  return uint64_t{actual} * 4 < uint64_t{*desired} * 3;
}

}  // namespace

Result<void> validateDesired(const DesiredState& d, const PlanLimits& limits) {
  if (d.links.size() > limits.max_links)
    return fail(ErrorCode::kLimit, "desired state has " + std::to_string(d.links.size()) +
                                       " links; the limit is " + std::to_string(limits.max_links));
  if (d.addresses.size() > limits.max_addresses)
    return fail(ErrorCode::kLimit, "desired state has " + std::to_string(d.addresses.size()) +
                                       " addresses; the limit is " +
                                       std::to_string(limits.max_addresses));
  if (d.routes.size() > limits.max_routes)
    return fail(ErrorCode::kLimit, "desired state has " + std::to_string(d.routes.size()) +
                                       " routes; the limit is " +
                                       std::to_string(limits.max_routes));
  std::set<std::string> managed;
  for (const auto& l : d.links) {
    if (l.name.empty() || l.name.size() >= 16)
      return fail(ErrorCode::kInvalidInput, "invalid interface name '" + l.name + "'");
    if (!managed.insert(l.name).second)
      return fail(ErrorCode::kInvalidInput, "interface " + l.name + " listed twice");
    if (l.mtu && (*l.mtu < 68 || *l.mtu > 65535))
      return fail(ErrorCode::kInvalidInput,
                  "interface " + l.name + ": mtu " + std::to_string(*l.mtu) + " out of range");
  }
  std::set<std::pair<std::string, IpPrefix>> addresses;
  for (const auto& a : d.addresses) {
    std::string what = "address " + a.address.str() + " on " + a.interface;
    if (!managed.count(a.interface))
      return fail(ErrorCode::kInvalidInput, what + ": interface is not managed");
    if (!addresses.insert({a.interface, a.address}).second)
      return fail(ErrorCode::kInvalidInput, what + " listed twice");
    if (a.preferred_lifetime && (!a.valid_lifetime || *a.preferred_lifetime > *a.valid_lifetime))
      return fail(ErrorCode::kInvalidInput, what + ": preferred lifetime exceeds valid lifetime");
  }
  std::set<RouteKey> routes;
  for (const auto& r : d.routes) {
    std::string what = "route " + r.destination.str();
    if (r.destination.hasHostBits())
      return fail(ErrorCode::kInvalidInput, what + ": destination has host bits set");
    if (r.gateway && r.gateway->family != r.destination.family())
      return fail(ErrorCode::kInvalidInput, what + ": gateway family differs from destination");
    if (r.preferred_source && r.preferred_source->family != r.destination.family())
      return fail(ErrorCode::kInvalidInput, what + ": source family differs from destination");
    if (r.table == 0 || r.table == RT_TABLE_LOCAL || r.table == kStrongswanTable)
      return fail(ErrorCode::kInvalidInput,
                  what + ": table " + std::to_string(r.table) + " is reserved");
    if (r.interface.empty() && !r.gateway)
      return fail(ErrorCode::kInvalidInput, what + ": needs an interface or a gateway");
    if (!r.interface.empty() && !managed.count(r.interface))
      return fail(ErrorCode::kInvalidInput,
                  what + ": interface " + r.interface + " is not managed");
    if (r.mtu && (*r.mtu < 68 || *r.mtu > 65535))
      return fail(ErrorCode::kInvalidInput, what + ": mtu out of range");
    RouteState k;
    k.table = r.table;
    k.destination = r.destination;
    k.metric = kernelMetric(r.destination, r.metric);
    if (!routes.insert(keyOf(k)).second)
      return fail(ErrorCode::kInvalidInput, what + " table " + std::to_string(r.table) +
                                                " metric " + std::to_string(r.metric) +
                                                " listed twice");
  }
  return {};
}

uint32_t kernelMetric(const IpPrefix& destination, uint32_t metric) {
  return destination.family() == Family::kV6 && metric == 0 ? 1024 : metric;
}

std::string LinkChange::describe() const {
  std::string s = "setting " + name;
  if (up) s += *up ? " up" : " down";
  if (mtu) s += std::string(up ? "," : "") + " mtu " + std::to_string(*mtu);
  return s;
}

std::string AddressChange::describe() const {
  switch (kind) {
    case ChangeKind::kAdd:
      return "adding address " + address.str() + lifetimeText(valid_lifetime) + " to " + interface;
    case ChangeKind::kChange:
      return "updating address " + address.str() + lifetimeText(valid_lifetime) + " on " +
             interface;
    case ChangeKind::kRemove:
      return "removing address " + address.str() + " from " + interface;
  }
  return {};
}

std::string RouteChange::describe() const {
  std::string verb = kind == ChangeKind::kAdd      ? "adding"
                     : kind == ChangeKind::kChange ? "replacing"
                                                   : "removing";
  std::string s = verb + " route " + route.destination.str();
  if (route.gateway) s += " via " + route.gateway->str();
  if (!interface.empty()) s += " dev " + interface;
  s += " table " + std::to_string(route.table) + " metric " + std::to_string(route.metric);
  return s;
}

Result<Plan> makePlan(const DesiredState& desired, const ActualState& actual,
                      const PlanLimits& limits) {
  if (auto r_ = (validateDesired(desired, limits)); !r_) return unexpected<Error>(r_.error());
  Plan plan;

  // Links. A managed interface that does not exist defers everything on it.
  std::map<std::string, const LinkState*> present;  // managed and existing
  std::set<std::string> down;                       // managed, desired down
  std::set<int> managed_ifindex;
  for (const auto& spec : desired.links) {
    const LinkState* link = actual.findLink(spec.name);
    if (!link) {
      plan.deferred.push_back(
          Error{ErrorCode::kNotFound, 0, "interface " + spec.name + " not found", {}});
      continue;
    }
    present[spec.name] = link;
    managed_ifindex.insert(link->ifindex);
    if (!spec.up) down.insert(spec.name);
    LinkChange change{link->ifindex, spec.name, {}, {}};
    if (spec.up != link->up()) change.up = spec.up;
    if (spec.mtu && *spec.mtu != link->mtu) change.mtu = spec.mtu;
    if (change.up || change.mtu) plan.links.push_back(change);
  }

  // Addresses.
  std::map<std::pair<int, IpPrefix>, const AddressState*> actual_addresses;
  for (const auto& a : actual.addresses) actual_addresses[{a.ifindex, a.address}] = &a;
  std::set<std::pair<int, IpPrefix>> wanted_addresses;
  std::vector<AddressChange> address_adds;
  for (const auto& spec : desired.addresses) {
    auto link = present.find(spec.interface);
    if (link == present.end()) continue;  // deferred with its link
    int ifindex = link->second->ifindex;
    wanted_addresses.insert({ifindex, spec.address});
    AddressChange change{ChangeKind::kAdd,    ifindex,
                         spec.interface,      spec.address,
                         spec.valid_lifetime, spec.preferred_lifetime};
    auto it = actual_addresses.find({ifindex, spec.address});
    if (it == actual_addresses.end()) {
      address_adds.push_back(change);
      continue;
    }
    const AddressState& a = *it->second;
    if (lifetimeNeedsRefresh(spec.valid_lifetime, a.valid_lifetime) ||
        lifetimeNeedsRefresh(
            spec.preferred_lifetime ? spec.preferred_lifetime : spec.valid_lifetime,
            a.preferred_lifetime)) {
      change.kind = ChangeKind::kChange;
      address_adds.push_back(change);
    }
  }
  for (const auto& a : actual.addresses) {
    if (!managed_ifindex.count(a.ifindex) || a.protocol != kRouteProtocol) continue;
    if (isIpv6LinkLocal(a.address.address) || wanted_addresses.count({a.ifindex, a.address}))
      continue;
    plan.addresses.push_back(AddressChange{ChangeKind::kRemove, a.ifindex,
                                           actual.findLink(a.ifindex)->name, a.address,
                                           std::nullopt, std::nullopt});
  }
  plan.addresses.insert(plan.addresses.end(), address_adds.begin(), address_adds.end());

  // Routes.
  std::multimap<RouteKey, const RouteState*> actual_routes;
  for (const auto& r : actual.routes) actual_routes.insert({keyOf(r), &r});
  std::set<RouteKey> wanted_routes;
  std::vector<RouteChange> route_adds;
  for (const auto& spec : desired.routes) {
    RouteState r;
    r.type = RTN_UNICAST;
    r.table = spec.table;
    r.destination = spec.destination;
    r.metric = kernelMetric(spec.destination, spec.metric);
    r.protocol = kRouteProtocol;
    r.scope = spec.gateway || spec.destination.family() == Family::kV6 ? RT_SCOPE_UNIVERSE
                                                                       : RT_SCOPE_LINK;
    r.gateway = spec.gateway;
    r.preferred_source = spec.preferred_source;
    r.mtu = spec.mtu;
    if (!spec.interface.empty()) {
      auto link = present.find(spec.interface);
      if (link == present.end()) continue;       // deferred with its link
      if (down.count(spec.interface)) continue;  // the kernel refuses routes via a down link
      r.oif = link->second->ifindex;
    }
    wanted_routes.insert(keyOf(r));
    RouteChange change{ChangeKind::kAdd, r, spec.interface};
    auto [first, last] = actual_routes.equal_range(keyOf(r));
    bool adopted = false;
    for (auto it = first; it != last && !adopted; ++it) adopted = sameContent(r, *it->second);
    if (adopted) continue;
    if (first != last) change.kind = ChangeKind::kChange;
    route_adds.push_back(change);
  }
  for (const auto& r : actual.routes) {
    if (r.protocol != kRouteProtocol || r.table == kStrongswanTable || r.table == RT_TABLE_LOCAL)
      continue;
    if (r.oif != 0 && !managed_ifindex.count(r.oif)) continue;
    if (wanted_routes.count(keyOf(r))) continue;  // replaced in place, or adopted
    const LinkState* link = actual.findLink(r.oif);
    plan.routes.push_back(RouteChange{ChangeKind::kRemove, r, link ? link->name : ""});
  }
  plan.routes.insert(plan.routes.end(), route_adds.begin(), route_adds.end());

  if (plan.addresses.size() > limits.max_addresses)
    return fail(ErrorCode::kLimit, "plan has " + std::to_string(plan.addresses.size()) +
                                       " address changes; the limit is " +
                                       std::to_string(limits.max_addresses));
  if (plan.routes.size() > limits.max_routes)
    return fail(ErrorCode::kLimit, "plan has " + std::to_string(plan.routes.size()) +
                                       " route changes; the limit is " +
                                       std::to_string(limits.max_routes));
  return plan;
}

}  // namespace rempart::netconfig
