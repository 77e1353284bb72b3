// Tunnel peers named by a host name: rempartd resolves them (PeerResolver, in the core
// namespace) and, when a name gets a new address, each level's tunnels are rendered again and
// reconciled. LevelTunnels::reconcile then reloads exactly the tunnels whose load-conn message
// changed (remote_addrs), or loads the ones that had no address yet: the others keep their SAs.
// A configuration change being applied at the time goes first; this runs again after it.
#include "common/log.hpp"
#include "daemon.hpp"

namespace rempart::gateway {

void Daemon::trackPeers() {
  if (!peers_) {
    peers_ = std::make_unique<PeerResolver>(io_, PeerResolverOptions{}, [this] { reapplyPeers(); });
    peers_retry_ = std::make_unique<boost::asio::steady_timer>(io_);
  }
  peers_->track(peerKeys(*config_));
}

void Daemon::reapplyPeers() {
  if (!running_ || tunnels_.size() != config_->levels.size()) return;
  if (reconfiguring_) {
    peers_retry_->expires_after(std::chrono::seconds(1));
    peers_retry_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) reapplyPeers();
    });
    return;
  }
  reconfiguring_ = true;
  auto pending = std::make_shared<size_t>(tunnels_.size() + 1);
  auto finish = [this, pending] {
    if (--*pending == 0) reconfiguring_ = false;
  };
  for (size_t i = 0; i < tunnels_.size(); ++i) {
    const auto& level = config_->levels[i];
    auto rendered = renderLevel(*config_, level, topology_.levels[i], peers_->addresses());
    if (!rendered) {
      log::error("cannot prepare tunnels for a new peer address",
                 {{"level", level.name}, {"error", rendered.error().message()}});
      finish();
      continue;
    }
    tunnels_[i]->reconcile(config_, level, std::move(*rendered),
                           [finish, name = level.name](Result<void> r) {
                             if (!r)
                               log::error("reloading tunnels for a new peer address",
                                          {{"level", name}, {"error", r.error().message()}});
                             finish();
                           });
  }
  finish();
}

}  // namespace rempart::gateway
