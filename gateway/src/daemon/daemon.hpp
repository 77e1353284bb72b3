// rempartd's core: owns the loaded config, the running topology and every supervised part, all
// on one io_context thread. Nothing here is called from another thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "common/config/model.hpp"
#include "common/result.hpp"
#include "gateway/config_store.hpp"
#include "gateway/control_server.hpp"
#include "gateway/level_tunnels.hpp"
#include "gateway/roles.hpp"
#include "gateway/running_topology.hpp"
#include "gateway/topology.hpp"

namespace rempart::gateway {

struct ConfigCommitState;  // config_commit.hpp
struct CommitRequest;      // config_commit.hpp

struct DaemonOptions {
  // Seeds the config store (<state>/config) on first start; afterwards the store's active
  // config is what runs, and this file is not read. May be empty once the store exists.
  std::filesystem::path config_path;
  InstancePaths paths{"/run/rempart", "/var/lib/rempart"};
  std::filesystem::path control_socket;             // default <runtime>/control.sock
  uid_t charon_uid_base = charon::kDefaultUidBase;  // distinct per gateway on one machine
};

class Daemon {
 public:
  // Loads and validates the config, prepares the runtime and state directories and binds the
  // control socket. Nothing in the network is changed yet.
  static Result<std::unique_ptr<Daemon>> create(boost::asio::io_context& io, DaemonOptions options);

  // Brings the gateway up: namespaces, links, addresses, firewall, charons, tunnels.
  [[nodiscard]] Result<void> start();

  // Orderly shutdown: tunnels terminated, charons stopped, what we created removed; then
  // `done` runs (on the io_context).
  void stop(std::function<void()> done);

  // Applies `next` to the running gateway (reconfigure.cpp says in what order, and what makes
  // it rebuild everything). Everything that can fail before touching anything is checked first
  // (firewalls, topology, VICI messages, every credential): then `done` gets the error and
  // nothing changed. A failure while applying names what failed and leaves the rest; calling
  // reconfigure() with the previous config then restores it. Unchanged tunnels keep their SAs.
  // `done` runs once, on the io_context. One at a time: a call while another runs is refused
  // (kConflict).
  void reconfigure(config::Config next, std::function<void(Result<void>)> done);
  // Reads and validates a config file (each located error is logged; nothing changes on
  // error), then reconfigure()s to it; if applying fails midway, goes back to the config in
  // force before. Outcomes are logged. (Bypasses the config store: SIGHUP uses commitFile.)
  // While a change is being applied, the reload waits for it to finish (several make one).
  void reloadFrom(const std::filesystem::path& path);
  // Commits the config in `path` through the config store, as `config commit` does (history
  // entry by "rempartd"; on an apply failure the previous config is restored). Outcomes are
  // logged with reloadFrom's lines. What SIGHUP does with --config, so that the store always
  // names what runs.
  void commitFile(const std::filesystem::path& path);

 private:
  Daemon(boost::asio::io_context& io, DaemonOptions options, config::Config config);
  void registerCommands();
  void registerKeyCommands();        // key_commands.cpp
  void registerTunnelCommands();     // tunnel_commands.cpp
  void registerInterfaceCommands();  // interface_commands.cpp
  void registerLogCommands();        // log_commands.cpp
  // The index of level `name` in config_.levels, or nullopt.
  std::optional<size_t> levelIndex(const std::string& name) const;
  void handle(const ControlRequest& request, const PeerCredentials& peer,
              std::shared_ptr<PendingReply> reply);
  std::string statusText() const;
  std::string tunnelsText(bool json) const;
  ControlResponse firewallText() const;
  // One LevelTunnels per level of config_, started. Used by start() and by a rebuild.
  [[nodiscard]] Result<void> startLevelTunnels();
  // reconfigure(), telling `done` also whether anything was touched (validation passed).
  void reconfigureTracked(config::Config next,
                          std::function<void(Result<void>, bool touched)> done);
  void rebuild(std::shared_ptr<const config::Config> next, TopologyPlan plan,
               std::function<void(Result<void>)> done);

  // The config store and the `config ...` commands (config_commands.cpp).
  void registerConfigCommands();
  void commitConfig(const CommitRequest& request, std::shared_ptr<PendingReply> reply);
  void rollBackUnconfirmed(const std::string& reason);
  void stopConfigCommands();

  boost::asio::io_context& io_;
  DaemonOptions options_;
  // Shared with RunningTopology and LevelTunnels; replaced (never mutated) by reconfigure().
  std::shared_ptr<const config::Config> config_;
  TopologyPlan topology_;
  std::unique_ptr<RunningTopology> running_;
  std::unique_ptr<ConnectionLog> connection_log_;
  std::vector<std::unique_ptr<LevelTunnels>> tunnels_;
  RoleMap roles_;
  CommandTable commands_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<ConfigStore> store_;
  std::shared_ptr<ConfigCommitState> config_commit_;
  bool reconfiguring_ = false;
  std::optional<std::filesystem::path> reload_pending_;  // reloadFrom() once reconfiguring ends
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
};

}  // namespace rempart::gateway
