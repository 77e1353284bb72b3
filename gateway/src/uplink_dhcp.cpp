#include "gateway/uplink_dhcp.hpp"

#include "common/log.hpp"
#include "netconfig/dhcp/lease_state.hpp"

namespace rempart::gateway {

namespace dhcp = netconfig::dhcp;

Result<std::unique_ptr<UplinkDhcp>> UplinkDhcp::start(boost::asio::io_context& io,
                                                      const config::Config& config,
                                                      netconfig::Reconciler& core,
                                                      const std::filesystem::path& state_dir,
                                                      int core_netns_fd) {
  std::unique_ptr<UplinkDhcp> u(new UplinkDhcp());
  u->store_.emplace(TRY(dhcp::FileLeaseStore::create(state_dir, config.uplink.interface)));
  u->applier_ = std::make_unique<dhcp::LeaseApplier>(core, dhcp::leasePolicyFor(config), u->clock_);
  dhcp::RunnerOptions options;
  options.interface = config.uplink.interface;
  options.netns_fd = core_netns_fd;
  options.request_routes = !config.uplink.dhcp.ignore_classless_routes;
  UplinkDhcp* self = u.get();
  u->runner_ = TRY(dhcp::ClientRunner::create(io, options, u->clock_, *u->store_,
                                              [self](const dhcp::Event& e) { self->onEvent(e); }));
  u->runner_->start();
  return u;
}

void UplinkDhcp::onEvent(const dhcp::Event& event) {
  using Kind = dhcp::Event::Kind;
  if (event.kind == Kind::kRejected || event.kind == Kind::kError) {
    // Untrusted text from the network: the logger quotes and escapes it.
    log::warning("DHCP input rejected", {{"reason", event.detail}});
    return;
  }
  auto outcome = applier_->onEvent(event);
  if (!outcome) {
    log::error("applying the DHCP lease", {{"error", outcome.error().message()}});
    return;
  }
  for (const auto& refused : outcome->refused) log::warning("DHCP option not applied", {{"what", refused}});
  if (event.lease) {
    log::notice(event.kind == Kind::kLost ? "DHCP lease lost" : "DHCP lease applied",
                {{"address", event.lease->address.str()}});
  }
}

}  // namespace rempart::gateway
