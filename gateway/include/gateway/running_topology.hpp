// Makes a TopologyPlan true on the machine and undoes it: the level namespaces, the transit
// veths, the LAN interfaces moved into their levels, forwarding sysctls, proxy neighbours for
// the public addresses, and netconfig in every namespace. Idempotent: bringing up over an
// existing topology (after a rempartd restart) adopts what is there. reconcile() applies a new
// config in place when its shape allows (see rebuildReason). The config is shared so that the
// daemon may replace its own. io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "firewall/ruleset.hpp"
#include "gateway/namespace_network.hpp"
#include "gateway/topology.hpp"
#include "gateway/uplink_dhcp.hpp"

namespace rempart::gateway {

// The firewalls a config compiles to. Pure.
struct CompiledFirewalls {
  firewall::Ruleset core;
  std::vector<firewall::Ruleset> levels;  // in config order
};
Result<CompiledFirewalls> compileFirewalls(const config::Config& config);

class RunningTopology {
 public:
  // `core_netns_fd` is the namespace holding the uplink (rempartd's own, normally).
  // `state_dir` keeps the uplink's DHCP lease.
  RunningTopology(boost::asio::io_context& io, std::shared_ptr<const config::Config> config,
                  TopologyPlan plan, UniqueFd core_netns_fd, std::filesystem::path state_dir);

  // Why `next` cannot be applied in place over `current`: levels added, removed or reordered, a
  // level's public address or LAN interfaces, the uplink interface or its DHCP settings, the
  // management interface, the dataplane. Empty when reconcile() can apply it.
  static std::string rebuildReason(const config::Config& current, const config::Config& next);

  // In place (rebuildReason() empty): netconfig in every namespace (only the differences are
  // sent), then each namespace's firewall as one atomic replace, levels first, core last.
  // Stops at the first failure, naming the namespace; what was applied stays (applying the
  // previous config again restores it). `plan` = planTopology(*next, same paths).
  [[nodiscard]] Result<void> reconcile(std::shared_ptr<const config::Config> next,
                                       TopologyPlan plan, const CompiledFirewalls& firewalls);
  ~RunningTopology();

  [[nodiscard]] Result<void> bringUp();
  // Moves LAN interfaces back to the core, removes veths, proxy entries, our addresses and
  // routes, and the level namespaces. Best effort: continues past errors and logs them.
  void tearDown();

  const TopologyPlan& plan() const { return plan_; }
  int coreNetns() const { return core_fd_.get(); }
  // The level's namespace fd, valid after bringUp().
  int levelNetns(size_t index) const { return levels_.at(index).netns.get(); }
  NamespaceNetwork& coreNetwork() { return *core_net_; }

 private:
  struct Level {
    UniqueFd netns;
    std::unique_ptr<NamespaceNetwork> network;
  };

  boost::asio::io_context& io_;
  std::shared_ptr<const config::Config> config_;
  TopologyPlan plan_;
  UniqueFd core_fd_;
  std::unique_ptr<NamespaceNetwork> core_net_;
  std::filesystem::path state_dir_;
  std::unique_ptr<UplinkDhcp> dhcp_;
  std::vector<Level> levels_;
};

}  // namespace rempart::gateway
