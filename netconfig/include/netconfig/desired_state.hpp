// What netconfig should make true in one network namespace: links (up, MTU), addresses and
// routes. Built from the config model (static parts) and from DHCP leases (dynamic parts), then
// reconciled against the kernel. Plain values; the reconciler owns no state beyond them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace rempart::netconfig {

// Our routes carry this rtnetlink protocol number; we only ever delete routes that carry it.
inline constexpr uint8_t kRouteProtocol = 252;
inline constexpr uint32_t kMainTable = 254;
inline constexpr uint32_t kStrongswanTable = 220;  // never touched

struct LinkSpec {
  std::string name;
  bool up = true;
  std::optional<unsigned> mtu;
  bool operator==(const LinkSpec&) const = default;
};

struct AddressSpec {
  std::string interface;
  IpPrefix address;  // with host bits: 10.1.0.1/24
  // Kernel lifetimes in seconds; nullopt means forever (static addresses). DHCP addresses get
  // the lease time so that the kernel removes them if we die.
  std::optional<uint32_t> valid_lifetime;
  std::optional<uint32_t> preferred_lifetime;
  bool operator==(const AddressSpec&) const = default;
};

struct RouteSpec {
  IpPrefix destination;  // network, no host bits; 0.0.0.0/0 for the default route
  std::optional<IpAddress> gateway;
  std::string interface;
  uint32_t table = kMainTable;
  uint32_t metric = 0;
  std::optional<IpAddress> preferred_source;
  std::optional<unsigned> mtu;  // route MTU (RTAX_MTU), e.g. from DHCP option 26
  bool operator==(const RouteSpec&) const = default;
};

struct DesiredState {
  std::vector<LinkSpec> links;  // only these interfaces are managed; others are never touched
  std::vector<AddressSpec> addresses;
  std::vector<RouteSpec> routes;
  bool operator==(const DesiredState&) const = default;
};

}  // namespace rempart::netconfig
