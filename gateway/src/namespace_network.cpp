#include "gateway/namespace_network.hpp"

#include "common/log.hpp"

namespace rempart::gateway {

NamespaceNetwork::NamespaceNetwork(boost::asio::io_context& io, std::string label)
    : label_(std::move(label)), events_(io) {}

NamespaceNetwork::~NamespaceNetwork() {
  // The monitor owns the fd; Asio must not close it a second time.
  if (events_.is_open()) {
    boost::system::error_code ignored;
    events_.cancel(ignored);
    events_.release();
  }
}

Result<std::unique_ptr<NamespaceNetwork>> NamespaceNetwork::create(boost::asio::io_context& io,
                                                                   std::string label,
                                                                   int netns_fd) {
  std::unique_ptr<NamespaceNetwork> n(new NamespaceNetwork(io, std::move(label)));
  n->rtnl_ = TRY(netconfig::openRtnl(netns_fd));
  n->reconciler_ = std::make_unique<netconfig::Reconciler>(*n->rtnl_);
  n->monitor_ =
      std::make_unique<netconfig::RtnlMonitor>(TRY(netconfig::RtnlMonitor::create(netns_fd)));
  n->events_.assign(n->monitor_->fd());
  n->watch();
  return n;
}

Result<void> NamespaceNetwork::check(const netconfig::ApplyReport& report) const {
  for (const auto& e : report.deferred)
    log::warning("network object deferred", {{"netns", label_}, {"reason", e.message()}});
  if (!report.failures.empty()) return unexpected<Error>(report.failures.front().wrap(label_));
  return {};
}

Result<void> NamespaceNetwork::apply(const std::string& source, netconfig::DesiredState part) {
  auto report = TRY(reconciler_->apply(source, std::move(part)).map_error([&](Error e) {
    return e.wrap(label_);
  }));
  if (report.changes_sent > 0) {
    log::info("network applied",
              {{"netns", label_}, {"changes", std::to_string(report.changes_sent)}});
  }
  return check(report);
}

Result<void> NamespaceNetwork::withdraw(const std::string& source) {
  auto report = TRY(reconciler_->withdraw(source));
  return check(report);
}

void NamespaceNetwork::watch() {
  events_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::
                                                                                  error_code& ec) {
    if (ec) return;
    auto events = monitor_->drain();
    if (!events) {
      log::error("reading network events",
                 {{"netns", label_}, {"error", events.error().message()}});
    } else if (auto healed = reconciler_->handleEvents(*events); !healed) {
      log::error("re-applying network", {{"netns", label_}, {"error", healed.error().message()}});
    } else if (*healed) {
      log::notice("network re-applied after a link change",
                  {{"netns", label_}, {"changes", std::to_string((*healed)->changes_sent)}});
    }
    watch();
  });
}

}  // namespace rempart::gateway
