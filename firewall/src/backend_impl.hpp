// The netlink socket behind NftBackend, shared by apply and readback.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compile_util.hpp"
#include "firewall/nft_backend.hpp"
#include "nftnl_ptr.hpp"

namespace rempart::firewall {
namespace {

using detail::NftnlPtr;

constexpr size_t kPageSize = 2 * 1024 * 1024;  // batch pages: few iovecs even at 50k rules
constexpr size_t kPageOverrun = 128 * 1024;    // > one NEWSETELEM message (64 KiB nest cap)
constexpr int kRcvBuf = 8 * 1024 * 1024;
constexpr size_t kRxBuf = 1024 * 1024;

struct KernelError {
  uint32_t seq;
  int errnum;
  std::string extack;
};

}  // namespace

struct NftBackend::Impl {
  NftnlPtr<mnl_socket> sock;
  uint32_t portid = 0;
  uint32_t seq = 1;
  // What we committed last and the generation right after, for the no-op check.
  std::optional<Ruleset> last;
  uint32_t last_generation = 0;
  std::vector<char> rx = std::vector<char>(kRxBuf);

  int fd() const { return mnl_socket_get_fd(sock.get()); }

  Result<void> send(const void* buf, size_t len, const char* what) {
    if (mnl_socket_sendto(sock.get(), buf, len) < 0)
      return failErrno(std::string("sending ") + what);
    return {};
  }

  // Reads until the reply (or error) carrying `until_seq` ends: NLMSG_DONE for a dump, or the
  // first non-error message otherwise. Errors for other seqs (the batch) go to `errors`.
  // `on_msg` sees each reply message of `until_seq`. Returns the errno of an error reply to
  // `until_seq` itself (0 when none).
  Result<int> receive(uint32_t until_seq, bool dump, std::vector<KernelError>& errors,
                      const std::function<void(const nlmsghdr*)>& on_msg) {
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(sock.get(), rx.data(), rx.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return failErrno("reading netfilter netlink replies");
      }
      int len = static_cast<int>(n);
      for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rx.data()); mnl_nlmsg_ok(nlh, len);
           nlh = mnl_nlmsg_next(nlh, &len)) {
        if (nlh->nlmsg_type == NLMSG_ERROR) {
          auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
          if (err->error == 0) continue;  // an ack
          std::string extack;
          if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
            size_t off = sizeof(*err);
            if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - sizeof(nlmsghdr);
            mnl_attr_parse(
                nlh, static_cast<unsigned>(off),
                [](const nlattr* a, void* data) {
                  if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG) {
                    *static_cast<std::string*>(data) = mnl_attr_get_str(a);
                  }
                  return MNL_CB_OK;
                },
                &extack);
          }
          if (nlh->nlmsg_seq == until_seq) return -err->error;
          errors.push_back({nlh->nlmsg_seq, -err->error, extack});
          continue;
        }
        if (nlh->nlmsg_seq != until_seq) continue;
        if (nlh->nlmsg_type == NLMSG_DONE) return 0;
        on_msg(nlh);
        if (!dump) return 0;
      }
    }
  }

  Result<uint32_t> generation() {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    uint32_t s = seq++;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, s);
    TRY(send(buf, nlh->nlmsg_len, "GETGEN"));
    std::vector<KernelError> ignored;
    uint32_t gen = 0;
    int err = TRY(receive(s, false, ignored, [&](const nlmsghdr* m) {
      NftnlPtr<nftnl_gen> g(nftnl_gen_alloc());
      if (nftnl_gen_nlmsg_parse(m, g.get()) == 0) gen = nftnl_gen_get_u32(g.get(), NFTNL_GEN_ID);
    }));
    if (err) return failErrno(err, "reading the nf_tables generation");
    return gen;
  }

  Result<void> sendBatch(nftnl_batch* batch, size_t& bytes) {
    int iovlen = nftnl_batch_iovec_len(batch);
    std::vector<iovec> iov(static_cast<size_t>(iovlen));
    nftnl_batch_iovec(batch, iov.data(), static_cast<uint32_t>(iovlen));
    bytes = 0;
    for (const iovec& v : iov) bytes += v.iov_len;
    int sndbuf = static_cast<int>(bytes + 64 * 1024);
    if (setsockopt(fd(), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) != 0 &&
        setsockopt(fd(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) != 0) {
      return failErrno("sizing the netlink send buffer");
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    msghdr msg{};
    msg.msg_name = &kernel;
    msg.msg_namelen = sizeof(kernel);
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    if (sendmsg(fd(), &msg, 0) < 0) return failErrno("sending the nf_tables batch");
    return {};
  }
};

}  // namespace rempart::firewall
