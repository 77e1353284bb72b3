#include "daemon.hpp"

#include <sys/stat.h>

#include <sstream>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "common/log.hpp"
#include "common/netlink_socket.hpp"

namespace rempart::gateway {

namespace {

Result<void> makeDirectory(const std::filesystem::path& p, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(p, ec);
  if (ec) return failErrno(ec.value(), "creating " + p.string());
  if (::chmod(p.c_str(), mode) != 0) return failErrno("chmod " + p.string());
  return {};
}

Result<config::Config> loadConfig(const std::filesystem::path& path) {
  auto text = TRY(readFile(path, config::kMaxConfigBytes));
  auto model = config::parseConfig(text, path.string());
  if (!model) {
    std::string all;
    for (const auto& d : model.error()) all += "\n  " + d.format();
    return fail(ErrorCode::kInvalidInput, "invalid configuration:" + all);
  }
  return std::move(*model);
}

}  // namespace

Daemon::Daemon(boost::asio::io_context& io, DaemonOptions options, config::Config config)
    : io_(io), options_(std::move(options)), config_(std::move(config)) {}

Result<std::unique_ptr<Daemon>> Daemon::create(boost::asio::io_context& io, DaemonOptions options) {
  if (options.control_socket.empty())
    options.control_socket = options.paths.runtime_dir / "control.sock";
  auto config = TRY(loadConfig(options.config_path));
  std::unique_ptr<Daemon> d(new Daemon(io, std::move(options), std::move(config)));
  const auto& paths = d->options_.paths;
  TRY(makeDirectory(paths.runtime_dir, 0755));
  TRY(makeDirectory(paths.runtime_dir / "netns", 0755));
  TRY(makeDirectory(paths.runtime_dir / "levels", 0711));
  TRY(makeDirectory(paths.state_dir, 0700));
  TRY(makeDirectory(paths.state_dir / "keystore", 0700));
  d->topology_ = planTopology(d->config_, paths);
  d->roles_ = RoleMap::fromConfig(d->config_.roles);
  d->registerCommands();
  Daemon* self = d.get();
  d->control_ = TRY(ControlServer::create(
      io, d->options_.control_socket,
      [self](const ControlRequest& r, const PeerCredentials& p) { return self->handle(r, p); }));
  return d;
}

Result<void> Daemon::start() {
  log::info("gateway starting", {{"hostname", config_.system.hostname},
                                 {"levels", std::to_string(config_.levels.size())}});
  auto core = TRY(openNetns("/proc/self/ns/net"));
  running_ = std::make_unique<RunningTopology>(io_, config_, topology_, std::move(core));
  TRY(running_->bringUp());
  return {};
}

void Daemon::stop() {
  log::info("gateway stopping");
  control_.reset();
  if (running_) running_->tearDown();
  running_.reset();
}

ControlResponse Daemon::handle(const ControlRequest& request, const PeerCredentials& peer) {
  Caller caller = roles_.identify(peer.uid);
  ControlResponse r = commands_.dispatch(caller, request);
  std::string words;
  for (const auto& w : request.words) words += (words.empty() ? "" : " ") + w;
  log::info("control request", {{"user", caller.user},
                                {"uid", std::to_string(peer.uid)},
                                {"command", words},
                                {"status", std::to_string(r.exit_status)}});
  return r;
}

void Daemon::registerCommands() {
  using config::Role;
  commands_.add(
      {{"help"}, "list the commands your role may run", {}, [this](const CommandContext& c) {
         return ControlResponse{0, commands_.help(c.caller), ""};
       }});
  commands_.add(
      {{"whoami"}, "show your user name and role", {}, [](const CommandContext& c) {
         return ControlResponse{
             0, c.caller.user + " " + std::string(config::toString(*c.caller.role)) + "\n", ""};
       }});
  commands_.add({{"show", "version"}, "show the Rempart version", {}, [](const CommandContext&) {
                   return ControlResponse{0, "rempart " REMPART_VERSION "\n", ""};
                 }});
  commands_.add({{"show", "status"},
                 "show the gateway, its levels and their state",
                 {},
                 [this](const CommandContext&) {
                   return ControlResponse{0, statusText(), ""};
                 }});
}

std::string Daemon::statusText() const {
  std::ostringstream o;
  auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() -
                                                             started_at_);
  o << "gateway " << config_.system.hostname << ", up " << up.count() << "s, dataplane "
    << config::toString(config_.system.dataplane) << "\n";
  for (const auto& l : topology_.levels) {
    o << "  level " << l.name << ": public " << l.public_address.str() << ", netns "
      << l.netns_path.string() << ", transit " << l.transit.core_ifname << "\n";
  }
  return o.str();
}

}  // namespace rempart::gateway
