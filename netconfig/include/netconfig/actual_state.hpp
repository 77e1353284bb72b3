// What the kernel has in one network namespace, as read from an rtnetlink dump and kept current
// by notifications: links, addresses and routes (all tables). Plain values; the planner diffs
// them against the DesiredState.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace rempart::netconfig {

inline constexpr uint32_t kForever = 0xffffffff;  // kernel lifetime meaning "no expiry"

struct LinkState {
  int ifindex = 0;
  std::string name;
  unsigned flags = 0;  // IFF_*
  unsigned mtu = 0;
  bool up() const;       // IFF_UP (administratively up)
  bool carrier() const;  // IFF_LOWER_UP
  bool operator==(const LinkState&) const = default;
};

struct AddressState {
  int ifindex = 0;
  IpPrefix address;    // local address with host bits and prefix length
  uint32_t flags = 0;  // IFA_F_* (from IFA_FLAGS when present)
  uint8_t scope = 0;
  uint8_t protocol = 0;  // IFA_PROTO; kRouteProtocol marks addresses we created
  uint32_t valid_lifetime = kForever;
  uint32_t preferred_lifetime = kForever;
  bool tentative() const;  // IPv6 DAD still running
  bool dadFailed() const;  // IPv6 DAD found a duplicate
  bool operator==(const AddressState&) const = default;
};

struct RouteState {
  uint8_t type = 1;  // RTN_UNICAST
  uint32_t table = 254;
  IpPrefix destination;  // network
  uint8_t tos = 0;
  uint32_t metric = 0;  // RTA_PRIORITY (IPv6 metric 0 is stored by the kernel as 1024)
  uint8_t protocol = 0;
  uint8_t scope = 0;
  std::optional<IpAddress> gateway;
  int oif = 0;
  std::optional<IpAddress> preferred_source;
  std::optional<unsigned> mtu;
  bool operator==(const RouteState&) const = default;
};

struct ActualState {
  std::vector<LinkState> links;
  std::vector<AddressState> addresses;
  std::vector<RouteState> routes;

  const LinkState* findLink(std::string_view name) const;
  const LinkState* findLink(int ifindex) const;
};

// One rtnetlink notification, decoded. kOverrun means the kernel dropped notifications (our
// buffer was full): the cached state is stale and a fresh dump is needed.
struct RtnlEvent {
  enum class Kind { kNewLink, kDelLink, kNewAddress, kDelAddress, kNewRoute, kDelRoute, kOverrun };
  Kind kind = Kind::kOverrun;
  LinkState link;        // for link events
  AddressState address;  // for address events
  RouteState route;      // for route events
};

// Folds one notification into `state` (pure). kOverrun leaves it unchanged.
void applyEvent(ActualState& state, const RtnlEvent& event);

}  // namespace rempart::netconfig
