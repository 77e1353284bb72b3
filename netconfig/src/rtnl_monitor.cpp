#include "netconfig/rtnl_monitor.hpp"

#include <linux/rtnetlink.h>

#include <cerrno>

#include "rtnl_messages.hpp"

namespace rempart::netconfig {

Result<RtnlMonitor> RtnlMonitor::create(int netns_fd) {
  NetlinkSocket::Options options;
  options.bus = NETLINK_ROUTE;
  options.groups =
      RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
  options.nonblocking = true;
  options.receive_buffer = 4 << 20;
  auto socket = TRY(NetlinkSocket::create(netns_fd, options).map_error([](Error e) {
    return e.wrap("opening rtnetlink monitor");
  }));
  return RtnlMonitor(std::move(socket));
}

Result<std::vector<RtnlEvent>> RtnlMonitor::drain() {
  std::vector<RtnlEvent> events;
  std::vector<char>& buf = buffer_;
  for (;;) {
    auto n = socket_.receive(buf.data(), buf.size());
    if (!n) {
      if (n.error().errnum == ENOBUFS) {
        events.push_back(RtnlEvent{});  // kOverrun
        continue;                       // the socket is usable again; keep reading what is queued
      }
      return unexpected<Error>(n.error().wrap("reading rtnetlink notifications"));
    }
    if (*n == 0) return events;
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data());
    int len = static_cast<int>(*n);
    while (mnl_nlmsg_ok(nlh, len)) {
      if (auto e = detail::parseEvent(nlh)) events.push_back(std::move(*e));
      nlh = mnl_nlmsg_next(nlh, &len);
    }
  }
}

}  // namespace rempart::netconfig
