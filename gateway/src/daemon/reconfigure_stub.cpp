// TEMPORARY Daemon::reconfigure, until the real one (gateway/src/daemon/reconfigure.cpp, branch
// `reconf`) lands on main; then this file is deleted. It applies a new config by restarting the
// gateway in place: tunnels stopped, topology torn down, config replaced, everything brought up
// again. Disruptive (every SA is renegotiated) but complete: network, firewall and IPsec all
// follow `next`, which is what the config commands and their tests need.
#include <boost/asio/post.hpp>

#include "common/netlink_socket.hpp"
#include "daemon.hpp"

namespace rempart::gateway {

void Daemon::reconfigure(config::Config next, std::function<void(Result<void>)> done) {
  auto next_config = std::make_shared<config::Config>(std::move(next));
  auto pending = std::make_shared<size_t>(tunnels_.size() + 1);
  auto bring_up = [this]() -> Result<void> {
    auto core = TRY(openNetns("/proc/self/ns/net"));
    running_ = std::make_unique<RunningTopology>(io_, config_, topology_, std::move(core),
                                                 options_.paths.state_dir);
    TRY(running_->bringUp());
    LevelTunnelsOptions lto;
    lto.connection_log = connection_log_.get();
    lto.uid_base = options_.charon_uid_base;
    lto.hidden_dirs = {options_.paths.runtime_dir / "levels", options_.paths.state_dir};
    for (size_t i = 0; i < config_.levels.size(); ++i) {
      tunnels_.push_back(
          TRY(LevelTunnels::create(io_, config_, config_.levels[i], topology_.levels[i], lto)));
    }
    for (auto& t : tunnels_) t->start();
    return {};
  };
  auto after_stop = [this, pending, next_config, bring_up, done = std::move(done)]() {
    if (--*pending > 0) return;
    // Posted: the last stop callback may run inside a LevelTunnels we are about to destroy.
    boost::asio::post(io_, [this, next_config, bring_up, done] {
      tunnels_.clear();
      if (running_) running_->tearDown();
      running_.reset();
      config_ = std::move(*next_config);
      topology_ = planTopology(config_, options_.paths);
      roles_ = RoleMap::fromConfig(config_.roles);
      done(bring_up());
    });
  };
  for (auto& t : tunnels_) t->stop(after_stop);
  after_stop();
}

}  // namespace rempart::gateway
