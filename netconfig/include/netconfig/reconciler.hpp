// Keeps one network namespace's links, addresses and routes equal to the union of desired-state
// parts ("static" from the config, "dhcp:<if>" from a DHCP lease...). Each reconcile dumps the
// kernel, plans (plan.hpp, which states the ownership rules) and executes through an Rtnl.
// Re-applying an unchanged state sends no change message at all.
//
// Threading: not thread-safe. Everything runs on rempartd's io_context thread; other threads
// post() to it. The Reconciler does not own the Rtnl and does no logging.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "netconfig/actual_state.hpp"
#include "netconfig/desired_state.hpp"
#include "netconfig/plan.hpp"
#include "netconfig/rtnl.hpp"

namespace rempart::netconfig {

struct ApplyReport {
  size_t changes_sent = 0;      // 0 when the kernel already matched
  std::vector<Error> failures;  // changes the kernel refused (context names the object)
  std::vector<Error> deferred;  // desired objects not plannable yet (missing interface...)
  bool complete() const { return failures.empty() && deferred.empty(); }
};

enum class AddressReadiness { kMissing, kTentative, kDadFailed, kReady };

struct AddressStatus {
  std::string interface;
  IpPrefix address;
  AddressReadiness readiness = AddressReadiness::kMissing;
};

class Reconciler {
 public:
  explicit Reconciler(Rtnl& rtnl, PlanLimits limits = {}) : rtnl_(rtnl), limits_(limits) {}

  // Replaces the part named `source` and reconciles the union of all parts. Fails without
  // changing anything (and without keeping the new part) when the union is invalid, over a
  // cap, or two parts disagree about one link's up/MTU or about one address or route key.
  Result<ApplyReport> apply(const std::string& source, DesiredState part);
  // Removes the addresses and routes of the part named `source` and reconciles. Its links stay
  // managed (with their up/MTU settings): an interface is never released to "unmanaged" with
  // our objects still on it.
  Result<ApplyReport> withdraw(const std::string& source);
  // Dump, plan, execute for the current union.
  Result<ApplyReport> reconcile();

  // Folds notifications into the cached state and re-applies when a managed link went
  // administratively up or regained carrier (the kernel drops routes on admin-down), or when
  // notifications were lost (kOverrun). Returns the report if it re-applied.
  Result<std::optional<ApplyReport>> handleEvents(const std::vector<RtnlEvent>& events);

  // Readiness of every desired address, from the last dump plus notifications since
  // (IPv6 DAD: tentative, dadfailed).
  std::vector<AddressStatus> addressStatus() const;

  const DesiredState& desired() const { return desired_; }
  const ActualState& actual() const { return actual_; }

 private:
  Result<DesiredState> merged(const std::map<std::string, DesiredState>& parts) const;

  Rtnl& rtnl_;
  PlanLimits limits_;
  std::map<std::string, DesiredState> parts_;
  DesiredState desired_;
  ActualState actual_;
};

// Union of parts; exposed for tests. Identical duplicates are merged.
Result<DesiredState> mergeDesired(const std::map<std::string, DesiredState>& parts);

}  // namespace rempart::netconfig
