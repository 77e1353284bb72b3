#include "netconfig/namespace_netconfig.hpp"

namespace rempart::netconfig {

Result<std::unique_ptr<NamespaceNetconfig>> NamespaceNetconfig::create(boost::asio::io_context& io,
                                                                       int netns_fd,
                                                                       PlanLimits limits) {
  // Subscribe before the reconciler's first dump so that no change falls in between.
  RtnlMonitor monitor = TRY(RtnlMonitor::create(netns_fd));
  std::unique_ptr<Rtnl> rtnl = TRY(openRtnl(netns_fd));
  return std::unique_ptr<NamespaceNetconfig>(
      new NamespaceNetconfig(io, std::move(rtnl), std::move(monitor), limits));
}

NamespaceNetconfig::NamespaceNetconfig(boost::asio::io_context& io, std::unique_ptr<Rtnl> rtnl,
                                       RtnlMonitor monitor, PlanLimits limits)
    : rtnl_(std::move(rtnl)),
      monitor_(std::move(monitor)),
      reconciler_(std::make_unique<Reconciler>(*rtnl_, limits)),
      descriptor_(io, monitor_.fd()) {}

NamespaceNetconfig::~NamespaceNetconfig() {
  *alive_ = false;  // a cancelled wait may still run its handler later: it must not touch us
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  descriptor_.release();  // the monitor closes its own fd
}

void NamespaceNetconfig::start(ReapplyHandler on_reapply) {
  on_reapply_ = std::move(on_reapply);
  arm();
}

void NamespaceNetconfig::arm() {
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this, alive = alive_](const boost::system::error_code& ec) {
                           if (!*alive || ec) return;
                           onReadable();
                           arm();
                         });
}

void NamespaceNetconfig::onReadable() {
  auto events = monitor_.drain();
  if (!events) {
    if (on_reapply_) on_reapply_(unexpected<Error>(events.error()));
    return;
  }
  auto handled = reconciler_->handleEvents(*events);
  if (!handled) {
    if (on_reapply_) on_reapply_(unexpected<Error>(handled.error()));
    return;
  }
  if (handled->has_value() && on_reapply_) on_reapply_(std::move(**handled));
}

}  // namespace rempart::netconfig
