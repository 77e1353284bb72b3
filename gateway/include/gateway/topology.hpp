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
#pragma once

#include <filesystem>
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
  netconfig::DesiredState network;          // applied inside the level's namespace
};

struct TopologyPlan {
  netconfig::DesiredState core_network;            // applied in the core namespace
  std::vector<IpPrefix> proxied_public_addresses;  // answered for on the uplink
  std::vector<LevelPlan> levels;
};

inline constexpr const char* kLevelTransitName = "transit";

TopologyPlan planTopology(const config::Config& config, const InstancePaths& paths);

// "tr3" for level index 3.
std::string coreTransitName(size_t level_index);

}  // namespace rempart::gateway
