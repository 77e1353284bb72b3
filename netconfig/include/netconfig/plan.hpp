// The pure planner: diffs a DesiredState against the ActualState of one namespace into the list
// of link, address and route changes that makes the kernel match, under our ownership rules:
//  - links: only interfaces named in DesiredState::links are touched (up/down, MTU);
//  - addresses: we remove an address only if it sits on a managed interface, carries our
//    IFA_PROTO (kRouteProtocol, i.e. we created it), is not an IPv6 link-local address, and is
//    not desired. Existing addresses equal to desired ones are adopted as they are (no change);
//  - routes: we remove a route only if it carries our protocol, is not in table 220 (strongSwan)
//    or the local table, its output interface is managed (or absent), and it is not desired.
//    A desired route equal to an existing one (whoever created it) is adopted (no change); a
//    desired route whose kernel key (family, table, destination, tos, metric) holds a different
//    route replaces it: the configuration names that exact route.
// Nothing here does I/O; unit tests call makePlan() directly.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "netconfig/actual_state.hpp"
#include "netconfig/desired_state.hpp"

namespace rempart::netconfig {

struct PlanLimits {
  size_t max_links = 256;
  size_t max_addresses = 4096;  // desired addresses, and address changes in one plan
  size_t max_routes = 8192;     // desired routes, and route changes in one plan
};

enum class ChangeKind { kAdd, kChange, kRemove };

struct LinkChange {
  int ifindex = 0;
  std::string name;
  std::optional<bool> up;
  std::optional<unsigned> mtu;
  std::string describe() const;  // "setting lan0 up, mtu 1400"
  bool operator==(const LinkChange&) const = default;
};

struct AddressChange {
  ChangeKind kind = ChangeKind::kAdd;
  int ifindex = 0;
  std::string interface;
  IpPrefix address;
  std::optional<uint32_t> valid_lifetime;  // nullopt: forever
  std::optional<uint32_t> preferred_lifetime;
  std::string describe() const;  // "adding address 10.1.0.1/24 to lan0"
  bool operator==(const AddressChange&) const = default;
};

struct RouteChange {
  ChangeKind kind = ChangeKind::kAdd;
  RouteState route;              // kernel form: oif resolved, our protocol set for add/change
  std::string interface;         // for messages; may be empty for a gateway-only route
  std::string describe() const;  // "adding route 10.9.0.0/16 via 10.1.0.254 dev lan0 table 254"
  bool operator==(const RouteChange&) const = default;
};

struct Plan {
  std::vector<LinkChange> links;
  std::vector<AddressChange> addresses;  // removals first, then adds/changes
  std::vector<RouteChange> routes;       // removals first, then adds/changes
  // Desired objects that cannot be planned now (e.g. their interface does not exist yet); the
  // rest of the plan is still valid. Re-planned on the next reconcile.
  std::vector<Error> deferred;

  bool empty() const { return links.empty() && addresses.empty() && routes.empty(); }
  size_t size() const { return links.size() + addresses.size() + routes.size(); }
};

// Validates `desired` (kInvalidInput: host bits in a route destination, family mismatch,
// table 0/220/255, duplicates, objects on an unmanaged interface; kLimit: caps) and returns the
// changes. On error nothing is planned.
Result<Plan> makePlan(const DesiredState& desired, const ActualState& actual,
                      const PlanLimits& limits = {});

// The validation part of makePlan(): the same errors, without looking at the kernel.
Result<void> validateDesired(const DesiredState& desired, const PlanLimits& limits = {});

// The kernel stores IPv6 routes with metric 0 as 1024; the planner compares in kernel form.
uint32_t kernelMetric(const IpPrefix& destination, uint32_t metric);

}  // namespace rempart::netconfig
