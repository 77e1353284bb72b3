#include "common/netlink_socket.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <system_error>
#include <thread>

namespace rempart {

Result<UniqueFd> openNetns(std::string_view name_or_path) {
  if (name_or_path.empty() || name_or_path == "." || name_or_path == "..")
    return fail(ErrorCode::kInvalidInput,
                "invalid network namespace name '" + std::string(name_or_path) + "'");
  std::string path = name_or_path.find('/') == std::string_view::npos
                         ? "/run/netns/" + std::string(name_or_path)
                         : std::string(name_or_path);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failErrno("opening network namespace " + path);
  return fd;
}

Result<void> runInNetns(int netns_fd, const std::function<Result<void>()>& fn) {
  if (netns_fd < 0) return fn();
  // setns() only changes the calling thread, so a throwaway thread keeps ours untouched. A
  // socket created there remains in that namespace after the thread exits.
  Result<void> result;
  try {
    std::thread worker([&] {
      if (::setns(netns_fd, CLONE_NEWNET) != 0) {
        result = failErrno("entering network namespace");
        return;
      }
      result = fn();
    });
    worker.join();
  } catch (const std::system_error& e) {  // thread creation failed (EAGAIN)
    return failErrno(e.code().value(), "starting a thread to enter a network namespace");
  }
  return result;
}

Result<UniqueFd> socketInNetns(int netns_fd, int domain, int type, int protocol) {
  UniqueFd fd;
  TRY(runInNetns(netns_fd, [&]() -> Result<void> {
    fd.reset(::socket(domain, type | SOCK_CLOEXEC, protocol));
    if (!fd) return failErrno("creating socket in network namespace");
    return {};
  }));
  return fd;
}

Result<NetlinkSocket> NetlinkSocket::create(int netns_fd, const Options& options) {
  MnlSocketPtr sock;
  uint32_t port_id = 0;
  auto open_socket = [&]() -> Result<void> {
    int flags = SOCK_CLOEXEC | (options.nonblocking ? SOCK_NONBLOCK : 0);
    sock.reset(mnl_socket_open2(options.bus, flags));
    if (!sock) return failErrno("opening netlink socket");
    if (mnl_socket_bind(sock.get(), options.groups, MNL_SOCKET_AUTOPID) < 0)
      return failErrno("binding netlink socket");
    port_id = mnl_socket_get_portid(sock.get());
    return {};
  };
  if (auto r = runInNetns(netns_fd, open_socket); !r) return unexpected<Error>(r.error());
  int one = 1;
  // Both are best-effort refinements: without them errors still arrive, only less detailed.
  mnl_socket_setsockopt(sock.get(), NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(sock.get(), NETLINK_CAP_ACK, &one, sizeof one);
  if (options.receive_buffer > 0) {
    int fd = mnl_socket_get_fd(sock.get());
    int size = options.receive_buffer;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0)
      return failErrno("setting netlink receive buffer");
  }
  return NetlinkSocket(std::move(sock), port_id, static_cast<uint32_t>(::time(nullptr)));
}

Result<void> NetlinkSocket::send(const void* buf, size_t len) {
  ssize_t n = mnl_socket_sendto(socket_.get(), buf, len);
  if (n < 0) return failErrno("sending netlink request");
  if (static_cast<size_t>(n) != len)
    return fail(ErrorCode::kSystem, "short write on netlink socket");
  return {};
}

Result<size_t> NetlinkSocket::receive(void* buf, size_t len) {
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_.get(), buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    return failErrno("receiving from netlink socket");
  }
}

std::optional<NetlinkAck> parseNetlinkAck(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != NLMSG_ERROR) return std::nullopt;
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) return std::nullopt;
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  NetlinkAck ack;
  ack.seq = nlh->nlmsg_seq;
  ack.errnum = -err->error;
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return ack;
  // The TLVs follow the echoed request: only its header when the ack is capped.
  size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  const auto* payload = static_cast<const char*>(mnl_nlmsg_get_payload(nlh));
  size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
  if (offset > payload_len) return ack;
  const auto* attr = reinterpret_cast<const nlattr*>(payload + offset);
  int remaining = static_cast<int>(payload_len - offset);
  while (mnl_attr_ok(attr, remaining)) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_get_payload_len(attr) > 0) {
      const char* s = static_cast<const char*>(mnl_attr_get_payload(attr));
      ack.extack.assign(s, strnlen(s, mnl_attr_get_payload_len(attr)));
    }
    remaining -= static_cast<int>(MNL_ALIGN(attr->nla_len));
    attr = mnl_attr_next(attr);
  }
  return ack;
}

}  // namespace rempart
