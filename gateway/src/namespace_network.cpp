#include "gateway/namespace_network.hpp"

#include "common/log.hpp"

namespace rempart::gateway {

Result<std::unique_ptr<NamespaceNetwork>> NamespaceNetwork::create(boost::asio::io_context& io,
                                                                  std::string label, int netns_fd) {
  std::unique_ptr<NamespaceNetwork> n(new NamespaceNetwork(std::move(label)));
  n->netconfig_ = TRY(netconfig::NamespaceNetconfig::create(io, netns_fd));
  n->netconfig_->start([label = n->label_](const Result<netconfig::ApplyReport>& r) {
    if (!r) {
      log::error("re-applying network", {{"netns", label}, {"error", r.error().message()}});
    } else {
      log::notice("network re-applied after a link change",
                  {{"netns", label}, {"changes", std::to_string(r->changes_sent)}});
    }
  });
  return n;
}

Result<void> NamespaceNetwork::check(const netconfig::ApplyReport& report) const {
  for (const auto& e : report.deferred) {
    log::warning("network object deferred", {{"netns", label_}, {"reason", e.message()}});
  }
  if (!report.failures.empty()) return unexpected<Error>(report.failures.front().wrap(label_));
  return {};
}

Result<void> NamespaceNetwork::apply(const std::string& source, netconfig::DesiredState part) {
  auto report = TRY(reconciler().apply(source, std::move(part)).map_error([&](Error e) {
    return e.wrap(label_);
  }));
  if (report.changes_sent > 0) {
    log::info("network applied", {{"netns", label_}, {"part", source},
                                  {"changes", std::to_string(report.changes_sent)}});
  }
  return check(report);
}

Result<void> NamespaceNetwork::withdraw(const std::string& source) {
  auto report = TRY(reconciler().withdraw(source));
  return check(report);
}

}  // namespace rempart::gateway
