// netconfig for one network namespace, driven by rempartd's io_context: applies desired state
// through a Reconciler and keeps it true by following the namespace's rtnetlink notifications
// (an interface that went admin-down and up again, or regained carrier, gets its addresses and
// routes back). Lives and is called on the io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "netconfig/reconciler.hpp"
#include "netconfig/rtnl.hpp"
#include "netconfig/rtnl_monitor.hpp"

namespace rempart::gateway {

class NamespaceNetwork {
 public:
  // `label` names the namespace in logs ("core", "level secret"). `netns_fd` is only used
  // during this call: every socket opened here stays bound to that namespace.
  static Result<std::unique_ptr<NamespaceNetwork>> create(boost::asio::io_context& io,
                                                          std::string label, int netns_fd);
  ~NamespaceNetwork();

  // Replaces the part `source` of the desired state and reconciles. Refused changes are
  // returned as an error naming the first object the kernel refused.
  [[nodiscard]] Result<void> apply(const std::string& source, netconfig::DesiredState part);
  [[nodiscard]] Result<void> withdraw(const std::string& source);

  const netconfig::Reconciler& reconciler() const { return *reconciler_; }

 private:
  NamespaceNetwork(boost::asio::io_context& io, std::string label);
  void watch();
  Result<void> check(const netconfig::ApplyReport& report) const;

  std::string label_;
  std::unique_ptr<netconfig::Rtnl> rtnl_;
  std::unique_ptr<netconfig::Reconciler> reconciler_;
  std::unique_ptr<netconfig::RtnlMonitor> monitor_;
  boost::asio::posix::stream_descriptor events_;
};

}  // namespace rempart::gateway
