// The narrow seam between netconfig and the kernel: dump the actual state of one namespace and
// execute a plan. KernelRtnl (openRtnl) speaks rtnetlink through libmnl; tests use a recording
// fake (tests/netconfig/recording_rtnl.hpp) and assert what crossed this boundary.
#pragma once

#include <memory>
#include <vector>

#include "common/result.hpp"
#include "netconfig/actual_state.hpp"
#include "netconfig/plan.hpp"

namespace rempart::netconfig {

struct ExecuteReport {
  size_t sent = 0;              // change messages sent to the kernel
  std::vector<Error> failures;  // one per failed change, context names the object, with extack
};

class Rtnl {
 public:
  virtual ~Rtnl() = default;
  // Reads links, addresses (all families) and routes (all tables). Sends only GET requests.
  virtual Result<ActualState> dump() = 0;
  // Sends every change of `plan` (links, then route and address removals, then address and
  // route additions), batched. EEXIST on add and ENOENT/EADDRNOTAVAIL/ESRCH on remove count as
  // done. Per-change kernel refusals go to ExecuteReport::failures; the Result fails only when
  // the socket itself fails (then the kernel state is unknown: dump again).
  virtual Result<ExecuteReport> execute(const Plan& plan) = 0;
};

// Opens a rtnetlink socket inside the namespace `netns_fd` (< 0: the caller's namespace; the
// fd is only used during this call). The returned object stays bound to that namespace.
// Not thread-safe: call it from one thread (rempartd's io_context thread).
Result<std::unique_ptr<Rtnl>> openRtnl(int netns_fd);

}  // namespace rempart::netconfig
