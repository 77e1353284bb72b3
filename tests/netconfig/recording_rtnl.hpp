// A recording fake of the Rtnl seam: dump() returns a scripted ActualState, execute() records
// every change (and applies it to the scripted state, like the kernel would) so that tests can
// assert exactly what crossed the boundary.
#pragma once

#include <linux/rtnetlink.h>

#include <algorithm>
#include <string>
#include <vector>

#include "netconfig/rtnl.hpp"

namespace rempart::netconfig::testing {

class RecordingRtnl : public Rtnl {
 public:
  ActualState state;                 // what dump() returns; execute() updates it
  std::vector<std::string> changes;  // describe() of every change sent, in order
  int dumps = 0;
  int executes = 0;

  Result<ActualState> dump() override {
    ++dumps;
    return state;
  }

  Result<ExecuteReport> execute(const Plan& plan) override {
    ++executes;
    ExecuteReport report;
    for (const auto& c : plan.links) {
      changes.push_back(c.describe());
      for (auto& l : state.links) {
        if (l.ifindex != c.ifindex) continue;
        if (c.up) l.flags = *c.up ? (l.flags | 1u) : (l.flags & ~1u);  // IFF_UP
        if (c.mtu) l.mtu = *c.mtu;
      }
    }
    for (const auto& c : plan.addresses) {
      changes.push_back(c.describe());
      std::erase_if(state.addresses, [&](const AddressState& a) {
        return a.ifindex == c.ifindex && a.address == c.address;
      });
      if (c.kind != ChangeKind::kRemove) {
        AddressState a;
        a.ifindex = c.ifindex;
        a.address = c.address;
        a.protocol = kRouteProtocol;
        a.valid_lifetime = c.valid_lifetime.value_or(kForever);
        a.preferred_lifetime = c.preferred_lifetime.value_or(a.valid_lifetime);
        state.addresses.push_back(a);
      }
    }
    for (const auto& c : plan.routes) {
      changes.push_back(c.describe());
      // Like the kernel: a replace takes the key over, a delete only matches our protocol.
      std::erase_if(state.routes, [&](const RouteState& r) {
        return r.table == c.route.table && r.destination == c.route.destination &&
               r.metric == c.route.metric && r.tos == c.route.tos &&
               (c.kind != ChangeKind::kRemove || r.protocol == kRouteProtocol);
      });
      if (c.kind != ChangeKind::kRemove) state.routes.push_back(c.route);
    }
    report.sent = plan.size();
    return report;
  }
};

}  // namespace rempart::netconfig::testing
