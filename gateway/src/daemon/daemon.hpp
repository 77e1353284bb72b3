// rempartd's core: owns the loaded config, the running topology and every supervised part, all
// on one io_context thread. Nothing here is called from another thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common/config/model.hpp"
#include "common/result.hpp"
#include "gateway/admin_trail.hpp"
#include "gateway/control_server.hpp"
#include "gateway/level_tunnels.hpp"
#include "gateway/roles.hpp"
#include "gateway/running_topology.hpp"
#include "gateway/sshd.hpp"
#include "gateway/topology.hpp"

namespace rempart::gateway {

struct DaemonOptions {
  std::filesystem::path config_path;
  InstancePaths paths{"/run/rempart", "/var/lib/rempart"};
  std::filesystem::path control_socket;  // default <runtime>/control.sock
  uid_t charon_uid_base = charon::kDefaultUidBase;  // distinct per gateway on one machine
  // sshd on the management address (when the config has one), running `cli` as ForceCommand.
  bool run_sshd = true;
  std::filesystem::path sshd = "/usr/sbin/sshd";
  std::filesystem::path cli = "/usr/bin/rempart";
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

 private:
  Daemon(boost::asio::io_context& io, DaemonOptions options, config::Config config);
  void registerCommands();
  void registerUserCommands();
  std::filesystem::path authorizedKeysDir() const;
  [[nodiscard]] Result<void> startSshd();
  void handle(const ControlRequest& request, const PeerCredentials& peer,
              std::shared_ptr<PendingReply> reply);
  std::string statusText() const;
  std::string tunnelsText(bool json) const;
  ControlResponse firewallText() const;

  boost::asio::io_context& io_;
  DaemonOptions options_;
  config::Config config_;
  TopologyPlan topology_;
  std::unique_ptr<RunningTopology> running_;
  std::unique_ptr<ConnectionLog> connection_log_;
  std::vector<std::unique_ptr<LevelTunnels>> tunnels_;
  RoleMap roles_;
  std::shared_ptr<AdminTrail> admin_trail_;
  std::unique_ptr<SshdSupervisor> sshd_;
  CommandTable commands_;
  std::unique_ptr<ControlServer> control_;
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
};

}  // namespace rempart::gateway
