#include "netconfig/actual_state.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>

#include <algorithm>

namespace rempart::netconfig {

bool LinkState::up() const {
  return (flags & IFF_UP) != 0;
}
bool LinkState::carrier() const {
  return (flags & IFF_LOWER_UP) != 0;
}
bool AddressState::tentative() const {
  return (flags & IFA_F_TENTATIVE) != 0 && (flags & IFA_F_DADFAILED) == 0;
}
bool AddressState::dadFailed() const {
  return (flags & IFA_F_DADFAILED) != 0;
}

const LinkState* ActualState::findLink(std::string_view name) const {
  for (const auto& l : links)
    if (l.name == name) return &l;
  return nullptr;
}

const LinkState* ActualState::findLink(int ifindex) const {
  for (const auto& l : links)
    if (l.ifindex == ifindex) return &l;
  return nullptr;
}

namespace {

bool sameRouteKey(const RouteState& a, const RouteState& b) {
  return a.table == b.table && a.destination == b.destination && a.tos == b.tos &&
         a.metric == b.metric && a.type == b.type;
}

// The kernel's route identity within a key also includes the nexthop (IPv6 keeps several
// routes with one key as multipath siblings), so a deletion is matched on the nexthop too.
bool sameRoute(const RouteState& a, const RouteState& b) {
  return sameRouteKey(a, b) && a.gateway == b.gateway && a.oif == b.oif;
}

}  // namespace

void applyEvent(ActualState& state, const RtnlEvent& event) {
  using Kind = RtnlEvent::Kind;
  switch (event.kind) {
    case Kind::kNewLink: {
      auto it = std::find_if(state.links.begin(), state.links.end(),
                             [&](const LinkState& l) { return l.ifindex == event.link.ifindex; });
      if (it == state.links.end())
        state.links.push_back(event.link);
      else
        *it = event.link;
      break;
    }
    case Kind::kDelLink: {
      int ifindex = event.link.ifindex;
      std::erase_if(state.links, [&](const LinkState& l) { return l.ifindex == ifindex; });
      std::erase_if(state.addresses, [&](const AddressState& a) { return a.ifindex == ifindex; });
      std::erase_if(state.routes, [&](const RouteState& r) { return r.oif == ifindex; });
      break;
    }
    case Kind::kNewAddress: {
      auto it =
          std::find_if(state.addresses.begin(), state.addresses.end(), [&](const AddressState& a) {
            return a.ifindex == event.address.ifindex && a.address == event.address.address;
          });
      if (it == state.addresses.end())
        state.addresses.push_back(event.address);
      else
        *it = event.address;
      break;
    }
    case Kind::kDelAddress:
      std::erase_if(state.addresses, [&](const AddressState& a) {
        return a.ifindex == event.address.ifindex && a.address == event.address.address;
      });
      break;
    case Kind::kNewRoute: {
      auto it = std::find_if(state.routes.begin(), state.routes.end(),
                             [&](const RouteState& r) { return sameRoute(r, event.route); });
      if (it == state.routes.end())
        state.routes.push_back(event.route);
      else
        *it = event.route;
      break;
    }
    case Kind::kDelRoute:
      std::erase_if(state.routes, [&](const RouteState& r) { return sameRoute(r, event.route); });
      break;
    case Kind::kOverrun:
      break;
  }
}

}  // namespace rempart::netconfig
