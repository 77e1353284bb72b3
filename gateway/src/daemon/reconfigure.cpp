// Daemon::reconfigure: a new config applied to the running gateway.
//
// 1. Validate, touching nothing: plan the topology, compile every namespace's firewall, render
//    every level's load-conn messages and read every credential they need.
// 2. In place, when RunningTopology::rebuildReason() finds nothing against it: netconfig in
//    every namespace (only differences are sent), each firewall as one atomic replace, then each
//    level's tunnels reconciled by its LevelTunnels (levels in parallel, one charon each):
//    unchanged tunnels are not touched at all (same SAs, same SPIs).
// 3. Otherwise the whole gateway is rebuilt from the new config: SAs terminated, charons
//    stopped, topology torn down, then brought up again. Every tunnel drops for a few seconds;
//    the reason is logged. This is what happens when levels are added, removed, renamed or
//    reordered, when a level's public address or LAN interfaces change, when the uplink
//    interface or its DHCP settings, the management interface or the dataplane change.
#include <boost/asio/post.hpp>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "common/log.hpp"
#include "common/netlink_socket.hpp"
#include "daemon.hpp"

namespace rempart::gateway {

namespace {

struct Prepared {
  TopologyPlan plan;
  CompiledFirewalls firewalls;
  std::vector<RenderedLevel> levels;
};

Result<Prepared> prepare(const config::Config& next, const InstancePaths& paths) {
  Prepared p;
  p.plan = planTopology(next, paths);
  p.firewalls = TRY(compileFirewalls(next));
  for (size_t i = 0; i < next.levels.size(); ++i)
    p.levels.push_back(TRY(renderLevel(next, next.levels[i], p.plan.levels[i])));
  return p;
}

}  // namespace

void Daemon::reconfigure(config::Config next, std::function<void(Result<void>)> done) {
  reconfigureTracked(std::move(next), [done](Result<void> r, bool) { done(std::move(r)); });
}

void Daemon::reconfigureTracked(config::Config next, std::function<void(Result<void>, bool)> done) {
  auto answer = [this, done](Result<void> r) {
    boost::asio::post(io_, [done, r = std::move(r)] { done(r, false); });
  };
  if (reconfiguring_)
    return answer(fail(ErrorCode::kConflict,
                       "another configuration change is being applied; try again when it is done"));
  if (!running_) return answer(fail(ErrorCode::kConflict, "the gateway is not running"));
  auto cfg = std::make_shared<const config::Config>(std::move(next));
  auto prepared = prepare(*cfg, options_.paths);
  if (!prepared) return answer(unexpected<Error>(prepared.error().wrap("nothing changed")));

  reconfiguring_ = true;
  auto finish = [this, done](Result<void> r) {
    reconfiguring_ = false;
    done(std::move(r), true);
    // A SIGHUP that came meanwhile, once nothing else (such as a rollback) has started.
    if (!reconfiguring_ && reload_pending_) {
      auto path = std::move(*reload_pending_);
      reload_pending_.reset();
      boost::asio::post(io_, [this, path] { reloadFrom(path); });
    }
  };
  std::string reason = RunningTopology::rebuildReason(*config_, *cfg);
  if (reason.empty() && tunnels_.size() != cfg->levels.size())
    reason = "the running levels do not match the configuration";
  if (!reason.empty()) {
    log::warning("rebuilding the whole gateway to apply the configuration (every tunnel drops)",
                 {{"reason", reason}});
    return rebuild(std::move(cfg), std::move(prepared->plan), std::move(finish));
  }
  if (auto r = running_->reconcile(cfg, prepared->plan, prepared->firewalls); !r) {
    auto e = r.error().wrap("applying the network and firewall");
    return boost::asio::post(io_, [finish, e] { finish(unexpected<Error>(e)); });
  }
  config_ = cfg;
  topology_ = std::move(prepared->plan);
  roles_ = RoleMap::fromConfig(config_->roles);
  if (tunnels_.empty()) return boost::asio::post(io_, [finish] { finish({}); });

  struct Join {
    size_t pending;
    std::optional<Error> first_error;
  };
  auto join = std::make_shared<Join>(Join{tunnels_.size(), std::nullopt});
  for (size_t i = 0; i < tunnels_.size(); ++i) {
    tunnels_[i]->reconcile(cfg, cfg->levels[i], std::move(prepared->levels[i]),
                           [join, finish](Result<void> r) {
                             if (!r && !join->first_error) join->first_error = r.error();
                             if (--join->pending > 0) return;
                             if (join->first_error)
                               return finish(unexpected<Error>(*join->first_error));
                             finish({});
                           });
  }
}

void Daemon::rebuild(std::shared_ptr<const config::Config> next, TopologyPlan plan,
                     std::function<void(Result<void>)> done) {
  auto pending = std::make_shared<size_t>(tunnels_.size() + 1);
  auto after_stop = [this, pending, next, plan, done]() {
    if (--*pending > 0) return;
    tunnels_.clear();
    running_->tearDown();
    config_ = next;
    topology_ = plan;
    roles_ = RoleMap::fromConfig(config_->roles);
    auto bring_up = [this]() -> Result<void> {
      auto core = TRY(openNetns("/proc/self/ns/net"));
      running_ = std::make_unique<RunningTopology>(io_, config_, topology_, std::move(core),
                                                   options_.paths.state_dir);
      TRY(running_->bringUp());
      return startLevelTunnels();
    }();
    if (!bring_up) return done(unexpected<Error>(bring_up.error().wrap("rebuilding the gateway")));
    log::notice("gateway rebuilt from the new configuration",
                {{"levels", std::to_string(config_->levels.size())}});
    done({});
  };
  for (auto& t : tunnels_) t->stop(after_stop);
  after_stop();
}

Result<void> Daemon::startLevelTunnels() {
  LevelTunnelsOptions lto;
  lto.connection_log = connection_log_.get();
  lto.uid_base = options_.charon_uid_base;
  lto.hidden_dirs = {options_.paths.runtime_dir / "levels", options_.paths.state_dir};
  for (size_t i = 0; i < config_->levels.size(); ++i) {
    tunnels_.push_back(
        TRY(LevelTunnels::create(io_, config_, config_->levels[i], topology_.levels[i], lto)));
  }
  for (auto& t : tunnels_) t->start();
  return {};
}

void Daemon::reloadFrom(const std::filesystem::path& path) {
  const std::string file = path.string();
  if (reconfiguring_) {
    log::notice("a configuration change is being applied; reloading when it is done",
                {{"file", file}});
    reload_pending_ = path;
    return;
  }
  auto text = readFile(path, config::kMaxConfigBytes);
  if (!text) {
    log::error("configuration not reloaded: cannot read it",
               {{"file", file}, {"error", text.error().message()}});
    return;
  }
  auto model = config::parseConfig(*text, file);
  if (!model) {
    for (const auto& d : model.error())
      log::error("configuration not reloaded: invalid", {{"error", d.format()}});
    log::error("configuration unchanged",
               {{"file", file}, {"problems", std::to_string(model.error().size())}});
    return;
  }
  log::notice("reloading the configuration", {{"file", file}});
  auto previous = config_;
  reconfigureTracked(std::move(*model), [this, file, previous](Result<void> r, bool touched) {
    if (r) return log::notice("configuration reloaded", {{"file", file}});
    log::error("configuration not applied", {{"file", file}, {"error", r.error().message()}});
    if (!touched) return;
    log::warning("going back to the previous configuration", {{"file", file}});
    reconfigure(*previous, [](Result<void> back) {
      if (back)
        log::notice("previous configuration restored");
      else
        log::error("cannot restore the previous configuration",
                   {{"error", back.error().message()}});
    });
  });
}

}  // namespace rempart::gateway
