#include "gateway/running_topology.hpp"

#include "common/log.hpp"
#include "firewall/compiler.hpp"
#include "firewall/nft_backend.hpp"
#include "gateway/link_ops.hpp"
#include "gateway/named_netns.hpp"

namespace rempart::gateway {

namespace {

constexpr const char* kStaticPart = "static";

// Applies `ruleset` as one transaction in the namespace; a failure leaves the previous one.
Result<void> applyFirewall(int netns_fd, const Result<firewall::Ruleset>& ruleset,
                           const std::string& where) {
  if (!ruleset)
    return unexpected<Error>(ruleset.error().wrap("compiling the " + where + " firewall"));
  auto backend = TRY(firewall::NftBackend::createInNetns(netns_fd));
  TRY(backend.apply(*ruleset).map_error(
      [&](Error e) { return e.wrap("applying the " + where + " firewall"); }));
  return {};
}

void logFailure(const char* what, const Result<void>& r) {
  if (!r) log::warning(what, {{"error", r.error().message()}});
}

}  // namespace

RunningTopology::RunningTopology(boost::asio::io_context& io,
                                 std::shared_ptr<const config::Config> config, TopologyPlan plan,
                                 UniqueFd core_netns_fd, std::filesystem::path state_dir)
    : io_(io),
      config_(std::move(config)),
      plan_(std::move(plan)),
      core_fd_(std::move(core_netns_fd)),
      state_dir_(std::move(state_dir)) {}

RunningTopology::~RunningTopology() = default;

Result<void> RunningTopology::bringUp() {
  const int core = core_fd_.get();
  const firewall::Topology fw_topology = firewall::defaultTopology(*config_);
  // Closed first: until the compiled policy is in, only management SSH gets in.
  if (config_->management) {
    TRY(applyFirewall(core,
                      firewall::closedRuleset(config_->management, config_->management->interface),
                      "closed core"));
  }
  TRY(writeSysctl(core, "net/ipv4/ip_forward", "1"));
  if (config_->uplink.ipv6) TRY(writeSysctl(core, "net/ipv6/conf/all/forwarding", "1"));
  // Never accept redirects on a gateway, and never send them from the core.
  TRY(writeSysctl(core, "net/ipv4/conf/all/accept_redirects", "0"));
  TRY(writeSysctl(core, "net/ipv4/conf/all/send_redirects", "0"));

  levels_.clear();
  for (const auto& lp : plan_.levels) {
    Level level;
    level.netns = TRY(ensureNamedNetns(lp.netns_path));
    const int ns = level.netns.get();
    TRY(applyFirewall(ns, firewall::compileLevel(*config_, fw_topology, lp.index),
                      "level " + lp.name));
    TRY(ensureVethPair(core, lp.transit.core_ifname, ns, lp.transit.level_ifname));
    for (const auto& lan : lp.lan_interfaces)
      TRY(moveLink(core, ns, lan).map_error([&](Error e) { return e.wrap("level " + lp.name); }));
    TRY(writeSysctl(ns, "net/ipv4/ip_forward", "1"));
    TRY(writeSysctl(ns, "net/ipv6/conf/all/forwarding", "1"));
    TRY(writeSysctl(ns, "net/ipv4/conf/all/accept_redirects", "0"));
    TRY(writeSysctl(ns, "net/ipv4/conf/all/send_redirects", "0"));
    if (lp.xfrm_if_id) {
      TRY(ensureXfrmInterface(ns, kLevelTunnelName, *lp.xfrm_if_id, lp.transit.level_ifname)
              .map_error([&](Error e) { return e.wrap("level " + lp.name); }));
    }
    level.network = TRY(NamespaceNetwork::create(io_, "level " + lp.name, ns));
    TRY(level.network->apply(kStaticPart, lp.network));
    levels_.push_back(std::move(level));
  }
  TRY(applyFirewall(core, firewall::compileCore(*config_, fw_topology), "core"));
  core_net_ = TRY(NamespaceNetwork::create(io_, "core", core));
  TRY(core_net_->apply(kStaticPart, plan_.core_network));
  for (const auto& p : plan_.proxied_public_addresses) {
    TRY(setProxyNeighbour(core, config_->uplink.interface, p.address, true));
  }
  if (config_->uplink.ipv4_dhcp) {
    dhcp_ = TRY(UplinkDhcp::start(io_, *config_, core_net_->reconciler(), state_dir_, core));
  }
  return {};
}

void RunningTopology::tearDown() {
  const int core = core_fd_.get();
  dhcp_.reset();
  // The core never falls open: what stays when rempartd is gone is the closed ruleset.
  if (config_->management) {
    logFailure(
        "loading the closed firewall",
        applyFirewall(core,
                      firewall::closedRuleset(config_->management, config_->management->interface),
                      "closed core"));
  }
  for (const auto& p : plan_.proxied_public_addresses) {
    logFailure("removing proxy neighbour",
               setProxyNeighbour(core, config_->uplink.interface, p.address, false));
  }
  if (core_net_) logFailure("withdrawing core network", core_net_->withdraw(kStaticPart));
  core_net_.reset();
  for (size_t i = 0; i < levels_.size(); ++i) {
    const auto& lp = plan_.levels[i];
    auto& level = levels_[i];
    if (level.network)
      logFailure("withdrawing level network", level.network->withdraw(kStaticPart));
    level.network.reset();
    // LAN interfaces go back to the core with none of our addresses; physical ones would
    // otherwise fall back to the initial namespace when the level namespace dies.
    for (const auto& lan : lp.lan_interfaces)
      logFailure("returning LAN interface", moveLink(level.netns.get(), core, lan));
    logFailure("deleting transit link", deleteLink(core, lp.transit.core_ifname));
    level.netns.reset();
    logFailure("removing level namespace", removeNamedNetns(lp.netns_path));
  }
  levels_.clear();
}

Result<CompiledFirewalls> compileFirewalls(const config::Config& config) {
  const firewall::Topology fw_topology = firewall::defaultTopology(config);
  CompiledFirewalls out;
  out.core = TRY(firewall::compileCore(config, fw_topology).map_error([](Error e) {
    return e.wrap("compiling the core firewall");
  }));
  for (size_t i = 0; i < config.levels.size(); ++i) {
    out.levels.push_back(TRY(firewall::compileLevel(config, fw_topology, i).map_error([&](Error e) {
      return e.wrap("compiling the firewall of level " + config.levels[i].name);
    })));
  }
  return out;
}

std::string RunningTopology::rebuildReason(const config::Config& current,
                                           const config::Config& next) {
  if (current.system.dataplane != next.system.dataplane) return "the dataplane changed";
  if (current.levels.size() != next.levels.size()) return "levels were added or removed";
  for (size_t i = 0; i < next.levels.size(); ++i) {
    const auto& a = current.levels[i];
    const auto& b = next.levels[i];
    if (a.name != b.name) return "levels were renamed or reordered";
    if (a.public_address != b.public_address)
      return "the public address of level " + b.name + " changed";
    if (a.lans.size() != b.lans.size()) return "the LANs of level " + b.name + " changed";
    for (size_t j = 0; j < b.lans.size(); ++j)
      if (a.lans[j].interface != b.lans[j].interface)
        return "the LAN interfaces of level " + b.name + " changed";
  }
  const auto& ua = current.uplink;
  const auto& ub = next.uplink;
  if (ua.interface != ub.interface) return "the uplink interface changed";
  if (ua.ipv4_dhcp != ub.ipv4_dhcp ||
      ua.dhcp.ignore_classless_routes != ub.dhcp.ignore_classless_routes ||
      ua.dhcp.max_routes != ub.dhcp.max_routes)
    return "the uplink's DHCP settings changed";
  if (ua.ipv6.has_value() != ub.ipv6.has_value()) return "IPv6 on the uplink was turned on or off";
  if (current.management.has_value() != next.management.has_value() ||
      (next.management && current.management->interface != next.management->interface))
    return "the management interface changed";
  return {};
}

Result<void> RunningTopology::reconcile(std::shared_ptr<const config::Config> next,
                                        TopologyPlan plan, const CompiledFirewalls& firewalls) {
  if (plan.levels.size() != levels_.size() || firewalls.levels.size() != levels_.size())
    return fail(ErrorCode::kInvalidInput, "the new config has another set of levels: rebuild");
  const int core = core_fd_.get();
  // Addresses and routes first, so that the new rules never point at what is not there yet.
  for (size_t i = 0; i < levels_.size(); ++i)
    TRY(levels_[i].network->apply(kStaticPart, plan.levels[i].network));
  TRY(core_net_->apply(kStaticPart, plan.core_network));
  for (size_t i = 0; i < levels_.size(); ++i)
    TRY(applyFirewall(levels_[i].netns.get(), firewalls.levels[i], "level " + plan.levels[i].name));
  TRY(applyFirewall(core, firewalls.core, "core"));
  config_ = std::move(next);
  plan_ = std::move(plan);
  return {};
}

}  // namespace rempart::gateway
