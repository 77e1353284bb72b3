#include "gateway/level_tunnels.hpp"

#include <sys/stat.h>

#include "common/log.hpp"
#include "gateway/audit/error_notify_socket.hpp"
#include "gateway/vici/conn_builder.hpp"

namespace rempart::gateway {

LevelTunnels::LevelTunnels(boost::asio::io_context& io,
                           std::shared_ptr<const config::Config> config, const config::Level& level,
                           const LevelPlan& plan, LevelTunnelsOptions options)
    : io_(io),
      config_(std::move(config)),
      level_(&level),
      plan_(plan),
      options_(std::move(options)),
      refresh_timer_(io),
      reconnect_timer_(io),
      error_notify_(io) {
  for (const auto& t : level_->tunnels) tunnels_[t.name] = initialStatus(t);
}

TunnelStatus LevelTunnels::initialStatus(const config::Tunnel& t) const {
  TunnelStatus s;
  s.level = level_->name;
  s.tunnel = t.name;
  auto actions = vici::startActions(t.start, config_->system.dataplane);
  s.start_mode = std::string(config::toString(t.start)) +
                 (actions.fallback ? " (as always: libipsec has no trap)" : "");
  s.remote_address = t.remote_address;
  s.remote_id = t.remote_id;
  s.why = "charon not ready";
  return s;
}

LevelTunnels::~LevelTunnels() {
  *alive_ = false;
}

Result<std::unique_ptr<LevelTunnels>> LevelTunnels::create(
    boost::asio::io_context& io, std::shared_ptr<const config::Config> config,
    const config::Level& level, const LevelPlan& plan, LevelTunnelsOptions options) {
  const config::Dataplane dataplane = config->system.dataplane;
  std::unique_ptr<LevelTunnels> lt(
      new LevelTunnels(io, std::move(config), level, plan, std::move(options)));
  std::error_code ec;
  std::filesystem::create_directories(plan.runtime_dir, ec);
  if (ec) return failErrno(ec.value(), "creating " + plan.runtime_dir.string());
  ::chmod(plan.runtime_dir.c_str(), 0755);

  charon::SupervisorOptions so;
  so.level = level.name;
  so.dataplane = dataplane;
  so.netns = plan.netns_path;
  so.runtime_dir = plan.runtime_dir / "charon";
  so.hidden_dirs = lt->options_.hidden_dirs;
  so.identity = TRY(charon::levelIdentity(lt->options_.uid_base, plan.index));
  LevelTunnels* self = lt.get();
  charon::CharonSupervisor::Callbacks cb;
  cb.on_ready = [self](const charon::CharonReady& r) {
    log::info("charon ready", {{"level", self->level_->name},
                               {"pid", std::to_string(r.pid)},
                               {"generation", std::to_string(r.generation)}});
    self->onReady();
  };
  cb.on_exit = [self](const charon::CharonExit& e) {
    log::warning("charon exited", {{"level", self->level_->name},
                                   {"how", e.describe()},
                                   {"restarting", e.restarting ? "yes" : "no"}});
    self->charon_state_ = "charon " + e.describe();
    if (self->vici_) self->vici_->close();
    boost::system::error_code ignored;
    self->error_notify_.close(ignored);
    for (auto& [name, t] : self->tunnels_) {
      t.state = "down";
      t.why = self->charon_state_;
      t.established_seconds.reset();
    }
  };
  cb.on_start_failed = [self](const Error& e) {
    log::error("charon failed to start", {{"level", self->level_->name}, {"error", e.message()}});
  };
  cb.on_log = [self](std::string_view line) {
    log::debug("charon", {{"level", self->level_->name}, {"line", std::string(line)}});
  };
  lt->supervisor_ = TRY(charon::CharonSupervisor::create(io, std::move(so), std::move(cb)));
  return lt;
}

void LevelTunnels::start() {
  supervisor_->start();
  armRefresh();
}

void LevelTunnels::onReady() {
  vici::ClientOptions vo;
  vo.socket_path = supervisor_->paths().vici().string();
  vo.extra_events = {"ike-rekey", "child-rekey"};
  vici_ = std::make_unique<vici::Client>(io_, vo);
  vici_->setEventHandler([this, alive = alive_](const vici::Event& ev) {
    if (!*alive) return;
    if (options_.connection_log) options_.connection_log->onViciEvent(level_->name, ev);
    if (ev.name == "ike-updown" || ev.name == "child-updown") {
      auto e = vici::parseUpdownEvent(ev.message);
      if (!e) return;
      log::notice(ev.name, {{"level", level_->name},
                            {"tunnel", e->ike.name},
                            {"up", e->up ? "yes" : "no"},
                            {"remote", e->ike.remote_host}});
      if (ev.name == "child-updown" && e->up) noteChildUp(*e);
      refresh();
    }
  });
  vici_->setDisconnectHandler([this, alive = alive_](const Error& e) {
    if (!*alive) return;
    log::warning("VICI connection to charon lost",
                 {{"level", level_->name}, {"error", e.message()}});
    reconnectLater();
  });
  vici_->connect([this, alive = alive_](Result<void> r) {
    if (!*alive) return;
    if (!r) {
      log::error("cannot reach charon over VICI",
                 {{"level", level_->name}, {"error", r.error().message()}});
      return;
    }
    charon_state_ = "running";
    watchErrorNotify();
    pushEverything();
  });
}

void LevelTunnels::pushEverything(std::function<void(Result<void>)> done) {
  auto rendered = renderLevel(*config_, *level_, plan_);
  if (!rendered) {
    log::error("cannot prepare tunnels",
               {{"level", level_->name}, {"error", rendered.error().message()}});
    for (auto& [name, t] : tunnels_) t.why = rendered.error().message();
    if (done) done(unexpected<Error>(rendered.error()));
    return;
  }
  loaded_ = *rendered;
  stale_.clear();
  std::vector<vici::SharedSecret> secrets;
  std::vector<std::string> keys = std::move(rendered->keys);
  std::vector<vici::Section> conns;
  for (auto& t : rendered->tunnels) {
    if (t.psk) secrets.push_back(std::move(*t.psk));
    if (admin_down_.count(t.name)) continue;  // `tunnel down` holds until `tunnel up`
    conns.push_back(std::move(t.conn));
  }
  auto alive = alive_;
  auto pending = std::make_shared<size_t>(secrets.size() + keys.size());
  auto first_error = std::make_shared<std::optional<Error>>();
  auto load_conns = [this, alive, first_error, done, conns = std::move(conns)]() mutable {
    if (!*alive) return;
    vici_->loadConns(std::move(conns), [this, alive, first_error, done](Result<void> r) {
      if (!*alive) return;
      if (done) done(!r ? r : *first_error ? Result<void>(unexpected<Error>(**first_error)) : r);
      if (!r)
        log::error("loading connections",
                   {{"level", level_->name}, {"error", r.error().message()}});
      else
        log::info("connections loaded",
                  {{"level", level_->name}, {"count", std::to_string(level_->tunnels.size())}});
      for (auto& [name, t] : tunnels_) t.why = r ? "negotiating" : r.error().message();
      if (r) unloadStrays();
      refresh();
    });
  };
  if (*pending == 0) return load_conns();
  auto step = [this, alive, pending, first_error, load_conns](Result<void> r) mutable {
    if (!*alive) return;
    if (!r) {
      log::error("loading a credential", {{"level", level_->name}, {"error", r.error().message()}});
      if (!*first_error) *first_error = r.error();
    }
    if (--*pending == 0) load_conns();
  };
  for (auto& s : secrets) vici_->loadShared(std::move(s), step);
  for (auto& k : keys) {
    vici_->loadKey("any", std::move(k), [step](Result<std::string> r) mutable {
      step(r ? Result<void>{} : Result<void>(unexpected<Error>(r.error())));
    });
  }
}

void LevelTunnels::watchErrorNotify() {
  if (!options_.connection_log) return;
  if (error_notify_.is_open()) {
    boost::system::error_code ignored;
    error_notify_.close(ignored);
  }
  auto fd = audit::connectErrorNotify(supervisor_->paths().errorNotify());
  if (!fd) {
    log::warning("cannot follow charon's error-notify socket",
                 {{"level", level_->name}, {"error", fd.error().message()}});
    return;
  }
  error_notify_.assign(fd->release());
  readErrorNotify();
}

void LevelTunnels::readErrorNotify() {
  error_notify_.async_read_some(
      boost::asio::buffer(error_notify_buf_),
      [this, alive = alive_](const boost::system::error_code& ec, size_t n) {
        if (!*alive || ec) return;  // closed: charon went away; reconnected on its next start
        options_.connection_log->onErrorNotifyBytes(level_->name,
                                                    std::string_view(error_notify_buf_.data(), n));
        readErrorNotify();
      });
}

void LevelTunnels::armRefresh() {
  refresh_timer_.expires_after(options_.refresh_interval);
  refresh_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    refresh();
    armRefresh();
  });
}

void LevelTunnels::refresh() {
  if (!vici_ || !vici_->connected()) return;
  vici_->listSas({}, [this, alive = alive_](Result<std::vector<vici::IkeSa>> sas) {
    if (!*alive || !sas) return;
    applySas(*sas);
  });
}

void LevelTunnels::applySas(const std::vector<vici::IkeSa>& sas) {
  for (auto& [name, t] : tunnels_) {
    t.state = "down";
    t.established_seconds.reset();
    t.bytes_in = t.bytes_out = t.packets_in = t.packets_out = 0;
    t.spi_in.clear();
    t.spi_out.clear();
    if (t.why == "connecting" || t.why == "up") t.why = "no IKE_SA";
  }
  for (const auto& ike : sas) {
    auto it = tunnels_.find(ike.name);
    if (it == tunnels_.end()) continue;
    auto& t = it->second;
    if (ike.state != "ESTABLISHED") {
      if (t.state != "up") {
        t.state = "connecting";
        t.why = "IKE " + ike.state;
      }
      continue;
    }
    for (const auto& c : ike.children) {
      if (c.state != "INSTALLED") continue;
      t.state = "up";
      t.why.clear();
      t.established_seconds = ike.established;
      t.remote_address = ike.remote_host;
      t.bytes_in += c.bytes_in;
      t.bytes_out += c.bytes_out;
      t.packets_in += c.packets_in;
      t.packets_out += c.packets_out;
      t.spi_in = c.spi_in;
      t.spi_out = c.spi_out;
    }
    if (t.state != "up") {
      t.state = "connecting";
      t.why = "IKE up, no CHILD_SA installed";
    }
  }
  notifyUpWaiters();
}

std::vector<TunnelStatus> LevelTunnels::status() const {
  std::vector<TunnelStatus> out;
  for (const auto& t : level_->tunnels) {
    out.push_back(tunnels_.at(t.name));
    if (admin_down_.count(t.name) && out.back().state != "up") {
      out.back().state = "down (admin)";
      out.back().why = "taken down with 'tunnel down'; 'tunnel up' brings it back";
    }
  }
  return out;
}

void LevelTunnels::stop(std::function<void()> done) {
  refresh_timer_.cancel();
  reconnect_timer_.cancel();
  auto finish = [this, done = std::move(done)]() mutable {
    boost::system::error_code ignored;
    error_notify_.close(ignored);
    if (vici_) vici_->close();
    supervisor_->stop(std::move(done));
  };
  if (!vici_ || !vici_->connected() || level_->tunnels.empty()) return finish();
  // Terminate each IKE_SA (timeout -1: the 5.9.8 deadlock) and give the deletes a moment.
  auto pending = std::make_shared<size_t>(level_->tunnels.size());
  auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));
  for (const auto& t : level_->tunnels) {
    vici_->terminate(t.name, vici::Millis(1000), [pending, shared_finish](Result<unsigned>) {
      if (--*pending == 0) (*shared_finish)();
    });
  }
}

}  // namespace rempart::gateway
