// Everything netconfig needs for one network namespace, wired into rempartd's io_context: the
// rtnetlink socket, the notification monitor (subscribed before the first dump) and the
// Reconciler, with the monitor fd watched by Asio so that admin-up, carrier return and lost
// notifications re-apply the desired state (self-healing).
//
// Threading: create, use and destroy on the io_context's thread; the io_context must outlive
// this object. Typical use in rempartd:
//   auto nc = TRY(NamespaceNetconfig::create(io, netns_fd));
//   nc->start([](const Result<ApplyReport>& r) { /* log failures */ });
//   auto report = nc->reconciler().apply("static", level.network);
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "common/result.hpp"
#include "netconfig/reconciler.hpp"
#include "netconfig/rtnl.hpp"
#include "netconfig/rtnl_monitor.hpp"

namespace rempart::netconfig {

class NamespaceNetconfig {
 public:
  // Called on the io_context thread after notifications caused a re-apply (with its report),
  // or when reading notifications or re-applying failed (with the error).
  using ReapplyHandler = std::function<void(const Result<ApplyReport>&)>;

  // Opens both sockets inside `netns_fd` (< 0: the caller's namespace). The fd is not kept.
  static Result<std::unique_ptr<NamespaceNetconfig>> create(boost::asio::io_context& io,
                                                            int netns_fd, PlanLimits limits = {});
  ~NamespaceNetconfig();
  NamespaceNetconfig(const NamespaceNetconfig&) = delete;
  NamespaceNetconfig& operator=(const NamespaceNetconfig&) = delete;

  // Starts watching notifications. Call once.
  void start(ReapplyHandler on_reapply);

  Reconciler& reconciler() { return *reconciler_; }

 private:
  NamespaceNetconfig(boost::asio::io_context& io, std::unique_ptr<Rtnl> rtnl, RtnlMonitor monitor,
                     PlanLimits limits);
  void arm();
  void onReadable();

  std::unique_ptr<Rtnl> rtnl_;
  RtnlMonitor monitor_;
  std::unique_ptr<Reconciler> reconciler_;
  boost::asio::posix::stream_descriptor descriptor_;  // borrows monitor_'s fd; released first
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  ReapplyHandler on_reapply_;
};

}  // namespace rempart::netconfig
