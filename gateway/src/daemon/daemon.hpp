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
#include "gateway/control_server.hpp"
#include "gateway/roles.hpp"
#include "gateway/running_topology.hpp"
#include "gateway/topology.hpp"

namespace rempart::gateway {

struct DaemonOptions {
  std::filesystem::path config_path;
  InstancePaths paths{"/run/rempart", "/var/lib/rempart"};
  std::filesystem::path control_socket;  // default <runtime>/control.sock
};

class Daemon {
 public:
  // Loads and validates the config, prepares the runtime and state directories and binds the
  // control socket. Nothing in the network is changed yet.
  static Result<std::unique_ptr<Daemon>> create(boost::asio::io_context& io, DaemonOptions options);

  // Brings the gateway up: namespaces, links, addresses, firewall, charons, tunnels.
  [[nodiscard]] Result<void> start();

  // Orderly shutdown: tunnels terminated, charons stopped, what we created removed.
  void stop();

 private:
  Daemon(boost::asio::io_context& io, DaemonOptions options, config::Config config);
  void registerCommands();
  ControlResponse handle(const ControlRequest& request, const PeerCredentials& peer);
  std::string statusText() const;

  boost::asio::io_context& io_;
  DaemonOptions options_;
  config::Config config_;
  TopologyPlan topology_;
  std::unique_ptr<RunningTopology> running_;
  RoleMap roles_;
  CommandTable commands_;
  std::unique_ptr<ControlServer> control_;
  std::chrono::system_clock::time_point started_at_ = std::chrono::system_clock::now();
};

}  // namespace rempart::gateway
