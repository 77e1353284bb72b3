// Applies DHCP client events through the netconfig Reconciler: a bound or renewed lease becomes
// the desired-state part "dhcp4:<interface>" (leaseToDesiredState, with the TunnelVision
// filter); a lost lease withdraws that part, which removes its address and routes. Runs on the
// thread that owns the Reconciler (rempartd's io_context thread).
#pragma once

#include <string>
#include <vector>

#include "netconfig/dhcp/client.hpp"
#include "netconfig/dhcp/lease_state.hpp"
#include "netconfig/reconciler.hpp"

namespace rempart::netconfig::dhcp {

struct ApplyOutcome {
  bool changed_state = false;        // the event touched the kernel state (bound/renewed/lost)
  ApplyReport report;                // what the reconciler did
  std::vector<std::string> refused;  // routes/options the policy left out (log them)
};

class LeaseApplier {
 public:
  LeaseApplier(Reconciler& reconciler, LeasePolicy policy, const Clock& clock)
      : reconciler_(reconciler), policy_(std::move(policy)), clock_(clock) {}

  // kBound/kRenewed: apply; kLost: withdraw; other kinds: nothing. Fails when the reconciler
  // refuses the part (conflict, cap) or its socket fails; the previous state is then kept.
  Result<ApplyOutcome> onEvent(const Event& event);

  std::string partName() const { return "dhcp4:" + policy_.interface; }

 private:
  Reconciler& reconciler_;
  LeasePolicy policy_;
  const Clock& clock_;
};

}  // namespace rempart::netconfig::dhcp
