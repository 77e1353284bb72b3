// Netlink socket plumbing shared by netconfig (rtnetlink) and the firewall (nfnetlink): a libmnl
// socket created inside a chosen network namespace, without touching the calling thread's
// namespace. A netlink socket stays bound to the namespace it was created in for its lifetime.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace rempart {

struct MnlSocketDeleter {
  void operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }
};
using MnlSocketPtr = std::unique_ptr<mnl_socket, MnlSocketDeleter>;

// Opens a network namespace handle (O_RDONLY|O_CLOEXEC). A name without '/' means
// /run/netns/<name> (iproute2's convention); anything else is a path such as /proc/<pid>/ns/net.
Result<UniqueFd> openNetns(std::string_view name_or_path);

// Runs `fn` on a short-lived thread that first joined the namespace `netns_fd` (setns), and
// returns its result. netns_fd < 0 runs `fn` in the caller's namespace. The calling thread's
// namespace is never changed. Blocks until `fn` returns.
Result<void> runInNetns(int netns_fd, const std::function<Result<void>()>& fn);

// Creates socket(domain, type | SOCK_CLOEXEC, protocol) inside `netns_fd` (< 0: the caller's
// namespace) via runInNetns. For callers that drive a raw socket themselves (the nftables
// backend, DHCP packet sockets).
Result<UniqueFd> socketInNetns(int netns_fd, int domain, int type, int protocol);

// One bound netlink socket. Move-only; closes its socket on destruction.
// Not thread-safe: one thread (rempartd's io_context thread) uses it at a time.
class NetlinkSocket {
 public:
  struct Options {
    int bus = NETLINK_ROUTE;
    unsigned groups = 0;       // legacy multicast group bitmask (RTMGRP_*), bound at creation
    bool nonblocking = false;  // SOCK_NONBLOCK, e.g. for a notification fd wrapped by Asio
    int receive_buffer = 0;    // SO_RCVBUFFORCE (falls back to SO_RCVBUF); 0 keeps the default
  };

  // Creates the socket inside `netns_fd` (< 0: the caller's namespace), binds it with an
  // automatic port id and enables extended acks (NETLINK_EXT_ACK) and capped acks
  // (NETLINK_CAP_ACK). Fails with kSystem and the errno of the failing step.
  static Result<NetlinkSocket> create(int netns_fd, const Options& options);

  int fd() const { return mnl_socket_get_fd(socket_.get()); }
  mnl_socket* get() const { return socket_.get(); }
  uint32_t portId() const { return port_id_; }
  uint32_t nextSeq() { return ++seq_; }

  // Sends `len` bytes (one or more netlink messages) in one sendmsg.
  Result<void> send(const void* buf, size_t len);
  // Receives one datagram. Returns its length, or 0 when the socket is non-blocking and empty.
  // ENOBUFS (the kernel dropped messages because our buffer overran) is returned as an error
  // with errnum ENOBUFS: the caller must resynchronise.
  Result<size_t> receive(void* buf, size_t len);

 private:
  explicit NetlinkSocket(MnlSocketPtr s, uint32_t port_id, uint32_t seq)
      : socket_(std::move(s)), port_id_(port_id), seq_(seq) {}
  MnlSocketPtr socket_;
  uint32_t port_id_ = 0;
  uint32_t seq_ = 0;
};

// The outcome of an NLMSG_ERROR message: errnum 0 is a success ack.
struct NetlinkAck {
  uint32_t seq = 0;
  int errnum = 0;      // positive errno
  std::string extack;  // NLMSGERR_ATTR_MSG, if the kernel sent one
};

// Decodes an NLMSG_ERROR message (including the extended-ack TLVs). Returns nullopt for any
// other message type or a truncated message.
std::optional<NetlinkAck> parseNetlinkAck(const nlmsghdr* nlh);

}  // namespace rempart
