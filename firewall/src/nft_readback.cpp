// Reading our table back: rules with their comments (config paths) and counters.
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

#include "backend_impl.hpp"
#include "firewall/nft_backend.hpp"

namespace rempart::firewall {

using detail::NftnlPtr;

namespace {

std::string ruleComment(nftnl_rule* r) {
  if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) return {};
  uint32_t len = 0;
  const void* data = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
  std::string comment;
  nftnl_udata_parse(
      data, len,
      [](const nftnl_udata* attr, void* out) {
        if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT) {
          *static_cast<std::string*>(out) = static_cast<const char*>(nftnl_udata_get(attr));
        }
        return 0;
      },
      &comment);
  return comment;
}

}  // namespace

Result<bool> NftBackend::tableExists() {
  Impl& im = *impl_;
  char buf[MNL_SOCKET_BUFFER_SIZE];
  uint32_t s = im.seq++;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, s);
  NftnlPtr<nftnl_table> t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  TRY(im.send(buf, nlh->nlmsg_len, "GETTABLE"));
  std::vector<KernelError> ignored;
  bool found = false;
  int err = TRY(im.receive(s, false, ignored, [&](const nlmsghdr*) { found = true; }));
  if (err == ENOENT) return false;
  if (err) return failErrno(err, "looking up table inet rempart");
  return found;
}

Result<std::vector<RuleReadback>> NftBackend::readRules() {
  Impl& im = *impl_;
  char buf[MNL_SOCKET_BUFFER_SIZE];
  uint32_t s = im.seq++;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, s);
  NftnlPtr<nftnl_rule> filter(nftnl_rule_alloc());
  nftnl_rule_set_str(filter.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_nlmsg_build_payload(nlh, filter.get());
  TRY(im.send(buf, nlh->nlmsg_len, "GETRULE dump"));
  std::vector<KernelError> ignored;
  std::vector<RuleReadback> out;
  int err = TRY(im.receive(s, true, ignored, [&](const nlmsghdr* m) {
    NftnlPtr<nftnl_rule> r(nftnl_rule_alloc());
    if (nftnl_rule_nlmsg_parse(m, r.get()) < 0) return;
    RuleReadback rb;
    rb.chain = nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
    rb.handle = nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE);
    rb.comment = ruleComment(r.get());
    NftnlPtr<nftnl_expr_iter> it(nftnl_expr_iter_create(r.get()));
    for (nftnl_expr* e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get())) {
      if (std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter") != 0) continue;
      rb.has_counter = true;
      rb.packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
      rb.bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
    }
    out.push_back(std::move(rb));
  }));
  if (err == ENOENT) return out;
  if (err) return failErrno(err, "reading the rules of table inet rempart");
  return out;
}

}  // namespace rempart::firewall
