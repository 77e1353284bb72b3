// The uplink's DHCPv4 client inside rempartd: runs netconfig's client on the core namespace's
// uplink and applies each lease through the core reconciler (part "dhcp4:<uplink>"), with the
// TunnelVision filter built from the config's protected prefixes. io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <optional>

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "netconfig/dhcp/lease.hpp"
#include "netconfig/dhcp/lease_applier.hpp"
#include "netconfig/dhcp/runner.hpp"
#include "netconfig/reconciler.hpp"

namespace rempart::gateway {

class UplinkDhcp {
 public:
  // Starts the client now. The lease file lives in `state_dir`; `core_netns_fd` is borrowed.
  static Result<std::unique_ptr<UplinkDhcp>> start(boost::asio::io_context& io,
                                                   const config::Config& config,
                                                   netconfig::Reconciler& core,
                                                   const std::filesystem::path& state_dir,
                                                   int core_netns_fd);

 private:
  UplinkDhcp() = default;
  void onEvent(const netconfig::dhcp::Event& event);

  netconfig::dhcp::SystemClock clock_;
  std::optional<netconfig::dhcp::FileLeaseStore> store_;
  std::unique_ptr<netconfig::dhcp::LeaseApplier> applier_;
  std::unique_ptr<netconfig::dhcp::ClientRunner> runner_;
};

}  // namespace rempart::gateway
