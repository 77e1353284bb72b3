// The rtnetlink notification stream of one namespace (RTMGRP_LINK, IPv4/IPv6 IFADDR and ROUTE)
// on a non-blocking fd that Boost.Asio can wrap. Feed drain()'s events to
// Reconciler::handleEvents().
//
// Asio use (on rempartd's io_context thread, the only thread that touches the monitor):
//   boost::asio::posix::stream_descriptor sd(io, monitor.fd());
//   sd.async_wait(stream_descriptor::wait_read, handler);  // handler: drain(), re-arm
//   ... before destroying the monitor: sd.release();  // Asio must not close the fd itself
#pragma once

#include <vector>

#include "common/netlink_socket.hpp"
#include "common/result.hpp"
#include "netconfig/actual_state.hpp"

namespace rempart::netconfig {

class RtnlMonitor {
 public:
  // Subscribes inside `netns_fd` (< 0: the caller's namespace) with a 4 MiB receive buffer.
  static Result<RtnlMonitor> create(int netns_fd);

  int fd() const { return socket_.fd(); }

  // Reads every queued notification without blocking and decodes it. If the kernel dropped
  // notifications (ENOBUFS), the result ends with one kOverrun event. Never blocks.
  Result<std::vector<RtnlEvent>> drain();

 private:
  explicit RtnlMonitor(NetlinkSocket s) : socket_(std::move(s)), buffer_(64 * 1024) {}
  NetlinkSocket socket_;
  std::vector<char> buffer_;
};

}  // namespace rempart::netconfig
