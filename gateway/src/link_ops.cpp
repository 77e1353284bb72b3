#include "gateway/link_ops.hpp"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/netlink_socket.hpp"
#include "common/unique_fd.hpp"

namespace rempart::gateway {

namespace {

// Sends one request with NLM_F_ACK and waits for its ack (or, for GET, its reply, which is
// passed to `on_reply`). Returns the kernel's errno as an Error with the extack text.
Result<void> transact(NetlinkSocket& sock, nlmsghdr* nlh, const std::string& what,
                      const std::function<void(const nlmsghdr*)>& on_reply = {}) {
  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = sock.nextSeq();
  TRY(sock.send(nlh, nlh->nlmsg_len));
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  for (;;) {
    size_t n = TRY(sock.receive(buf.data(), buf.size()));
    int remaining = static_cast<int>(n);
    for (auto* m = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(m, remaining);
         m = mnl_nlmsg_next(m, &remaining)) {
      if (m->nlmsg_seq != nlh->nlmsg_seq) continue;
      if (auto ack = parseNetlinkAck(m)) {
        if (ack->errnum == 0) return {};
        return unexpected<Error>(Error{ErrorCode::kKernel, ack->errnum, what, ack->extack});
      }
      if (on_reply) on_reply(m);
    }
  }
}

Result<NetlinkSocket> open(int netns_fd) {
  return NetlinkSocket::create(netns_fd, {});
}

// Starts an RTM_*LINK request for interface `index` (0: none yet) in `buf`.
nlmsghdr* putLinkRequest(char* buf, uint16_t type, uint16_t flags, int index) {
  auto* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return nlh;
}

// Returns the ifindex of `name` in the socket's namespace, or 0 when there is none; `kind`, if
// given, receives the link's kind and XFRM if_id.
Result<int> ifindexOf(NetlinkSocket& sock, const std::string& name, LinkKindInfo* kind = nullptr) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  auto* nlh = putLinkRequest(buf, RTM_GETLINK, 0, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  int index = 0;
  auto r = transact(sock, nlh, "looking up " + name, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWLINK) return;
    index = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(m))->ifi_index;
    if (kind) *kind = parseLinkKind(m);
  });
  if (!r && r.error().errnum == ENODEV) return 0;
  if (!r) return unexpected<Error>(r.error());
  return index;
}

// Finds attribute `type` among the attributes in [begin, begin + len) (nullptr when absent).
// libmnl's iteration macros assign from void*, which C++ refuses.
const nlattr* findAttr(const void* begin, size_t len, uint16_t type) {
  const auto* a = static_cast<const nlattr*>(begin);
  int remaining = static_cast<int>(len);
  const nlattr* found = nullptr;
  while (mnl_attr_ok(a, remaining)) {
    if (mnl_attr_get_type(a) == type) found = a;
    remaining -= static_cast<int>(MNL_ALIGN(a->nla_len));
    a = mnl_attr_next(a);
  }
  return found;
}

const nlattr* nestedAttr(const nlattr* nest, uint16_t type) {
  return findAttr(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), type);
}

}  // namespace

Result<void> ensureVethPair(int netns_fd, const std::string& name, int peer_netns_fd,
                            const std::string& peer_name) {
  auto sock = TRY(open(netns_fd));
  if (TRY(ifindexOf(sock, name)) != 0) return {};
  char buf[MNL_SOCKET_BUFFER_SIZE];
  auto* nlh = putLinkRequest(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  auto* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  auto* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  auto* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
  auto* peer_ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  peer_ifi->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name.c_str());
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
  mnl_attr_nest_end(nlh, peer);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, linkinfo);
  return transact(sock, nlh, "creating veth pair " + name + " <-> " + peer_name);
}

nlmsghdr* buildXfrmLinkRequest(char* buf, const std::string& name, uint32_t if_id,
                               int underlay_index) {
  auto* nlh = putLinkRequest(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  auto* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "xfrm");
  auto* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  mnl_attr_put_u32(nlh, IFLA_XFRM_LINK, static_cast<uint32_t>(underlay_index));
  mnl_attr_put_u32(nlh, IFLA_XFRM_IF_ID, if_id);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, linkinfo);
  return nlh;
}

LinkKindInfo parseLinkKind(const nlmsghdr* nlh) {
  LinkKindInfo info;
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) return info;
  const void* attrs = mnl_nlmsg_get_payload_offset(nlh, sizeof(ifinfomsg));
  const size_t len = static_cast<size_t>(static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh)) -
                                         static_cast<const char*>(attrs));
  const nlattr* linkinfo = findAttr(attrs, len, IFLA_LINKINFO);
  if (!linkinfo) return info;
  if (const nlattr* k = nestedAttr(linkinfo, IFLA_INFO_KIND))
    info.kind.assign(
        static_cast<const char*>(mnl_attr_get_payload(k)),
        strnlen(static_cast<const char*>(mnl_attr_get_payload(k)), mnl_attr_get_payload_len(k)));
  const nlattr* data = nestedAttr(linkinfo, IFLA_INFO_DATA);
  if (info.kind == "xfrm" && data) {
    const nlattr* id = nestedAttr(data, IFLA_XFRM_IF_ID);
    if (id && mnl_attr_get_payload_len(id) >= sizeof(uint32_t)) info.if_id = mnl_attr_get_u32(id);
  }
  return info;
}

Result<void> ensureXfrmInterface(int netns_fd, const std::string& name, uint32_t if_id,
                                 const std::string& underlay) {
  if (if_id == 0) return fail(ErrorCode::kInvalidInput, "XFRM interface " + name + ": if_id 0");
  auto sock = TRY(open(netns_fd));
  LinkKindInfo existing;
  if (TRY(ifindexOf(sock, name, &existing)) != 0) {
    if (existing.kind == "xfrm" && existing.if_id == if_id) return {};
    TRY(deleteLink(netns_fd, name));
  }
  const int underlay_index = TRY(ifindexOf(sock, underlay));
  if (underlay_index == 0)
    return fail(ErrorCode::kNotFound,
                "XFRM interface " + name + ": underlay " + underlay + " does not exist");
  char buf[MNL_SOCKET_BUFFER_SIZE];
  auto* nlh = buildXfrmLinkRequest(buf, name, if_id, underlay_index);
  return transact(sock, nlh,
                  "creating XFRM interface " + name + " (if_id " + std::to_string(if_id) + ")");
}

Result<void> moveLink(int from_fd, int to_fd, const std::string& name) {
  auto from = TRY(open(from_fd));
  int index = TRY(ifindexOf(from, name));
  if (index == 0) {
    auto to = TRY(open(to_fd));
    if (TRY(ifindexOf(to, name)) != 0) return {};
    return fail(ErrorCode::kNotFound, "interface " + name + " does not exist");
  }
  char buf[MNL_SOCKET_BUFFER_SIZE];
  auto* nlh = putLinkRequest(buf, RTM_NEWLINK, 0, index);
  mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(to_fd));
  return transact(from, nlh, "moving interface " + name + " to another namespace");
}

Result<void> deleteLink(int netns_fd, const std::string& name) {
  auto sock = TRY(open(netns_fd));
  int index = TRY(ifindexOf(sock, name));
  if (index == 0) return {};
  char buf[MNL_SOCKET_BUFFER_SIZE];
  auto* nlh = putLinkRequest(buf, RTM_DELLINK, 0, index);
  auto r = transact(sock, nlh, "deleting interface " + name);
  if (!r && r.error().errnum == ENODEV) return {};
  return r;
}

Result<void> setProxyNeighbour(int netns_fd, const std::string& ifname, const IpAddress& address,
                               bool present) {
  auto sock = TRY(open(netns_fd));
  int index = TRY(ifindexOf(sock, ifname));
  if (index == 0) return fail(ErrorCode::kNotFound, "interface " + ifname + " does not exist");
  char buf[MNL_SOCKET_BUFFER_SIZE];
  auto* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = present ? RTM_NEWNEIGH : RTM_DELNEIGH;
  nlh->nlmsg_flags = NLM_F_REQUEST | (present ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = address.family == Family::kV4 ? AF_INET : AF_INET6;
  nd->ndm_ifindex = index;
  nd->ndm_flags = NTF_PROXY;
  nd->ndm_state = NUD_PERMANENT;
  mnl_attr_put(nlh, NDA_DST, address.size(), address.bytes.data());
  auto r = transact(sock, nlh,
                    std::string(present ? "adding" : "removing") + " proxy neighbour " +
                        address.str() + " on " + ifname);
  if (!r && !present && r.error().errnum == ENOENT) return {};
  return r;
}

Result<void> writeSysctl(int netns_fd, const std::string& key, const std::string& value) {
  if (key.find("..") != std::string::npos || key.empty() || key[0] == '/')
    return fail(ErrorCode::kInvalidInput, "bad sysctl key '" + key + "'");
  // /proc/sys/net is resolved against the namespace of the thread that opens it.
  return runInNetns(netns_fd, [&]() -> Result<void> {
    std::string path = "/proc/sys/" + key;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return failErrno("opening " + path);
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      return failErrno("writing " + value + " to " + path);
    return {};
  });
}

}  // namespace rempart::gateway
