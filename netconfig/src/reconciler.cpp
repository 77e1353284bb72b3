#include "netconfig/reconciler.hpp"

#include <algorithm>
#include <set>

namespace rempart::netconfig {

namespace {

std::string routeKeyText(const RouteSpec& r) {
  return "route " + r.destination.str() + " table " + std::to_string(r.table) + " metric " +
         std::to_string(r.metric);
}

}  // namespace

Result<DesiredState> mergeDesired(const std::map<std::string, DesiredState>& parts) {
  DesiredState out;
  // Which source contributed each merged object, to name both sides of a conflict.
  std::vector<std::string> link_from, address_from, route_from;
  auto conflict = [](const std::string& what, const std::string& a, const std::string& b) {
    return fail(ErrorCode::kConflict, what + ": sources " + a + " and " + b + " disagree");
  };
  for (const auto& [source, part] : parts) {
    for (const auto& link : part.links) {
      auto it = std::find_if(out.links.begin(), out.links.end(),
                             [&](const LinkSpec& l) { return l.name == link.name; });
      if (it == out.links.end()) {
        out.links.push_back(link);
        link_from.push_back(source);
        continue;
      }
      if (it->up != link.up || (it->mtu && link.mtu && *it->mtu != *link.mtu))
        return conflict("interface " + link.name, link_from[it - out.links.begin()], source);
      if (!it->mtu) it->mtu = link.mtu;
    }
    for (const auto& a : part.addresses) {
      auto it = std::find_if(out.addresses.begin(), out.addresses.end(), [&](const auto& x) {
        return x.interface == a.interface && x.address == a.address;
      });
      if (it == out.addresses.end()) {
        out.addresses.push_back(a);
        address_from.push_back(source);
      } else if (!(*it == a)) {
        return conflict("address " + a.address.str() + " on " + a.interface,
                        address_from[it - out.addresses.begin()], source);
      }
    }
    for (const auto& r : part.routes) {
      auto it = std::find_if(out.routes.begin(), out.routes.end(), [&](const RouteSpec& x) {
        return x.destination == r.destination && x.table == r.table && x.metric == r.metric;
      });
      if (it == out.routes.end()) {
        out.routes.push_back(r);
        route_from.push_back(source);
      } else if (!(*it == r)) {
        return conflict(routeKeyText(r), route_from[it - out.routes.begin()], source);
      }
    }
  }
  return out;
}

Result<DesiredState> Reconciler::merged(const std::map<std::string, DesiredState>& parts) const {
  return mergeDesired(parts);
}

Result<ApplyReport> Reconciler::apply(const std::string& source, DesiredState part) {
  auto parts = parts_;
  parts[source] = std::move(part);
  DesiredState desired = TRY(merged(parts));
  // Validate (and cap) before keeping anything: an invalid part changes nothing.
  if (auto r_ = (makePlan(desired, ActualState{}, limits_).map([](Plan) {})); !r_)
    return unexpected<Error>(r_.error());
  parts_ = std::move(parts);
  desired_ = std::move(desired);
  return reconcile();
}

Result<ApplyReport> Reconciler::withdraw(const std::string& source) {
  auto parts = parts_;
  auto it = parts.find(source);
  if (it == parts.end()) return reconcile();
  // Keep the part's links managed so that its addresses and routes are removed.
  DesiredState links_only;
  links_only.links = it->second.links;
  it->second = std::move(links_only);
  DesiredState desired = TRY(merged(parts));
  parts_ = std::move(parts);
  desired_ = std::move(desired);
  return reconcile();
}

Result<ApplyReport> Reconciler::reconcile() {
  actual_ = TRY(rtnl_.dump());
  Plan plan = TRY(makePlan(desired_, actual_, limits_));
  ApplyReport report;
  report.deferred = plan.deferred;
  if (plan.empty()) return report;  // the kernel already matches: send nothing
  ExecuteReport executed = TRY(rtnl_.execute(plan));
  report.changes_sent = executed.sent;
  report.failures = std::move(executed.failures);
  // Re-read so that actual() and addressStatus() reflect what the kernel made of the changes
  // (e.g. IPv6 addresses start tentative) even before notifications are fed in.
  actual_ = TRY(rtnl_.dump());
  return report;
}

Result<std::optional<ApplyReport>> Reconciler::handleEvents(const std::vector<RtnlEvent>& events) {
  std::set<std::string> managed;
  for (const auto& l : desired_.links) managed.insert(l.name);
  bool reapply = false;
  for (const auto& e : events) {
    if (e.kind == RtnlEvent::Kind::kOverrun) {
      reapply = true;
      continue;
    }
    if (e.kind == RtnlEvent::Kind::kNewLink && managed.count(e.link.name)) {
      const LinkState* before = actual_.findLink(e.link.ifindex);
      bool was_up = before && before->up();
      bool had_carrier = before && before->carrier();
      // Came up or regained carrier: the kernel dropped our routes (admin down) or may have
      // refused them meanwhile. A managed link that just appeared is also configured now.
      if (!before || (e.link.up() && !was_up) || (e.link.carrier() && !had_carrier)) reapply = true;
    }
    applyEvent(actual_, e);
  }
  if (!reapply || parts_.empty()) return std::optional<ApplyReport>{};
  ApplyReport report = TRY(reconcile());
  return std::optional<ApplyReport>{std::move(report)};
}

std::vector<AddressStatus> Reconciler::addressStatus() const {
  std::vector<AddressStatus> out;
  for (const auto& spec : desired_.addresses) {
    AddressStatus s{spec.interface, spec.address, AddressReadiness::kMissing};
    if (const LinkState* link = actual_.findLink(spec.interface)) {
      for (const auto& a : actual_.addresses) {
        if (a.ifindex != link->ifindex || a.address != spec.address) continue;
        s.readiness = a.dadFailed()   ? AddressReadiness::kDadFailed
                      : a.tentative() ? AddressReadiness::kTentative
                                      : AddressReadiness::kReady;
      }
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace rempart::netconfig
