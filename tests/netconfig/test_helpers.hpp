// Small builders for netconfig unit tests.
#pragma once

#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <stdexcept>
#include <string>

#include "netconfig/actual_state.hpp"
#include "netconfig/desired_state.hpp"

namespace rempart::netconfig::testing {

inline IpPrefix pfx(const std::string& s) {
  auto p = IpPrefix::parse(s, true);
  if (!p) throw std::invalid_argument("bad prefix in test: " + s);
  return *p;
}
inline IpAddress ip(const std::string& s) {
  auto a = IpAddress::parse(s);
  if (!a) throw std::invalid_argument("bad address in test: " + s);
  return *a;
}

inline LinkState link(int ifindex, std::string name, bool up = true, unsigned mtu = 1500) {
  return LinkState{ifindex, std::move(name), up ? unsigned{IFF_UP} | unsigned{IFF_LOWER_UP} : 0u,
                   mtu};
}

inline AddressState addr(int ifindex, const std::string& prefix, uint8_t protocol = 0) {
  AddressState a;
  a.ifindex = ifindex;
  a.address = pfx(prefix);
  a.protocol = protocol;
  return a;
}

inline RouteState route(const std::string& dst, std::optional<std::string> gw, int oif,
                        uint8_t protocol, uint32_t table = kMainTable, uint32_t metric = 0) {
  RouteState r;
  r.type = RTN_UNICAST;
  r.destination = pfx(dst);
  if (gw) r.gateway = ip(*gw);
  r.oif = oif;
  r.protocol = protocol;
  r.table = table;
  r.metric = metric;
  r.scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  return r;
}

inline AddressSpec addressSpec(std::string interface, const std::string& prefix) {
  return AddressSpec{std::move(interface), pfx(prefix), std::nullopt, std::nullopt};
}

inline RouteSpec routeSpec(const std::string& dst, std::optional<std::string> gw,
                           std::string interface, uint32_t table = kMainTable,
                           uint32_t metric = 0) {
  RouteSpec r;
  r.destination = pfx(dst);
  if (gw) r.gateway = ip(*gw);
  r.interface = std::move(interface);
  r.table = table;
  r.metric = metric;
  return r;
}

}  // namespace rempart::netconfig::testing
