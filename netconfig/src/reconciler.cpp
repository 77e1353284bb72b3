#include "netconfig/reconciler.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace rempart::netconfig {

namespace {

std::string routeKeyText(const RouteSpec& r) {
  return "route " + r.destination.str() + " table " + std::to_string(r.table) + " metric " +
         std::to_string(r.metric);
}

}  // namespace

Result<DesiredState> mergeDesired(const std::map<std::string, DesiredState>& parts) {
  if (parts.size() == 1) return parts.begin()->second;
  DesiredState out;
  // Index of each merged object, and the source that contributed it (to name both sides of a
  // conflict). Keys are the kernel identities: link name, (interface, address), route key.
  std::map<std::string, std::pair<size_t, std::string>> links;
  std::map<std::pair<std::string, IpPrefix>, std::pair<size_t, std::string>> addresses;
  std::map<std::tuple<IpPrefix, uint32_t, uint32_t>, std::pair<size_t, std::string>> routes;
  auto conflict = [](const std::string& what, const std::string& a, const std::string& b) {
    return fail(ErrorCode::kConflict, what + ": sources " + a + " and " + b + " disagree");
  };
  for (const auto& [source, part] : parts) {
    for (const auto& link : part.links) {
      auto [it, fresh] = links.try_emplace(link.name, out.links.size(), source);
      if (fresh) {
        out.links.push_back(link);
        continue;
      }
      LinkSpec& merged = out.links[it->second.first];
      if (merged.up != link.up || (merged.mtu && link.mtu && *merged.mtu != *link.mtu))
        return conflict("interface " + link.name, it->second.second, source);
      if (!merged.mtu) merged.mtu = link.mtu;
    }
    for (const auto& a : part.addresses) {
      auto [it, fresh] =
          addresses.try_emplace({a.interface, a.address}, out.addresses.size(), source);
      if (fresh)
        out.addresses.push_back(a);
      else if (!(out.addresses[it->second.first] == a))
        return conflict("address " + a.address.str() + " on " + a.interface, it->second.second,
                        source);
    }
    for (const auto& r : part.routes) {
      auto [it, fresh] =
          routes.try_emplace({r.destination, r.table, r.metric}, out.routes.size(), source);
      if (fresh)
        out.routes.push_back(r);
      else if (!(out.routes[it->second.first] == r))
        return conflict(routeKeyText(r), it->second.second, source);
    }
  }
  return out;
}

Result<DesiredState> Reconciler::merged(const std::map<std::string, DesiredState>& parts) const {
  return mergeDesired(parts);
}

Result<ApplyReport> Reconciler::apply(const std::string& source, DesiredState part) {
  // Swap the part in, and back out if the union is invalid: an invalid part changes nothing.
  // (Swapping instead of copying all parts keeps a no-op re-apply cheap.)
  auto [it, fresh] = parts_.try_emplace(source);
  std::swap(it->second, part);
  auto desired = merged(parts_);
  Result<void> valid = desired ? validateDesired(*desired, limits_) : Result<void>{};
  if (!desired || !valid) {
    if (fresh)
      parts_.erase(it);
    else
      std::swap(it->second, part);
    return unexpected<Error>(!desired ? desired.error() : valid.error());
  }
  desired_ = std::move(*desired);
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
