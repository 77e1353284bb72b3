// netconfig for one of the gateway's namespaces, with the gateway's logging: a labelled
// netconfig::NamespaceNetconfig (which keeps the desired state true as links go down and up)
// whose apply results become located errors and log lines. io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "netconfig/namespace_netconfig.hpp"

namespace rempart::gateway {

class NamespaceNetwork {
 public:
  // `label` names the namespace in logs ("core", "level secret"). `netns_fd` is only used
  // during this call: every socket opened here stays bound to that namespace.
  static Result<std::unique_ptr<NamespaceNetwork>> create(boost::asio::io_context& io,
                                                          std::string label, int netns_fd);

  // Replaces the part `source` of the desired state and reconciles. Refused changes are
  // returned as an error naming the first object the kernel refused.
  [[nodiscard]] Result<void> apply(const std::string& source, netconfig::DesiredState part);
  [[nodiscard]] Result<void> withdraw(const std::string& source);

  netconfig::Reconciler& reconciler() { return netconfig_->reconciler(); }

 private:
  explicit NamespaceNetwork(std::string label) : label_(std::move(label)) {}
  Result<void> check(const netconfig::ApplyReport& report) const;

  std::string label_;
  std::unique_ptr<netconfig::NamespaceNetconfig> netconfig_;
};

}  // namespace rempart::gateway
