// The link-level changes that build a gateway's topology, over rtnetlink: create the transit
// veth pair across two namespaces, create a level's XFRM interface, move LAN interfaces into a
// level's namespace and back, answer ARP for a level's public address on the uplink, and set
// per-namespace sysctls. Each is idempotent: what already holds is adopted, never torn down and
// rebuilt.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>

#include "common/ip.hpp"
#include "common/result.hpp"

namespace rempart::gateway {

// Ensures a veth pair `name` (in the namespace `netns_fd`) <-> `peer_name` (in `peer_netns_fd`).
// Adopts an existing `name`.
[[nodiscard]] Result<void> ensureVethPair(int netns_fd, const std::string& name, int peer_netns_fd,
                                          const std::string& peer_name);

// Ensures an XFRM interface `name` (kind "xfrm") in namespace `netns_fd` whose SAs and policies
// carry `if_id` (non-zero), over the underlay interface `underlay` of the same namespace. The
// kernel dataplane routes a level's remote traffic selectors through it. An existing `name`
// with this if_id is adopted; one of another kind or if_id is deleted and created again.
// Fails with kNotFound when `underlay` does not exist, kKernel when the kernel refuses (no
// CONFIG_XFRM_INTERFACE: EOPNOTSUPP).
[[nodiscard]] Result<void> ensureXfrmInterface(int netns_fd, const std::string& name,
                                               uint32_t if_id, const std::string& underlay);

// The RTM_NEWLINK request ensureXfrmInterface sends, built into `buf` (MNL_SOCKET_BUFFER_SIZE
// bytes): IFLA_IFNAME, IFLA_LINKINFO{IFLA_INFO_KIND "xfrm", IFLA_INFO_DATA{IFLA_XFRM_LINK,
// IFLA_XFRM_IF_ID}}, with NLM_F_CREATE|NLM_F_EXCL. Exposed for the unit tests.
nlmsghdr* buildXfrmLinkRequest(char* buf, const std::string& name, uint32_t if_id,
                               int underlay_index);

// The kind and XFRM if_id of an RTM_NEWLINK message (a GETLINK reply), for adoption checks.
struct LinkKindInfo {
  std::string kind;               // IFLA_INFO_KIND, empty for a physical device
  std::optional<uint32_t> if_id;  // IFLA_XFRM_IF_ID when kind is "xfrm"
};
LinkKindInfo parseLinkKind(const nlmsghdr* nlh);

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
