#include "firewall/nft_backend.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "backend_impl.hpp"
#include "common/netlink_socket.hpp"
#include "encode.hpp"
#include "nftnl_ptr.hpp"

namespace rempart::firewall {

using detail::NftnlPtr;

namespace {

void batchBegin(nftnl_batch* batch, uint32_t seq, uint32_t genid) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(nftnl_batch_buffer(batch));
  nlh->nlmsg_type = NFNL_MSG_BATCH_BEGIN;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = AF_UNSPEC;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
  mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
  nftnl_batch_update(batch);
}

}  // namespace

NftBackend::NftBackend(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NftBackend::NftBackend(NftBackend&&) noexcept = default;
NftBackend& NftBackend::operator=(NftBackend&&) noexcept = default;
NftBackend::~NftBackend() = default;

Result<NftBackend> NftBackend::create(const std::string& netns_path) {
  if (netns_path.empty()) return createInNetns(-1);
  UniqueFd ns = TRY(openNetns(netns_path));
  return createInNetns(ns.get());
}

Result<NftBackend> NftBackend::createInNetns(int netns_fd) {
  UniqueFd fd = TRY(socketInNetns(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER));
  int one = 1;
  // Errors echo only the header (a 64 KiB set message would otherwise come back whole), and
  // carry the kernel's extended-ack text.
  setsockopt(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  int rcv = kRcvBuf;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) != 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
  }
  auto impl = std::make_unique<Impl>();
  mnl_socket* s = mnl_socket_fdopen(fd.get());
  if (!s) return failErrno("wrapping the netfilter netlink socket");
  fd.release();  // owned by the mnl_socket now
  impl->sock.reset(s);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) return failErrno("binding netlink socket");
  impl->portid = mnl_socket_get_portid(s);
  return NftBackend(std::move(impl));
}

Result<uint32_t> NftBackend::generation() {
  return impl_->generation();
}

void NftBackend::forgetLastCommit() {
  impl_->last.reset();
}

Result<ApplyReport> NftBackend::apply(const Ruleset& ruleset, const ApplyOptions& options) {
  Impl& im = *impl_;
  ApplyReport report;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    uint32_t gen = TRY(im.generation());
    if (attempt == 1 && !options.dry_run && im.last && gen == im.last_generation &&
        *im.last == ruleset) {
      report.generation = gen;
      report.unchanged = true;
      return report;
    }
    report.attempts = attempt;
    NftnlPtr<nftnl_batch> batch(nftnl_batch_alloc(kPageSize, kPageOverrun));
    if (!batch) return failErrno("allocating the nf_tables batch");
    uint32_t begin_seq = im.seq++;
    batchBegin(batch.get(), begin_seq, gen);
    detail::SeqOrigins origins;
    detail::encodeReplace(batch.get(), ruleset, im.seq, origins);
    report.messages = origins.entries.size();
    if (!options.dry_run) {
      nftnl_batch_end(static_cast<char*>(nftnl_batch_buffer(batch.get())), im.seq++);
      nftnl_batch_update(batch.get());
    }
    if (options.before_send) options.before_send(attempt);
    if (auto sent = im.sendBatch(batch.get(), report.bytes); !sent) {
      // Nothing reached nf_tables, or it was refused whole; say which after checking.
      auto now = im.generation();
      std::string state = now && *now == gen ? "previous ruleset still in force (generation " +
                                                   std::to_string(gen) + " unchanged)"
                                             : "ruleset state unknown, generation changed";
      return tl::unexpected(sent.error().wrap("firewall not applied, " + state));
    }

    // The fence: the batch was processed inside sendmsg, so its errors are queued before this.
    std::vector<KernelError> errors;
    uint32_t fence = im.seq++;
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, fence);
    TRY(im.send(buf, nlh->nlmsg_len, "GETGEN fence"));
    uint32_t after = 0;
    int err = TRY(im.receive(fence, false, errors, [&](const nlmsghdr* m) {
      NftnlPtr<nftnl_gen> g(nftnl_gen_alloc());
      if (nftnl_gen_nlmsg_parse(m, g.get()) == 0) after = nftnl_gen_get_u32(g.get(), NFTNL_GEN_ID);
    }));
    if (err) return failErrno(err, "reading the nf_tables generation after the batch");
    if (errors.empty()) {
      if (!options.dry_run && after == gen) {
        return fail(ErrorCode::kKernel, "nf_tables batch sent but the generation did not move");
      }
      report.generation = after;
      // Only when no other commit slipped in before the fence do we know what the kernel holds.
      if (!options.dry_run && after == gen + 1) {
        im.last = ruleset;
        im.last_generation = after;
      }
      return report;
    }
    bool restart = std::any_of(errors.begin(), errors.end(),
                               [](const KernelError& e) { return e.errnum == ERESTART; });
    if (restart) continue;  // someone committed between our GETGEN and our batch
    const KernelError& first = errors.front();
    std::string where = first.seq == begin_seq ? "batch" : origins.find(first.seq);
    Error e{ErrorCode::kKernel, first.errnum, where.empty() ? "nf_tables batch" : where,
            first.extack};
    if (after == gen) {
      return tl::unexpected(e.wrap(std::string(options.dry_run ? "validation" : "firewall") +
                                   " refused, previous ruleset still in force (generation " +
                                   std::to_string(gen) + " unchanged)"));
    }
    return tl::unexpected(e.wrap("firewall refused, and the generation moved from " +
                                 std::to_string(gen) + " to " + std::to_string(after) +
                                 " (another writer?)"));
  }
  return fail(ErrorCode::kConflict, "firewall apply: the nf_tables generation kept changing (" +
                                        std::to_string(options.max_attempts) + " attempts)");
}

}  // namespace rempart::firewall
