#include "rtnl_messages.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace rempart::netconfig::detail {

namespace {

int afOf(Family f) {
  return f == Family::kV4 ? AF_INET : AF_INET6;
}

void putAddr(nlmsghdr* nlh, uint16_t type, const IpAddress& a) {
  mnl_attr_put(nlh, type, a.size(), a.bytes.data());
}

std::optional<IpAddress> getAddr(const nlattr* attr, int family) {
  IpAddress a;
  a.family = family == AF_INET ? Family::kV4 : Family::kV6;
  if (mnl_attr_get_payload_len(attr) != a.size()) return std::nullopt;
  std::memcpy(a.bytes.data(), mnl_attr_get_payload(attr), a.size());
  return a;
}

// Collects top-level attributes by type (max 64), ignoring unknown ones.
struct Attrs {
  const nlattr* by_type[64] = {};
  Attrs(const nlmsghdr* nlh, size_t header_len) {
    mnl_attr_parse(nlh, header_len, &Attrs::collect, this);
  }
  static int collect(const nlattr* attr, void* data) {
    auto* self = static_cast<Attrs*>(data);
    uint16_t type = mnl_attr_get_type(attr);
    if (type < 64) self->by_type[type] = attr;
    return MNL_CB_OK;
  }
  const nlattr* operator[](int type) const { return by_type[type]; }
};

}  // namespace

nlmsghdr* putDumpRequest(char* buf, uint32_t seq, uint16_t type) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  if (type == RTM_GETLINK) {
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
  } else if (type == RTM_GETADDR) {
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = AF_UNSPEC;
  } else {
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = AF_UNSPEC;
  }
  return nlh;
}

nlmsghdr* putLinkChange(char* buf, uint32_t seq, const LinkChange& change) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = change.ifindex;
  if (change.up) {
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = *change.up ? IFF_UP : 0;
  }
  if (change.mtu) mnl_attr_put_u32(nlh, IFLA_MTU, *change.mtu);
  return nlh;
}

nlmsghdr* putAddressChange(char* buf, uint32_t seq, const AddressChange& change) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  bool remove = change.kind == ChangeKind::kRemove;
  nlh->nlmsg_type = remove ? RTM_DELADDR : RTM_NEWADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | (remove ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
  nlh->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = afOf(change.address.family());
  ifa->ifa_prefixlen = change.address.length;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = change.ifindex;
  putAddr(nlh, IFA_LOCAL, change.address.address);
  putAddr(nlh, IFA_ADDRESS, change.address.address);
  if (!remove && change.address.family() == Family::kV4 && change.address.length <= 30) {
    // The directed broadcast, as `ip addr add ... brd +` and networkd set it.
    uint32_t host_mask = change.address.length == 0 ? ~0u : ~0u >> change.address.length;
    putAddr(nlh, IFA_BROADCAST, IpAddress::v4(change.address.address.v4HostOrder() | host_mask));
  }
  if (!remove) {
    mnl_attr_put_u8(nlh, IFA_PROTO, kRouteProtocol);
    ifa_cacheinfo ci{};
    ci.ifa_valid = change.valid_lifetime.value_or(kForever);
    ci.ifa_prefered = change.preferred_lifetime.value_or(ci.ifa_valid);
    mnl_attr_put(nlh, IFA_CACHEINFO, sizeof ci, &ci);
  }
  return nlh;
}

nlmsghdr* putRouteChange(char* buf, uint32_t seq, const RouteChange& change) {
  const RouteState& r = change.route;
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  bool remove = change.kind == ChangeKind::kRemove;
  nlh->nlmsg_type = remove ? RTM_DELROUTE : RTM_NEWROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | (remove ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = afOf(r.destination.family());
  rtm->rtm_dst_len = r.destination.length;
  rtm->rtm_tos = r.tos;
  rtm->rtm_table = r.table < 256 ? static_cast<uint8_t>(r.table) : uint8_t{RT_TABLE_UNSPEC};
  // On delete the protocol is a match criterion: the kernel only deletes a route of ours.
  rtm->rtm_protocol = remove ? kRouteProtocol : r.protocol;
  rtm->rtm_scope = remove ? uint8_t{RT_SCOPE_NOWHERE} : r.scope;
  rtm->rtm_type = r.type;
  mnl_attr_put_u32(nlh, RTA_TABLE, r.table);
  if (r.destination.length > 0) putAddr(nlh, RTA_DST, r.destination.address);
  if (r.gateway) putAddr(nlh, RTA_GATEWAY, *r.gateway);
  if (r.oif != 0) mnl_attr_put_u32(nlh, RTA_OIF, r.oif);
  mnl_attr_put_u32(nlh, RTA_PRIORITY, r.metric);
  if (!remove && r.preferred_source) putAddr(nlh, RTA_PREFSRC, *r.preferred_source);
  if (!remove && r.mtu) {
    nlattr* metrics = mnl_attr_nest_start(nlh, RTA_METRICS);
    mnl_attr_put_u32(nlh, RTAX_MTU, *r.mtu);
    mnl_attr_nest_end(nlh, metrics);
  }
  return nlh;
}

std::optional<LinkState> parseLink(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  Attrs attrs(nlh, sizeof(ifinfomsg));
  LinkState l;
  l.ifindex = ifi->ifi_index;
  l.flags = ifi->ifi_flags;
  if (attrs[IFLA_IFNAME]) l.name = mnl_attr_get_str(attrs[IFLA_IFNAME]);
  if (attrs[IFLA_MTU] && mnl_attr_get_payload_len(attrs[IFLA_MTU]) == 4)
    l.mtu = mnl_attr_get_u32(attrs[IFLA_MTU]);
  return l;
}

std::optional<AddressState> parseAddress(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifaddrmsg))) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return std::nullopt;
  Attrs attrs(nlh, sizeof(ifaddrmsg));
  const nlattr* local = attrs[IFA_LOCAL] ? attrs[IFA_LOCAL] : attrs[IFA_ADDRESS];
  if (!local) return std::nullopt;
  auto addr = getAddr(local, ifa->ifa_family);
  if (!addr) return std::nullopt;
  AddressState a;
  a.ifindex = static_cast<int>(ifa->ifa_index);
  a.address = IpPrefix{*addr, ifa->ifa_prefixlen};
  a.flags = attrs[IFA_FLAGS] ? mnl_attr_get_u32(attrs[IFA_FLAGS]) : ifa->ifa_flags;
  a.scope = ifa->ifa_scope;
  if (attrs[IFA_PROTO]) a.protocol = mnl_attr_get_u8(attrs[IFA_PROTO]);
  if (attrs[IFA_CACHEINFO] &&
      mnl_attr_get_payload_len(attrs[IFA_CACHEINFO]) >= sizeof(ifa_cacheinfo)) {
    const auto* ci = static_cast<const ifa_cacheinfo*>(mnl_attr_get_payload(attrs[IFA_CACHEINFO]));
    a.valid_lifetime = ci->ifa_valid;
    a.preferred_lifetime = ci->ifa_prefered;
  }
  return a;
}

std::optional<RouteState> parseRoute(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg))) return std::nullopt;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::nullopt;
  if (rtm->rtm_flags & RTM_F_CLONED) return std::nullopt;
  Attrs attrs(nlh, sizeof(rtmsg));
  RouteState r;
  r.type = rtm->rtm_type;
  r.table = attrs[RTA_TABLE] ? mnl_attr_get_u32(attrs[RTA_TABLE]) : rtm->rtm_table;
  r.tos = rtm->rtm_tos;
  r.protocol = rtm->rtm_protocol;
  r.scope = rtm->rtm_scope;
  r.destination.address.family = rtm->rtm_family == AF_INET ? Family::kV4 : Family::kV6;
  r.destination.length = rtm->rtm_dst_len;
  if (attrs[RTA_DST]) {
    auto dst = getAddr(attrs[RTA_DST], rtm->rtm_family);
    if (!dst) return std::nullopt;
    r.destination.address = *dst;
  }
  if (attrs[RTA_GATEWAY]) r.gateway = getAddr(attrs[RTA_GATEWAY], rtm->rtm_family);
  if (attrs[RTA_OIF]) r.oif = static_cast<int>(mnl_attr_get_u32(attrs[RTA_OIF]));
  if (attrs[RTA_PRIORITY]) r.metric = mnl_attr_get_u32(attrs[RTA_PRIORITY]);
  if (attrs[RTA_PREFSRC]) r.preferred_source = getAddr(attrs[RTA_PREFSRC], rtm->rtm_family);
  if (attrs[RTA_METRICS]) {
    const auto* nested = static_cast<const nlattr*>(mnl_attr_get_payload(attrs[RTA_METRICS]));
    int remaining = static_cast<int>(mnl_attr_get_payload_len(attrs[RTA_METRICS]));
    while (mnl_attr_ok(nested, remaining)) {
      if (mnl_attr_get_type(nested) == RTAX_MTU && mnl_attr_get_payload_len(nested) == 4)
        r.mtu = mnl_attr_get_u32(nested);
      remaining -= static_cast<int>(MNL_ALIGN(nested->nla_len));
      nested = mnl_attr_next(nested);
    }
  }
  return r;
}

std::optional<RtnlEvent> parseEvent(const nlmsghdr* nlh) {
  using Kind = RtnlEvent::Kind;
  RtnlEvent e;
  switch (nlh->nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      auto l = parseLink(nlh);
      if (!l) return std::nullopt;
      e.kind = nlh->nlmsg_type == RTM_NEWLINK ? Kind::kNewLink : Kind::kDelLink;
      e.link = std::move(*l);
      return e;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      auto a = parseAddress(nlh);
      if (!a) return std::nullopt;
      e.kind = nlh->nlmsg_type == RTM_NEWADDR ? Kind::kNewAddress : Kind::kDelAddress;
      e.address = *a;
      return e;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      auto r = parseRoute(nlh);
      if (!r) return std::nullopt;
      e.kind = nlh->nlmsg_type == RTM_NEWROUTE ? Kind::kNewRoute : Kind::kDelRoute;
      e.route = *r;
      return e;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace rempart::netconfig::detail
