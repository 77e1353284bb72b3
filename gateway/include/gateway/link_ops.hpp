// The link-level changes that build a gateway's topology, over rtnetlink: create the transit
// veth pair across two namespaces, move LAN interfaces into a level's namespace and back, answer
// ARP for a level's public address on the uplink, and set per-namespace sysctls. Each is
// idempotent: what already holds is adopted, never torn down and rebuilt.
#pragma once

#include <string>

#include "common/ip.hpp"
#include "common/result.hpp"

namespace rempart::gateway {

// Ensures a veth pair `name` (in the namespace `netns_fd`) <-> `peer_name` (in `peer_netns_fd`).
// Adopts an existing `name`.
[[nodiscard]] Result<void> ensureVethPair(int netns_fd, const std::string& name, int peer_netns_fd,
                                          const std::string& peer_name);

// Moves interface `name` from namespace `from_fd` into `to_fd`. Succeeds without change when it
// is already in `to_fd`; fails with kNotFound when it is in neither.
[[nodiscard]] Result<void> moveLink(int from_fd, int to_fd, const std::string& name);

// Deletes interface `name` in `netns_fd`; a missing interface is fine.
[[nodiscard]] Result<void> deleteLink(int netns_fd, const std::string& name);

// Adds (or removes) a proxy-neighbour entry: the namespace answers ARP/ND on `ifname` for
// `address`, which it routes elsewhere.
[[nodiscard]] Result<void> setProxyNeighbour(int netns_fd, const std::string& ifname,
                                             const IpAddress& address, bool present);

// Writes `value` to /proc/sys/<key> as seen from namespace `netns_fd`
// ("net/ipv4/ip_forward" -> "1").
[[nodiscard]] Result<void> writeSysctl(int netns_fd, const std::string& key,
                                       const std::string& value);

}  // namespace rempart::gateway
