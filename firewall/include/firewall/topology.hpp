// The interface names the firewall compiler needs, decided by the gateway when it builds the
// namespaces (issue 5): the core keeps uplink and management, each level gets a namespace with
// its LANs, one end of a transit veth pair, and its tunnel device (the XFRM interface of the
// kernel dataplane, or libipsec's TUN device).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/model.hpp"

namespace rempart::firewall {

struct LevelLinks {
  std::string transit_core;    // core-side end of the level's transit veth
  std::string transit_level;   // level-side end, in the level namespace
  std::string tun = "ipsec0";  // tunnel device in the level namespace (XFRM interface or TUN)
};

struct Topology {
  config::Dataplane dataplane = config::Dataplane::kKernel;
  std::string uplink;
  std::string management;          // empty when there is no management interface
  std::vector<LevelLinks> levels;  // same order and size as Config::levels
};

// The reqid the gateway must configure for tunnel `tunnel_index` of a level (swanctl
// children.<name>.reqid) so that kernel-dataplane rules can name the tunnel. Unique per level
// namespace, which is all the match needs.
inline uint32_t tunnelReqid(size_t tunnel_index) {
  return static_cast<uint32_t>(tunnel_index) + 1;
}

// The names gateway/topology.hpp plans: "tr<i>" in the core, "transit" and "ipsec0" in the level.
Topology defaultTopology(const config::Config& config);

}  // namespace rempart::firewall
