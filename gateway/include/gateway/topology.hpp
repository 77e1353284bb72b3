// The shape of a running gateway, derived from the config: which network namespaces exist, which
// links join them, and what netconfig must make true in each. Pure: planTopology() does no I/O,
// so the same config always gives the same names and addresses.
//
// Layout: rempartd runs in the core namespace, which keeps the uplink and the management
// interface. Each level gets its own namespace, bind-mounted at <runtime>/netns/<level>, holding
// its LAN interfaces and its charon. A transit veth pair joins each level to the core: "tr<i>"
// in the core, "transit" in the level. The level's public IKE address is a /32 on its transit
// side; the core routes that /32 into the level and answers ARP for it on the uplink (proxy
// neighbour), so peers reach each level at its own address without NAT.
//
// Kernel dataplane: each level also has an XFRM interface "ipsec0" whose if_id is the level's
// (levelXfrmIfId); the routes of its tunnels' remote traffic selectors point into it, so only
// traffic routed there meets the level's IPsec policies (which carry the same if_id).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "netconfig/desired_state.hpp"

namespace rempart::gateway {

// Options that make every derived name distinct, so that two gateways run side by side.
struct InstancePaths {
  std::filesystem::path runtime_dir;  // e.g. /run/rempart; holds netns/, levels/<name>/
  std::filesystem::path state_dir;    // e.g. /var/lib/rempart; config store, logs, keystore
};

struct TransitLink {
  std::string core_ifname;   // "tr0"
  std::string level_ifname;  // "transit"
  IpPrefix core_address;     // 169.254.<i+1>.1/30
  IpPrefix level_address;    // 169.254.<i+1>.2/30
};

struct LevelPlan {
  std::string name;
  size_t index = 0;
  std::filesystem::path netns_path;    // <runtime>/netns/<name>
  std::filesystem::path runtime_dir;   // <runtime>/levels/<name>: charon's only writable place
  std::filesystem::path keystore_dir;  // <state>/keystore/<name>
  TransitLink transit;
  IpAddress public_address;
  std::vector<std::string> lan_interfaces;  // moved from the core into the level's namespace
  std::optional<uint32_t> xfrm_if_id;       // kernel dataplane: create kLevelTunnelName with it
  netconfig::DesiredState network;          // applied inside the level's namespace
};

struct TopologyPlan {
  netconfig::DesiredState core_network;            // applied in the core namespace
  std::vector<IpPrefix> proxied_public_addresses;  // answered for on the uplink
  std::vector<LevelPlan> levels;
};

inline constexpr const char* kLevelTransitName = "transit";
// The level's tunnel device: the XFRM interface (kernel) or charon's TUN (libipsec).
inline constexpr const char* kLevelTunnelName = "ipsec0";

// The XFRM if_id of level `level_index` (kernel dataplane): SAs, policies and the level's XFRM
// interface all carry it. Never 0, which means "no interface".
inline uint32_t levelXfrmIfId(size_t level_index) {
  return static_cast<uint32_t>(level_index) + 1;
}

TopologyPlan planTopology(const config::Config& config, const InstancePaths& paths);

// "tr3" for level index 3.
std::string coreTransitName(size_t level_index);

}  // namespace rempart::gateway
