#include "daemon.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <set>
#include <sstream>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "common/log.hpp"
#include "common/netlink_socket.hpp"
#include "firewall/nft_backend.hpp"

namespace rempart::gateway {

namespace {

Result<config::Config> parseStored(const std::string& text, const std::string& name) {
  auto model = config::parseConfig(text, name);
  if (!model) {
    std::string all;
    for (const auto& d : model.error()) all += "\n  " + d.format();
    return fail(ErrorCode::kInvalidInput, "invalid configuration:" + all);
  }
  return std::move(*model);
}

struct OpenedStore {
  std::unique_ptr<ConfigStore> store;
  config::Config config;
};

// The store's active config is what runs. --config only seeds an empty store (validated first,
// so a bad seed changes nothing); a commit-confirm left pending is rolled back (see
// config_store.hpp).
Result<OpenedStore> openConfigStore(const DaemonOptions& options) {
  auto store =
      std::make_unique<ConfigStore>(TRY(ConfigStore::open(options.paths.state_dir / "config")));
  std::optional<std::string> seed;
  if (!store->hasActive()) {
    if (options.config_path.empty())
      return fail(ErrorCode::kNotFound,
                  "no active config in " + store->dir().string() + " and no --config to seed it");
    seed = TRY(readFile(options.config_path, config::kMaxConfigBytes));
    TRY(parseStored(*seed, options.config_path.string()));
  } else if (!options.config_path.empty()) {
    log::info("config store in use; --config is only read to seed an empty store",
              {{"store", store->dir().string()}, {"ignored", options.config_path.string()}});
  }
  auto report = TRY(store->prepare(seed, "seeded from " + options.config_path.string()));
  if (report.seeded) log::notice("config store seeded", {{"from", options.config_path.string()}});
  if (report.rolled_back) {
    log::warning(
        "a commit-confirm was pending when rempartd stopped; the previous config is "
        "active again",
        {{"armed_by", report.rolled_back->armed_by}});
  }
  if (report.history_repaired) log::warning("active config was missing from the history; added");
  auto text = TRY(store->active());
  auto model = TRY(parseStored(text, store->activePath().string()));
  return OpenedStore{std::move(store), std::move(model)};
}

}  // namespace

Daemon::Daemon(boost::asio::io_context& io, DaemonOptions options, config::Config config)
    : io_(io),
      options_(std::move(options)),
      config_(std::make_shared<const config::Config>(std::move(config))) {}

Result<std::unique_ptr<Daemon>> Daemon::create(boost::asio::io_context& io, DaemonOptions options) {
  if (options.control_socket.empty())
    options.control_socket = options.paths.runtime_dir / "control.sock";
  TRY(makeDirectory(options.paths.state_dir, 0700));
  auto opened = TRY(openConfigStore(options));
  std::unique_ptr<Daemon> d(new Daemon(io, std::move(options), std::move(opened.config)));
  d->store_ = std::move(opened.store);
  const auto& paths = d->options_.paths;
  TRY(makeDirectory(paths.runtime_dir, 0755));
  TRY(makeDirectory(paths.runtime_dir / "netns", 0755));
  TRY(makeDirectory(paths.runtime_dir / "levels", 0711));
  // 0711: sshd, as the user, must reach <state>/ssh/authorized_keys; nothing is listable.
  TRY(makeDirectory(paths.state_dir, 0711));
  TRY(makeDirectory(paths.state_dir / "log", 0700));
  TRY(makeDirectory(paths.state_dir / "keystore", 0700));
  d->topology_ = planTopology(*d->config_, paths);
  d->roles_ = RoleMap::fromConfig(d->config_->roles);
  d->admin_trail_ = TRY(AdminTrail::open(paths.state_dir / "log"));
  d->registerCommands();
  Daemon* self = d.get();
  d->control_ = TRY(ControlServer::create(
      io, d->options_.control_socket,
      [self](const ControlRequest& r, const PeerCredentials& p,
             std::shared_ptr<PendingReply> reply) { self->handle(r, p, std::move(reply)); },
      [self](const PeerCredentials& p, const std::string& why) {
        self->admin_trail_->recordProtocolRefusal(self->roles_.identify(p.uid), p, why);
      }));
  return d;
}

Result<void> Daemon::start() {
  log::info("gateway starting", {{"hostname", config_->system.hostname},
                                 {"levels", std::to_string(config_->levels.size())}});
  auto core = TRY(openNetns("/proc/self/ns/net"));
  running_ = std::make_unique<RunningTopology>(io_, config_, topology_, std::move(core),
                                               options_.paths.state_dir);
  TRY(running_->bringUp());
  connection_log_ = TRY(ConnectionLog::open(options_.paths.state_dir / "log"));
  trackPeers();
  TRY(startLevelTunnels());
  if (options_.run_sshd) TRY(startSshd());
  return {};
}

Result<void> Daemon::startSshd() {
  if (!config_->management) {
    log::notice("no management section: sshd is not started");
    return {};
  }
  SshdOptions o;
  o.executable = options_.sshd;
  o.runtime_dir = options_.paths.runtime_dir / "ssh";
  o.state_dir = options_.paths.state_dir / "ssh";
  o.settings.listen_address = config_->management->address.address;
  o.settings.port = config_->management->ssh_port;
  for (const auto* users : {&config_->roles.admin, &config_->roles.audit, &config_->roles.update})
    o.settings.allow_users.insert(o.settings.allow_users.end(), users->begin(), users->end());
  o.settings.allowed_sources = config_->management->allowed_sources;
  o.settings.cli = options_.cli;
  o.settings.control_socket = options_.control_socket;
  std::string key = o.settings.listen_address.str() + " " + std::to_string(o.settings.port);
  for (const auto& u : o.settings.allow_users) key += " " + u;
  for (const auto& p : o.settings.allowed_sources) key += " " + p.str();
  if (sshd_ && key == sshd_key_) return {};
  if (sshd_) {
    log::notice("management or roles changed: restarting sshd (open sessions stay)");
    sshd_->stop();
    sshd_.reset();
  }
  sshd_ = TRY(SshdSupervisor::create(io_, std::move(o)));
  sshd_key_ = std::move(key);
  sshd_->start();
  return {};
}

void Daemon::refreshSshd() {
  if (!options_.run_sshd || !running_) return;
  if (!config_->management) {
    if (sshd_) sshd_->stop();
    sshd_.reset();
    return;
  }
  if (auto r = startSshd(); !r) log::error("cannot restart sshd", {{"error", r.error().message()}});
}

void Daemon::stop(std::function<void()> done) {
  log::info("gateway stopping");
  if (sshd_) sshd_->stop();
  sshd_.reset();
  stopConfigCommands();
  control_.reset();
  if (peers_retry_) peers_retry_->cancel();
  auto pending = std::make_shared<size_t>(tunnels_.size() + 1);
  auto finish = [this, pending, done = std::move(done)]() {
    if (--*pending > 0) return;
    tunnels_.clear();
    peers_.reset();
    connection_log_.reset();
    if (running_) running_->tearDown();
    running_.reset();
    log::info("gateway stopped");
    done();
  };
  for (auto& t : tunnels_) t->stop(finish);
  finish();
}

namespace {

// Forwards the answer to the client and records the request, with its result, in the admin
// trail and rempartd's log once the answer is known. A request whose answer never comes (the
// command dropped it) is recorded when the reply is destroyed.
class LoggedReply : public PendingReply {
 public:
  LoggedReply(std::shared_ptr<PendingReply> inner, Caller caller, PeerCredentials peer,
              ControlRequest request, std::weak_ptr<AdminTrail> trail)
      : inner_(std::move(inner)),
        caller_(std::move(caller)),
        peer_(peer),
        request_(std::move(request)),
        trail_(std::move(trail)) {}
  ~LoggedReply() override {
    if (!recorded_) record(ControlResponse{1, "", "no answer: the client went away first\n"});
  }
  void send(ControlResponse r) override {
    if (recorded_) return;
    record(r);
    if (inner_->open()) inner_->send(std::move(r));
  }
  void onPeerClosed(std::function<void()> f) override { inner_->onPeerClosed(std::move(f)); }
  bool open() const override { return inner_->open(); }

 private:
  void record(const ControlResponse& r) {
    recorded_ = true;
    std::string words;
    for (const auto& w : request_.words) words += (words.empty() ? "" : " ") + w;
    log::info("control request", {{"user", caller_.user},
                                  {"uid", std::to_string(peer_.uid)},
                                  {"command", words},
                                  {"status", std::to_string(r.exit_status)}});
    if (auto t = trail_.lock()) t->record(caller_, peer_, request_, r);
  }

  std::shared_ptr<PendingReply> inner_;
  Caller caller_;
  PeerCredentials peer_;
  ControlRequest request_;
  std::weak_ptr<AdminTrail> trail_;
  bool recorded_ = false;
};

}  // namespace

void Daemon::handle(const ControlRequest& request, const PeerCredentials& peer,
                    std::shared_ptr<PendingReply> reply) {
  Caller caller = roles_.identify(peer.uid);
  auto logged =
      std::make_shared<LoggedReply>(std::move(reply), caller, peer, request, admin_trail_);
  // The CLI refused the command line itself (not UTF-8, too long, bad quoting) and says so, so
  // that the attempt is in the trail even though no command words could be sent.
  if (auto why = request.contextValue("refused"); !why.empty())
    return logged->send(ControlResponse{kExitUsage, "", "rempart: " + why + "\n"});
  commands_.dispatch(caller, request, peer, std::move(logged));
}

void Daemon::registerCommands() {
  using config::Role;
  commands_.add({{"help"},
                 "list the commands your role may run",
                 {},
                 [this](const CommandContext& c) {
                   // `help --words`: the command words the caller may run, one command per line,
                   // for the interactive CLI's completion, then the names that complete their
                   // arguments.
                   if (!c.args.empty() && c.args[0] != "--words") {
                     return ControlResponse{kExitUsage, "", "rempart: usage: help\n"};
                   }
                   if (c.args.size() == 1) {
                     std::string out;
                     for (const auto& words : commands_.commandsFor(c.caller)) {
                       std::string line;
                       for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
                       out += line + "\n";
                     }
                     // Then the names that may follow a command ("+ NAME"): levels, tunnels, roles.
                     std::set<std::string> names{"admin", "audit", "update"};
                     for (const auto& l : config_->levels) {
                       names.insert(l.name);
                       for (const auto& t : l.tunnels) names.insert(t.name);
                     }
                     for (const auto& n : names) out += "+ " + n + "\n";
                     return ControlResponse{0, out, ""};
                   }
                   return ControlResponse{0, commands_.help(c.caller), ""};
                 },
                 {},
                 1});
  commands_.add(
      {{"whoami"},
       "show your user name and role",
       {},
       [](const CommandContext& c) {
         return ControlResponse{
             0, c.caller.user + " " + std::string(config::toString(*c.caller.role)) + "\n", ""};
       },
       {},
       0});
  commands_.add({{"show", "version"},
                 "show the Rempart version",
                 {},
                 [](const CommandContext&) {
                   return ControlResponse{0, "rempart " REMPART_VERSION "\n", ""};
                 },
                 {},
                 0});
  commands_.add({{"show", "tunnels"},
                 "show every configured tunnel, up or down, and why",
                 {},
                 [this](const CommandContext& c) {
                   return ControlResponse{0, tunnelsText(c.json), ""};
                 },
                 {},
                 0});
  commands_.add({{"show", "firewall"},
                 "show every namespace's firewall rules with their counters",
                 {},
                 [this](const CommandContext&) { return firewallText(); },
                 {},
                 0});
  commands_.add({{"show", "status"},
                 "show the gateway, its levels and their state",
                 {},
                 [this](const CommandContext&) {
                   return ControlResponse{0, statusText(), ""};
                 },
                 {},
                 0});
  registerConfigCommands();
  registerUserCommands();
  registerKeyCommands();
  registerTunnelCommands();
  registerInterfaceCommands();
  registerLogCommands();
  registerUpdateCommands();
}

std::optional<size_t> Daemon::levelIndex(const std::string& name) const {
  for (size_t i = 0; i < config_->levels.size(); ++i)
    if (config_->levels[i].name == name) return i;
  return std::nullopt;
}

std::string Daemon::tunnelsText(bool json) const {
  std::vector<TunnelStatus> all;
  for (const auto& t : tunnels_)
    for (auto& s : t->status()) all.push_back(std::move(s));
  std::ostringstream o;
  if (json) {
    auto q = [](const std::string& s) {
      std::string out = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
      }
      return out + "\"";
    };
    o << "[";
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& t = all[i];
      o << (i ? "," : "") << "{\"level\":" << q(t.level) << ",\"tunnel\":" << q(t.tunnel)
        << ",\"state\":" << q(t.state) << ",\"why\":" << q(t.why)
        << ",\"start\":" << q(t.start_mode) << ",\"peer\":" << q(t.remote_address)
        << ",\"remote_id\":" << q(t.remote_id) << ",\"uptime_seconds\":"
        << (t.established_seconds ? std::to_string(*t.established_seconds) : "null")
        << ",\"bytes_in\":" << t.bytes_in << ",\"bytes_out\":" << t.bytes_out
        << ",\"packets_in\":" << t.packets_in << ",\"packets_out\":" << t.packets_out
        << ",\"spi_in\":" << q(t.spi_in) << ",\"spi_out\":" << q(t.spi_out) << "}";
    }
    o << "]\n";
    return o.str();
  }
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %-12s %-12s %-10s %12s %12s  %s\n", "LEVEL", "TUNNEL",
                "STATE", "UPTIME", "BYTES IN", "BYTES OUT", "PEER / WHY");
  o << line;
  for (const auto& t : all) {
    std::string uptime = t.established_seconds ? std::to_string(*t.established_seconds) + "s" : "-";
    std::string peer =
        t.remote_address + " (" + t.remote_id + ")" + (t.why.empty() ? "" : ": " + t.why);
    std::snprintf(line, sizeof line, "%-12s %-12s %-12s %-10s %12llu %12llu  %s\n", t.level.c_str(),
                  t.tunnel.c_str(), t.state.c_str(), uptime.c_str(),
                  static_cast<unsigned long long>(t.bytes_in),
                  static_cast<unsigned long long>(t.bytes_out), peer.c_str());
    o << line;
  }
  return o.str();
}

ControlResponse Daemon::firewallText() const {
  if (!running_) return ControlResponse{1, "", "rempart: the gateway is not running\n"};
  std::ostringstream o;
  auto section = [&](const std::string& where, int netns_fd) -> Result<void> {
    auto backend = TRY(firewall::NftBackend::createInNetns(netns_fd));
    auto rules = TRY(backend.readRules());
    o << where << ": " << rules.size() << " rules\n";
    for (const auto& r : rules) {
      o << "  " << r.chain << " #" << r.handle;
      if (r.has_counter) o << "  packets " << r.packets << " bytes " << r.bytes;
      if (!r.comment.empty()) o << "  (" << r.comment << ")";
      o << "\n";
    }
    return {};
  };
  std::string errors;
  if (auto r = section("core", running_->coreNetns()); !r)
    errors += "core: " + r.error().message() + "\n";
  for (size_t i = 0; i < topology_.levels.size(); ++i) {
    if (auto r = section("level " + topology_.levels[i].name, running_->levelNetns(i)); !r)
      errors += "level " + topology_.levels[i].name + ": " + r.error().message() + "\n";
  }
  return ControlResponse{errors.empty() ? 0 : 1, o.str(), errors};
}

std::string Daemon::statusText() const {
  std::ostringstream o;
  auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                             started_at_);
  o << "gateway " << config_->system.hostname << ", up " << up.count() << "s, dataplane "
    << config::toString(config_->system.dataplane) << "\n";
  for (size_t i = 0; i < topology_.levels.size(); ++i) {
    const auto& l = topology_.levels[i];
    o << "  level " << l.name << ": public " << l.public_address.str() << ", netns "
      << l.netns_path.string() << ", transit " << l.transit.core_ifname;
    if (i < tunnels_.size()) {
      size_t up = 0;
      auto st = tunnels_[i]->status();
      for (const auto& t : st) up += t.state == "up";
      o << ", charon pid " << tunnels_[i]->charonPid() << ", tunnels " << up << "/" << st.size()
        << " up";
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace rempart::gateway
