// KernelRtnl: the real Rtnl over one libmnl rtnetlink socket.
#include <linux/rtnetlink.h>

#include <cerrno>
#include <functional>

#include "common/netlink_socket.hpp"
#include "netconfig/rtnl.hpp"
#include "rtnl_messages.hpp"

namespace rempart::netconfig {

namespace {

constexpr size_t kBatchBytes = 64 * 1024;    // well under the default socket send buffer
constexpr size_t kReceiveBytes = 64 * 1024;  // a dump datagram is at most 32 KiB
constexpr int kDumpAttempts = 5;

bool isDoneAlready(const nlmsghdr* request, int errnum) {
  switch (request->nlmsg_type) {
    case RTM_NEWADDR:
    case RTM_NEWROUTE:
      return errnum == EEXIST;
    case RTM_DELADDR:
      return errnum == EADDRNOTAVAIL || errnum == ENOENT;
    case RTM_DELROUTE:
      return errnum == ESRCH || errnum == ENOENT;
    default:
      return false;
  }
}

class KernelRtnl final : public Rtnl {
 public:
  explicit KernelRtnl(NetlinkSocket socket)
      : socket_(std::move(socket)),
        batch_(kBatchBytes + detail::kMaxRequestSize),
        receive_(kReceiveBytes) {}

  Result<ActualState> dump() override {
    for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
      ActualState state;
      bool interrupted = false;
      auto on_link = [&](const nlmsghdr* nlh) {
        if (auto l = detail::parseLink(nlh)) state.links.push_back(std::move(*l));
      };
      auto on_address = [&](const nlmsghdr* nlh) {
        if (auto a = detail::parseAddress(nlh)) state.addresses.push_back(*a);
      };
      auto on_route = [&](const nlmsghdr* nlh) {
        if (auto r = detail::parseRoute(nlh)) state.routes.push_back(*r);
      };
      for (auto [type, handler] :
           {std::pair<uint16_t, std::function<void(const nlmsghdr*)>>{RTM_GETLINK, on_link},
            {RTM_GETADDR, on_address},
            {RTM_GETROUTE, on_route}}) {
        if (auto r = dumpOne(type, interrupted, handler); !r) return unexpected<Error>(r.error());
      }
      if (!interrupted) return state;
    }
    return fail(ErrorCode::kConflict, "rtnetlink dump kept being interrupted by changes");
  }

  Result<ExecuteReport> execute(const Plan& plan) override {
    ExecuteReport report;
    // Order matters: links up first (routes need an up device), removals before additions
    // (a changed prefix length is a removal plus an addition), addresses before routes (routes
    // need their gateway's connected route and their preferred source).
    std::vector<std::function<nlmsghdr*(char*, uint32_t)>> puts;
    std::vector<std::function<std::string()>> names;
    for (const auto& c : plan.links) {
      puts.push_back([&c](char* b, uint32_t s) { return detail::putLinkChange(b, s, c); });
      names.push_back([&c] { return c.describe(); });
    }
    auto addRoutes = [&](bool removals) {
      for (const auto& c : plan.routes) {
        if ((c.kind == ChangeKind::kRemove) != removals) continue;
        puts.push_back([&c](char* b, uint32_t s) { return detail::putRouteChange(b, s, c); });
        names.push_back([&c] { return c.describe(); });
      }
    };
    auto addAddresses = [&](bool removals) {
      for (const auto& c : plan.addresses) {
        if ((c.kind == ChangeKind::kRemove) != removals) continue;
        puts.push_back([&c](char* b, uint32_t s) { return detail::putAddressChange(b, s, c); });
        names.push_back([&c] { return c.describe(); });
      }
    };
    addRoutes(true);
    addAddresses(true);
    addAddresses(false);
    addRoutes(false);

    size_t next = 0;
    while (next < puts.size()) {
      size_t used = 0;
      uint32_t first_seq = 0;
      nlmsghdr* last = nullptr;
      size_t first_index = next;
      while (next < puts.size() && used < kBatchBytes) {
        uint32_t seq = socket_.nextSeq();
        if (first_seq == 0) first_seq = seq;
        last = puts[next](batch_.data() + used, seq);
        used += last->nlmsg_len;
        ++next;
      }
      // Only the last request asks for an ack: the kernel handles a sendmsg's requests in
      // order, synchronously, and reports every failure, so that ack fences the batch.
      last->nlmsg_flags |= NLM_F_ACK;
      if (auto r = socket_.send(batch_.data(), used); !r)
        return unexpected<Error>(r.error().wrap("sending rtnetlink batch"));
      report.sent += next - first_index;
      auto on_error = [&](const NetlinkAck& ack) {
        size_t index = first_index + (ack.seq - first_seq);
        const auto* request = reinterpret_cast<const nlmsghdr*>(batch_.data());
        // Walk to the failed request to know its type (batches are small).
        for (size_t i = first_index; i < index; ++i)
          request = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(request) +
                                                      NLMSG_ALIGN(request->nlmsg_len));
        if (isDoneAlready(request, ack.errnum)) return;
        report.failures.push_back(
            Error{ErrorCode::kKernel, ack.errnum, names[index](), ack.extack});
      };
      if (auto r = collectAcks(first_seq, last->nlmsg_seq, on_error); !r)
        return unexpected<Error>(r.error());
    }
    return report;
  }

 private:
  Result<void> dumpOne(uint16_t type, bool& interrupted,
                       const std::function<void(const nlmsghdr*)>& on_message) {
    uint32_t seq = socket_.nextSeq();
    nlmsghdr* req = detail::putDumpRequest(batch_.data(), seq, type);
    if (auto r_ = (socket_.send(req, req->nlmsg_len)); !r_) return unexpected<Error>(r_.error());
    for (;;) {
      size_t n = TRY(socket_.receive(receive_.data(), receive_.size()));
      const auto* nlh = reinterpret_cast<const nlmsghdr*>(receive_.data());
      int len = static_cast<int>(n);
      while (mnl_nlmsg_ok(nlh, len)) {
        if (nlh->nlmsg_seq == seq) {
          if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
          if (nlh->nlmsg_type == NLMSG_DONE) return {};
          if (nlh->nlmsg_type == NLMSG_ERROR) {
            auto ack = parseNetlinkAck(nlh);
            int errnum = ack ? ack->errnum : EPROTO;
            return unexpected<Error>(Error{ErrorCode::kKernel, errnum, "dumping rtnetlink state",
                                           ack ? ack->extack : ""});
          }
          on_message(nlh);
        }
        nlh = mnl_nlmsg_next(nlh, &len);
      }
    }
  }

  Result<void> collectAcks(uint32_t first_seq, uint32_t last_seq,
                           const std::function<void(const NetlinkAck&)>& on_error) {
    for (;;) {
      size_t n = TRY(socket_.receive(receive_.data(), receive_.size()));
      const auto* nlh = reinterpret_cast<const nlmsghdr*>(receive_.data());
      int len = static_cast<int>(n);
      while (mnl_nlmsg_ok(nlh, len)) {
        auto ack = parseNetlinkAck(nlh);
        // Unsigned differences keep this right across sequence-number wrap-around.
        if (ack && ack->seq - first_seq <= last_seq - first_seq) {
          if (ack->errnum != 0) on_error(*ack);
          if (ack->seq == last_seq) return {};
        }
        nlh = mnl_nlmsg_next(nlh, &len);
      }
    }
  }

  NetlinkSocket socket_;
  std::vector<char> batch_;
  std::vector<char> receive_;
};

}  // namespace

Result<std::unique_ptr<Rtnl>> openRtnl(int netns_fd) {
  NetlinkSocket::Options options;
  options.bus = NETLINK_ROUTE;
  options.receive_buffer = 1 << 20;
  auto socket = TRY(NetlinkSocket::create(netns_fd, options).map_error([](Error e) {
    return e.wrap("opening rtnetlink socket");
  }));
  return std::unique_ptr<Rtnl>(new KernelRtnl(std::move(socket)));
}

}  // namespace rempart::netconfig
