// LevelTunnels' operator actions: credential reloads and `tunnel up|down|reset`. initiate and
// terminate go over VICI with timeout -1 (the 5.9.8 deadlock); their outcomes are followed
// through events, and a tunnel brought back by its start action is awaited through the state
// that list-sas and the updown events maintain.
#include <boost/asio/post.hpp>

#include "common/log.hpp"
#include "gateway/level_tunnels.hpp"
#include "gateway/vici/conn_builder.hpp"

namespace rempart::gateway {

struct LevelTunnels::UpWaiter {
  std::string tunnel;
  std::function<void(Result<void>)> done;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

namespace {

unexpected<Error> charonNotRunning(const std::string& level) {
  return fail(ErrorCode::kSystem, "the charon of level " + level + " is not running");
}

}  // namespace

void LevelTunnels::reloadCredentials(std::function<void(Result<void>)> done) {
  if (!vici_ || !vici_->connected()) {
    // Nothing to push to: the next start of charon reads the keystore anyway.
    return done({});
  }
  pushEverything(std::move(done));
}

void LevelTunnels::notifyUpWaiters() {
  for (auto it = up_waiters_.begin(); it != up_waiters_.end();) {
    auto t = tunnels_.find((*it)->tunnel);
    if (t != tunnels_.end() && t->second.state == "up") {
      auto w = *it;
      it = up_waiters_.erase(it);
      w->timer->cancel();
      w->done({});
    } else {
      ++it;
    }
  }
}

void LevelTunnels::waitUp(const std::string& tunnel, std::chrono::milliseconds wait,
                          std::function<void(Result<void>)> done) {
  auto w = std::make_shared<UpWaiter>();
  w->tunnel = tunnel;
  w->done = std::move(done);
  w->timer = std::make_unique<boost::asio::steady_timer>(io_, wait);
  up_waiters_.push_back(w);
  w->timer->async_wait([this, alive = alive_, weak = std::weak_ptr<UpWaiter>(w),
                        wait](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    auto w = weak.lock();
    if (!w) return;
    up_waiters_.remove(w);
    w->done(fail(ErrorCode::kTimeout, "tunnel " + w->tunnel + " is not up after " +
                                          std::to_string(wait.count() / 1000) + " s (" +
                                          tunnels_.at(w->tunnel).why + ")"));
  });
  refresh();
}

void LevelTunnels::bringUp(const std::string& tunnel, std::chrono::milliseconds wait,
                           std::function<void(Result<void>)> done) {
  const config::Tunnel* t = level_->findTunnel(tunnel);
  if (!t)
    return done(fail(ErrorCode::kNotFound, "no tunnel " + tunnel + " in level " + level_->name));
  if (!vici_ || !vici_->connected()) return done(charonNotRunning(level_->name));
  const bool was_down = admin_down_.erase(tunnel) > 0;
  log::notice("tunnel up requested", {{"level", level_->name}, {"tunnel", tunnel}});
  const bool starts_itself =
      vici::startActions(t->start, config_->system.dataplane).start_action == "start";
  pushEverything([this, alive = alive_, tunnel, wait, was_down, starts_itself,
                  done = std::move(done)](Result<void> r) mutable {
    if (!*alive) return;
    if (!r) return done(unexpected<Error>(r.error().wrap("loading tunnel " + tunnel)));
    if (tunnels_.at(tunnel).state == "up") return done({});
    // A connection loaded again with start_action=start initiates by itself; a second
    // initiate while it connects could negotiate a duplicate, so wait for it instead.
    if (was_down && starts_itself) return waitUp(tunnel, wait, std::move(done));
    vici_->initiate(tunnel, tunnel, wait,
                    [this, alive, done = std::move(done)](Result<vici::ChildSa> c) mutable {
                      if (!*alive) return;
                      refresh();
                      done(c ? Result<void>{} : Result<void>(unexpected<Error>(c.error())));
                    });
  });
}

void LevelTunnels::takeDown(const std::string& tunnel, std::chrono::milliseconds wait,
                            std::function<void(Result<unsigned>)> done) {
  if (!level_->findTunnel(tunnel))
    return done(fail(ErrorCode::kNotFound, "no tunnel " + tunnel + " in level " + level_->name));
  admin_down_.insert(tunnel);  // before anything: a restart of charon must not load it again
  log::notice("tunnel down requested", {{"level", level_->name}, {"tunnel", tunnel}});
  if (!vici_ || !vici_->connected()) return done(0u);
  // Terminate while the connection is still loaded (the path charon handles best), then unload
  // it so that neither our start action nor the peer's retries (answered with no matching
  // config) bring it back, then terminate again whatever the peer re-established meanwhile.
  auto total = std::make_shared<unsigned>(0);
  auto finish = [this, alive = alive_, tunnel, wait, total,
                 done = std::move(done)](Result<unsigned> n) mutable {
    if (!*alive) return;
    refresh();
    if (n) return done(*total + *n);
    // A delete may outlast the wait (charon retransmits it): what counts is that none is left.
    vici_->listSas({.ike = tunnel}, [this, alive, tunnel, wait, n, total, done = std::move(done)](
                                        Result<std::vector<vici::IkeSa>> sas) mutable {
      if (!*alive) return;
      auto left = std::make_shared<OldSas>();
      if (sas)
        for (const auto& ike : *sas) left->ike_ids.insert(ike.uniqueid);
      awaitGone(tunnel, left, std::chrono::steady_clock::now() + wait,
                [n, total, done = std::move(done)](bool gone) mutable {
                  if (gone) return done(*total);
                  done(std::move(n));
                });
    });
  };
  vici_->terminate(
      tunnel, wait,
      [this, alive = alive_, tunnel, wait, total,
       finish = std::move(finish)](Result<unsigned> first) mutable {
        if (!*alive) return;
        if (first) *total += *first;
        vici_->unloadConn(tunnel, [this, alive, tunnel, wait,
                                   finish = std::move(finish)](Result<void> unloaded) mutable {
          if (!*alive) return;
          if (!unloaded)
            log::info("unloading a tunnel", {{"level", level_->name},
                                             {"tunnel", tunnel},
                                             {"error", unloaded.error().message()}});
          vici_->terminate(tunnel, wait, std::move(finish));
        });
      });
}

void LevelTunnels::awaitGone(const std::string& tunnel, std::shared_ptr<const OldSas> old,
                             std::chrono::steady_clock::time_point deadline,
                             std::function<void(bool)> then) {
  vici_->listSas({.ike = tunnel}, [this, alive = alive_, tunnel, old, deadline,
                                   then = std::move(then)](Result<std::vector<vici::IkeSa>> sas) {
    if (!*alive) return;
    bool gone = true;
    if (sas) {
      for (const auto& ike : *sas) {
        if (ike.state == "DELETING" || old->ike_ids.count(ike.uniqueid)) gone = false;
        for (const auto& c : ike.children)
          if (old->spis.count(c.spi_in)) gone = false;
      }
    }
    if (gone) return then(true);
    if (std::chrono::steady_clock::now() >= deadline || !vici_->connected()) return then(false);
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(200));
    timer->async_wait([this, alive, timer, tunnel, old, deadline,
                       then = std::move(then)](const boost::system::error_code& ec) mutable {
      if (ec || !*alive) return;
      awaitGone(tunnel, old, deadline, std::move(then));
    });
  });
}

void LevelTunnels::noteChildUp(const vici::UpdownEvent& event) {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& c : event.ike.children) child_up_at_[c.spi_in] = now;
  // Only recent ones matter (a reset waits at most its deadline); keep the map small.
  for (auto it = child_up_at_.begin(); it != child_up_at_.end();)
    it = now - it->second > std::chrono::minutes(5) ? child_up_at_.erase(it) : std::next(it);
}

void LevelTunnels::reset(const std::string& tunnel, std::chrono::milliseconds wait,
                         std::function<void(Result<vici::ChildSa>)> done) {
  if (!level_->findTunnel(tunnel))
    return done(fail(ErrorCode::kNotFound, "no tunnel " + tunnel + " in level " + level_->name));
  if (admin_down_.count(tunnel))
    return done(fail(ErrorCode::kConflict,
                     "tunnel " + tunnel + " was taken down with 'tunnel down'; use 'tunnel up'"));
  if (!vici_ || !vici_->connected()) return done(charonNotRunning(level_->name));
  log::notice("tunnel reset requested", {{"level", level_->name}, {"tunnel", tunnel}});
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + wait;
  auto shared_done = std::make_shared<std::function<void(Result<vici::ChildSa>)>>(std::move(done));
  // Every SA of the tunnel now (both peers may have initiated, so there can be several): the
  // reset is done when a CHILD_SA that is none of them is up.
  vici_->listSas({.ike = tunnel}, [this, alive = alive_, tunnel, wait, started, deadline,
                                   shared_done](Result<std::vector<vici::IkeSa>> sas) {
    if (!*alive) return;
    auto old = std::make_shared<OldSas>();
    if (sas) {
      for (const auto& ike : *sas) {
        old->ike_ids.insert(ike.uniqueid);
        for (const auto& c : ike.children) old->spis.insert(c.spi_in);
      }
    }
    // The initiate's "already up" answer may still see an old CHILD_SA (list-sas lags behind
    // the delete): then wait for it to go and initiate again, until the deadline.
    auto initiate = std::make_shared<std::function<void()>>();
    *initiate = [this, alive, tunnel, wait, old, started, deadline, shared_done,
                 weak = std::weak_ptr<std::function<void()>>(initiate)]() {
      if (!*alive) return;
      if (!vici_->connected()) return (*shared_done)(charonNotRunning(level_->name));
      auto self = weak.lock();  // held by the callback below while the initiate runs
      vici_->initiate(tunnel, tunnel, wait,
                      [this, alive, tunnel, old, started, deadline, shared_done,
                       self](Result<vici::ChildSa> c) {
                        if (!*alive) return;
                        refresh();
                        // The client may answer from the up event before our own event handler
                        // noted it: decide once that handler ran.
                        boost::asio::post(io_, [this, alive, tunnel, old, started, deadline,
                                                shared_done, self, c = std::move(c)]() mutable {
                          if (!*alive) return;
                          auto up = c ? child_up_at_.find(c->spi_in) : child_up_at_.end();
                          const bool fresh = c && up != child_up_at_.end() && up->second >= started;
                          if (c && !fresh && self && std::chrono::steady_clock::now() < deadline) {
                            // An SA from before the reset, still listed while it is deleted: wait
                            // for it to go and initiate again.
                            old->spis.insert(c->spi_in);
                            return awaitGone(tunnel, old, deadline, [self](bool) { (*self)(); });
                          }
                          (*shared_done)(std::move(c));
                        });
                      });
    };
    if (!vici_->connected()) return (*shared_done)(charonNotRunning(level_->name));
    vici_->terminate(tunnel, wait,
                     [this, alive, tunnel, old, deadline, initiate](Result<unsigned> n) {
                       if (!*alive) return;
                       if (!n)
                         log::warning("terminating a tunnel",
                                      {{"tunnel", tunnel}, {"error", n.error().message()}});
                       // The down event comes when the delete starts; until the old IKE_SAs are
                       // gone, list-sas still shows their CHILD_SAs as INSTALLED.
                       awaitGone(tunnel, old, deadline, [initiate](bool) { (*initiate)(); });
                     });
  });
}

}  // namespace rempart::gateway
