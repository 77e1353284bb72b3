// Event -> reconciler part.
#include "netconfig/dhcp/lease_applier.hpp"

namespace rempart::netconfig::dhcp {

Result<ApplyOutcome> LeaseApplier::onEvent(const Event& event) {
  ApplyOutcome out;
  switch (event.kind) {
    case Event::Kind::kBound:
    case Event::Kind::kRenewed: {
      LeaseState state = leaseToDesiredState(*event.lease, policy_, clock_.realtimeSeconds());
      out.refused = std::move(state.refused);
      auto report = reconciler_.apply(partName(), std::move(state.desired));
      if (!report) return unexpected<Error>(report.error().wrap("applying DHCP lease"));
      out.report = std::move(*report);
      out.changed_state = true;
      break;
    }
    case Event::Kind::kLost: {
      auto report = reconciler_.withdraw(partName());
      if (!report) return unexpected<Error>(report.error().wrap("removing DHCP lease"));
      out.report = std::move(*report);
      out.changed_state = true;
      break;
    }
    case Event::Kind::kRejected:
    case Event::Kind::kError:
      break;
  }
  return out;
}

}  // namespace rempart::netconfig::dhcp
