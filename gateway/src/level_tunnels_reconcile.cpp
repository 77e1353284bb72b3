// LevelTunnels::reconcile: applying a config change to a running charon, one VICI request at
// a time. Order: secrets first (a reloaded connection must find its PSK); removed tunnels
// (terminate, then unload: responder SAs survive unload-conn in 5.9.8); changed ones (load the
// new definition, terminate every SA of the tunnel, initiate it again when it starts by itself);
// added ones (charon initiates start-action connections on load); last the secrets nobody needs
// any more. `loaded_` follows every success, so that after a failure midway it still says what
// charon holds, and `stale_` names tunnels left without SAs that charon will not restart.
#include <algorithm>
#include <boost/asio/post.hpp>

#include "common/log.hpp"
#include "gateway/level_tunnels.hpp"

namespace rempart::gateway {

namespace {

using Done = std::function<void(Result<void>)>;
using Step = std::function<void(Done)>;

// Runs `steps` one after the other; stops at the first failure.
void runSteps(std::shared_ptr<std::vector<Step>> steps, size_t i, Done done) {
  if (i == steps->size()) return done({});
  (*steps)[i]([steps, i, done](Result<void> r) {
    if (!r) return done(std::move(r));
    runSteps(steps, i + 1, done);
  });
}

constexpr vici::Millis kTerminateWait{10000};
constexpr vici::Millis kInitiateWait{30000};

Result<void> wrapped(Result<void> r, const std::string& what) {
  if (r) return r;
  return unexpected<Error>(r.error().wrap(what));
}

}  // namespace

void LevelTunnels::reconcile(std::shared_ptr<const config::Config> next, const config::Level& level,
                             RenderedLevel rendered, Done done) {
  TunnelDiff diff = diffTunnels(loaded_, rendered);
  // The definition in charon did not change but we terminated its SAs earlier (a reconcile that
  // failed midway): charon will not initiate it again by itself.
  std::vector<std::string> reinitiate;
  for (const auto& name : diff.unchanged)
    if (stale_.contains(name) && rendered.find(name)->starts) reinitiate.push_back(name);

  config_ = std::move(next);
  level_ = &level;
  std::map<std::string, TunnelStatus> statuses;
  for (const auto& t : level_->tunnels) {
    auto it = tunnels_.find(t.name);
    bool keep = it != tunnels_.end() && std::find(diff.unchanged.begin(), diff.unchanged.end(),
                                                  t.name) != diff.unchanged.end();
    statuses[t.name] = keep ? it->second : initialStatus(t);
    if (!keep) statuses[t.name].why = "reloading";
  }
  tunnels_ = std::move(statuses);

  log::info("reconciling tunnels", {{"level", level_->name},
                                    {"unchanged", std::to_string(diff.unchanged.size())},
                                    {"added", std::to_string(diff.added.size())},
                                    {"changed", std::to_string(diff.changed.size())},
                                    {"removed", std::to_string(diff.removed.size())}});
  if (!vici_ || !vici_->connected()) {
    // Nothing to talk to: charon's next start, or the VICI reconnection, pushes the new
    // config in full (and unloads the connections it does not name).
    boost::asio::post(io_, [done] { done({}); });
    return;
  }

  auto alive = alive_;
  auto next_state = std::make_shared<RenderedLevel>(std::move(rendered));
  auto steps = std::make_shared<std::vector<Step>>();
  auto find_loaded = [this](const std::string& name) {
    return std::find_if(loaded_.tunnels.begin(), loaded_.tunnels.end(),
                        [&](const RenderedTunnel& t) { return t.name == name; });
  };

  auto changed_or_added = diff.changed;
  changed_or_added.insert(changed_or_added.end(), diff.added.begin(), diff.added.end());
  for (const auto& name : changed_or_added) {
    const RenderedTunnel* t = next_state->find(name);
    if (!t->psk) continue;
    steps->push_back([this, alive, next_state, name, find_loaded](Done step) {
      vici_->loadShared(*next_state->find(name)->psk,
                        [this, alive, next_state, name, find_loaded, step](Result<void> r) {
                          if (!*alive) return;
                          if (r) {
                            auto it = find_loaded(name);
                            if (it != loaded_.tunnels.end()) it->psk = next_state->find(name)->psk;
                          }
                          step(wrapped(std::move(r), "tunnel " + name + ": loading its PSK"));
                        });
    });
  }
  if (diff.keys_changed) {
    for (size_t i = 0; i < next_state->keys.size(); ++i) {
      steps->push_back([this, alive, next_state, i](Done step) {
        vici_->loadKey("any", next_state->keys[i], [alive, step](Result<std::string> r) {
          if (!*alive) return;
          step(r ? Result<void>{}
                 : wrapped(unexpected<Error>(r.error()), "loading the private key"));
        });
      });
    }
    steps->push_back([this, next_state](Done step) {
      loaded_.keys = next_state->keys;
      step({});
    });
  }

  // Terminating is best effort: an SA that does not go away in time is still unloaded or
  // replaced, and the peer's DPD finishes it.
  auto terminate = [this, alive](const std::string& name) {
    return [this, alive, name](Done step) {
      vici_->terminate(name, kTerminateWait, [this, alive, name, step](Result<unsigned> r) {
        if (!*alive) return;
        if (!r)
          log::warning("terminating a tunnel's SAs",
                       {{"level", level_->name}, {"tunnel", name}, {"error", r.error().message()}});
        if (level_->findTunnel(name) != nullptr) stale_.insert(name);
        step({});
      });
    };
  };

  for (const auto& name : diff.removed) {
    steps->push_back(terminate(name));
    steps->push_back([this, alive, name](Done step) {
      vici_->unloadConn(name, [this, alive, name, step](Result<void> r) {
        if (!*alive) return;
        if (r) {
          std::erase_if(loaded_.tunnels, [&](const RenderedTunnel& t) { return t.name == name; });
          stale_.erase(name);
          log::notice("tunnel removed", {{"level", level_->name}, {"tunnel", name}});
        }
        step(wrapped(std::move(r), "tunnel " + name + ": unload-conn"));
      });
    });
    // Again: the peer's close action may have set up a new SA between the first terminate
    // and the unload, and charon keeps SAs of unloaded connections.
    steps->push_back(terminate(name));
  }

  auto load = [this, alive, next_state, find_loaded](const std::string& name, bool changed) {
    return [this, alive, next_state, find_loaded, name, changed](Done step) {
      vici_->loadConn(next_state->find(name)->conn,
                      [this, alive, next_state, find_loaded, name, changed, step](Result<void> r) {
                        if (!*alive) return;
                        if (!r)
                          return step(wrapped(std::move(r), "tunnel " + name + ": load-conn"));
                        const RenderedTunnel& t = *next_state->find(name);
                        auto it = find_loaded(name);
                        if (it != loaded_.tunnels.end())
                          *it = t;
                        else
                          loaded_.tunnels.push_back(t);
                        log::notice(changed ? "tunnel reloaded" : "tunnel added",
                                    {{"level", level_->name}, {"tunnel", name}});
                        step({});
                      });
    };
  };
  auto initiate = [this, next_state](const std::string& name) {
    return [this, next_state, name](Done step) {
      if (next_state->find(name)->starts) initiateLogged(name);
      step({});
    };
  };
  // Changed: the new definition first, so that whatever comes up from now on uses it; then
  // every SA of the tunnel goes (those set up under the old definition, and responder SAs,
  // which charon keeps across a reload), and it starts again under the new one.
  for (const auto& name : diff.changed) {
    steps->push_back(load(name, true));
    steps->push_back(terminate(name));
    steps->push_back(initiate(name));
  }
  for (const auto& name : diff.added) steps->push_back(load(name, false));

  for (const auto& id : diff.secrets_unloaded) {
    steps->push_back([this, alive, id](Done step) {
      vici_->unloadShared(id, [this, alive, step](Result<void> r) {
        if (!*alive) return;
        if (!r)
          log::warning("unloading a PSK nobody uses",
                       {{"level", level_->name}, {"error", r.error().message()}});
        step({});
      });
    });
  }
  for (const auto& name : reinitiate) steps->push_back(initiate(name));

  runSteps(steps, 0, [this, alive, done](Result<void> r) {
    if (!*alive) return;
    if (!r) {
      auto e = r.error().wrap("level " + level_->name);
      log::error("reconciling tunnels", {{"level", level_->name}, {"error", e.message()}});
      refresh();
      return done(unexpected<Error>(std::move(e)));
    }
    refresh();
    done({});
  });
}

void LevelTunnels::initiateLogged(const std::string& name) {
  stale_.erase(name);
  // Not awaited: the peer may not have the matching change yet; events tell the outcome.
  vici_->initiate(name, name, kInitiateWait, [this, alive = alive_, name](Result<vici::ChildSa> r) {
    if (!*alive || r) return;
    log::warning("initiating a tunnel",
                 {{"level", level_->name}, {"tunnel", name}, {"error", r.error().message()}});
  });
}

void LevelTunnels::reconnectLater() {
  reconnect_timer_.expires_after(std::chrono::seconds(1));
  reconnect_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    // charon died (on_exit changed the state; its restart connects afresh) or is back already.
    if (charon_state_ != "running" || !vici_ || vici_->connected()) return;
    vici_->connect([this, alive](Result<void> r) {
      if (!*alive) return;
      if (!r) return reconnectLater();
      log::notice("VICI connection to charon restored", {{"level", level_->name}});
      pushEverything();
    });
  });
}

void LevelTunnels::unloadStrays() {
  vici_->getConns([this, alive = alive_](Result<std::vector<std::string>> conns) {
    if (!*alive || !conns) return;
    for (const auto& name : *conns) {
      if (level_->findTunnel(name) != nullptr) continue;
      log::notice("unloading a connection the config does not name",
                  {{"level", level_->name}, {"tunnel", name}});
      vici_->terminate(name, kTerminateWait, [this, alive, name](Result<unsigned>) {
        if (!*alive || !vici_->connected()) return;
        vici_->unloadConn(name, [](Result<void>) {});
      });
    }
  });
}

}  // namespace rempart::gateway
