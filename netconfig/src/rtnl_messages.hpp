// Internal: encodes plan changes as rtnetlink requests and decodes kernel messages into
// LinkState/AddressState/RouteState. Shared by KernelRtnl and RtnlMonitor; pure, no I/O.
#pragma once

#include <linux/netlink.h>

#include <optional>

#include "netconfig/actual_state.hpp"
#include "netconfig/plan.hpp"

namespace rempart::netconfig::detail {

// Largest request any put*() writes; callers reserve this much before calling.
inline constexpr size_t kMaxRequestSize = 512;

// Each writes one request at `buf` and returns its header. Flags: NLM_F_REQUEST plus
// CREATE|REPLACE for additions; the caller may OR in NLM_F_ACK.
nlmsghdr* putLinkChange(char* buf, uint32_t seq, const LinkChange& change);
nlmsghdr* putAddressChange(char* buf, uint32_t seq, const AddressChange& change);
nlmsghdr* putRouteChange(char* buf, uint32_t seq, const RouteChange& change);
// A dump request (NLM_F_DUMP) for RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE.
nlmsghdr* putDumpRequest(char* buf, uint32_t seq, uint16_t type);

// Decoders return nullopt for messages that are not of interest (other families, cloned
// routes, truncated messages).
std::optional<LinkState> parseLink(const nlmsghdr* nlh);
std::optional<AddressState> parseAddress(const nlmsghdr* nlh);
std::optional<RouteState> parseRoute(const nlmsghdr* nlh);
// RTM_NEW*/RTM_DEL* notification -> event; nullopt if not of interest.
std::optional<RtnlEvent> parseEvent(const nlmsghdr* nlh);

}  // namespace rempart::netconfig::detail
