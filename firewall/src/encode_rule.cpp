// Rule statements as libnftnl expressions, encoded as nft encodes the same text.
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/xfrm.h>

#include <algorithm>
#include <optional>
#include <variant>

#include "encoder.hpp"

namespace rempart::firewall::detail {
namespace {
// Each statement, encoded as nft encodes the same text, so that `nft list` prints it back.
struct StmtEncoder {
  Encoder& enc;
  Exprs& x;
  const std::string& origin;

  // Dependencies already matched earlier in the rule are not repeated, as nft does: fewer
  // expressions for the kernel to parse and run, and the same listing.
  std::optional<Family> nfproto_done;
  std::optional<uint8_t> l4proto_done;

  void nfproto(Family f) {
    if (nfproto_done == f) return;
    nfproto_done = f;
    x.meta(NFT_META_NFPROTO);
    x.cmp(u8(f == Family::kV4 ? NFPROTO_IPV4 : NFPROTO_IPV6));
  }
  void l4proto(uint8_t p) {
    if (l4proto_done == p) return;
    l4proto_done = p;
    x.meta(NFT_META_L4PROTO);
    x.cmp(u8(p));
  }
  void operator()(const IfnameMatch& m) {
    x.meta(m.output ? NFT_META_OIFNAME : NFT_META_IIFNAME);
    x.cmp(ifname(m.name));
  }
  void operator()(const AddrMatch& m) {
    uint32_t n = m.family == Family::kV4 ? 4 : 16;
    uint32_t offset = m.family == Family::kV4 ? (m.source ? 12 : 16) : (m.source ? 8 : 24);
    nfproto(m.family);
    if (!m.set.empty()) {
      x.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, n);
      x.lookup(m.set, 0, false);
      return;
    }
    std::vector<std::pair<Bytes, Bytes>> ranges;
    std::optional<IpPrefix> single;
    if (m.prefixes.size() == 1) {  // the common case, without interval arithmetic
      single = m.prefixes[0].network();
      Bytes net(single->address.bytes.begin(), single->address.bytes.begin() + n);
      ranges.push_back({net, net});
    } else {
      ranges = Encoder::addrRanges(m.prefixes, m.family);
    }
    if (ranges.size() == 1 && m.prefixes.size() != 1) {
      AddrRange r;
      std::copy(ranges[0].first.begin(), ranges[0].first.end(), r.lo.begin());
      std::copy(ranges[0].second.begin(), ranges[0].second.end(), r.hi.begin());
      single = IpPrefix::parse(rangeText(r, m.family), true);  // nullopt: not prefix-shaped
    }
    if (single && single->length == n * 8) {
      x.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, n);
      x.cmp(ranges[0].first);
    } else if (single) {
      const IpPrefix p = *single;
      Bytes net(p.address.bytes.begin(), p.address.bytes.begin() + n);
      if (p.length % 8 == 0) {  // nft loads only the prefix bytes
        x.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, p.length / 8);
        x.cmp(Bytes(net.begin(), net.begin() + p.length / 8));
      } else {
        Bytes mask(n, 0);
        for (unsigned b = 0; b < p.length; ++b) mask[b / 8] |= 0x80u >> (b % 8);
        x.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, n);
        x.bitwise(mask);
        x.cmp(net);
      }
    } else if (ranges.size() == 1) {
      x.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, n);
      x.range(ranges[0].first, ranges[0].second);
    } else {
      x.payload(NFT_PAYLOAD_NETWORK_HEADER, offset, n);
      anonLookup(Encoder::SetSpec{"__set%d",
                                  NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_INTERVAL,
                                  m.family == Family::kV4 ? kTypeIpAddr : kTypeIp6Addr, n,
                                  kByteorderBig, false, Encoder::intervalElems(ranges), origin});
    }
  }
  void operator()(const L4ProtoMatch& m) { l4proto(m.proto); }
  void operator()(const PortMatch& m) {
    l4proto(m.proto);
    x.payload(NFT_PAYLOAD_TRANSPORT_HEADER, m.source ? 0 : 2, 2);
    bool has_range = std::any_of(m.ports.begin(), m.ports.end(),
                                 [](const config::PortRange& p) { return p.first != p.last; });
    if (m.ports.size() == 1 && !has_range) {
      x.cmp(be16(m.ports[0].first));
    } else if (m.ports.size() == 1) {
      x.range(be16(m.ports[0].first), be16(m.ports[0].last));
    } else {
      Encoder::SetSpec spec{"__set%d",
                            NFT_SET_ANONYMOUS | NFT_SET_CONSTANT,
                            kTypeInetService,
                            2,
                            kByteorderBig,
                            false,
                            {},
                            origin};
      if (has_range) {
        std::vector<std::pair<Bytes, Bytes>> ranges;
        for (const auto& p : m.ports) ranges.push_back({be16(p.first), be16(p.last)});
        spec.flags |= NFT_SET_INTERVAL;
        spec.elems = Encoder::intervalElems(ranges);
      } else {
        for (const auto& p : m.ports) spec.elems.push_back({be16(p.first), false, nullptr});
      }
      anonLookup(spec);
    }
  }
  void operator()(const IcmpTypeMatch& m) {
    nfproto(m.v6 ? Family::kV6 : Family::kV4);
    l4proto(m.v6 ? 58 : 1);
    x.payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
    if (m.types.size() == 1) {
      x.cmp(u8(m.types[0]));
      return;
    }
    Encoder::SetSpec spec{"__set%d",
                          NFT_SET_ANONYMOUS | NFT_SET_CONSTANT,
                          m.v6 ? kTypeIcmp6Type : kTypeIcmpType,
                          1,
                          kByteorderBig,
                          false,
                          {},
                          origin};
    for (uint8_t t : m.types) spec.elems.push_back({u8(t), false, nullptr});
    anonLookup(spec);
  }
  void operator()(const CtStateNewMatch&) {
    x.u32Key("ct", NFTNL_EXPR_CT_KEY, NFT_CT_STATE, NFTNL_EXPR_CT_DREG);
    x.bitwise(hostU32(NF_CT_STATE_BIT(IP_CT_NEW)));
    x.cmp(hostU32(0), NFT_CMP_NEQ);
  }
  void operator()(const IpsecMatch& m) {
    switch (m.kind) {
      case IpsecMatch::kSecpathExists:
      case IpsecMatch::kSecpathMissing:
        x.meta(NFT_META_SECPATH);
        x.cmp(u8(m.kind == IpsecMatch::kSecpathExists));
        return;
      case IpsecMatch::kRouteExists:
      case IpsecMatch::kRouteMissing:
        x.u32Key("rt", NFTNL_EXPR_RT_KEY, NFT_RT_XFRM, NFTNL_EXPR_RT_DREG);
        x.cmp(u8(m.kind == IpsecMatch::kRouteExists));
        return;
      case IpsecMatch::kReqidIn:
      case IpsecMatch::kReqidOut: {
        nftnl_expr* e = nftnl_expr_alloc("xfrm");
        nftnl_expr_set_u32(e, NFTNL_EXPR_XFRM_DREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_XFRM_KEY, NFT_XFRM_KEY_REQID);
        nftnl_expr_set_u8(e, NFTNL_EXPR_XFRM_DIR,
                          m.kind == IpsecMatch::kReqidIn ? XFRM_POLICY_IN : XFRM_POLICY_OUT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_XFRM_SPNUM, 0);
        x.add(e);
        x.cmp(hostU32(m.reqid));
        return;
      }
    }
  }
  void operator()(const LimitStmt& s) {
    nftnl_expr* e = nftnl_expr_alloc("limit");
    nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, s.rate);
    nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, s.per_minute ? 60 : 1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, 5);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
    x.add(e);
  }
  void operator()(const LogStmt& s) {
    nftnl_expr* e = nftnl_expr_alloc("log");
    nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s.prefix.c_str());
    nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, s.group);
    x.add(e);
  }
  void operator()(const CounterStmt&) { x.add(nftnl_expr_alloc("counter")); }
  void operator()(const CtStateVmap&) {
    x.u32Key("ct", NFTNL_EXPR_CT_KEY, NFT_CT_STATE, NFTNL_EXPR_CT_DREG);
    static const Verdict kDrop{Verdict::kDrop, {}}, kAccept{Verdict::kAccept, {}};
    Encoder::SetSpec spec{"__map%d",
                          NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_MAP,
                          kTypeCtState,
                          4,
                          kByteorderHost,
                          true,
                          {{hostU32(NF_CT_STATE_INVALID_BIT), false, &kDrop},
                           {hostU32(NF_CT_STATE_BIT(IP_CT_ESTABLISHED)), false, &kAccept},
                           {hostU32(NF_CT_STATE_BIT(IP_CT_RELATED)), false, &kAccept}},
                          origin};
    uint32_t id = enc.set(spec);
    x.lookup(spec.name, id, true);
  }
  void operator()(const IfacePairVmap& m) {
    x.meta(NFT_META_IIFNAME, NFT_REG_1);
    x.meta(NFT_META_OIFNAME, NFT_REG_2);
    Encoder::SetSpec spec{"__map%d",
                          NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_MAP,
                          (kTypeIfname << kTypeBits) | kTypeIfname,
                          2 * kIfnameLen,
                          0,
                          true,
                          {},
                          origin};
    for (const auto& e : m.entries) {
      Bytes key = ifname(e.in);
      Bytes out = ifname(e.out);
      key.insert(key.end(), out.begin(), out.end());
      spec.elems.push_back({key, false, &e.verdict});
    }
    uint32_t id = enc.set(spec);
    x.lookup(spec.name, id, true);
  }

  void anonLookup(const Encoder::SetSpec& spec) {
    uint32_t id = enc.set(spec);
    x.lookup(spec.name, id, false);
  }
};

}  // namespace

void Encoder::rule(const std::string& chain, const Rule& r) {
  NftnlPtr<nftnl_rule> rl(nftnl_rule_alloc());
  nftnl_rule_set_str(rl.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(rl.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(rl.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  std::string origin = r.comment.empty() ? "chain " + chain : r.comment;
  Exprs x{rl.get()};
  StmtEncoder se{*this, x, origin, std::nullopt, std::nullopt};
  for (const Stmt& s : r.stmts) std::visit(se, s);
  if (r.verdict.kind != Verdict::kNone) {
    nftnl_expr* e = nftnl_expr_alloc("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    uint32_t v = r.verdict.kind == Verdict::kAccept ? NF_ACCEPT
                 : r.verdict.kind == Verdict::kDrop ? NF_DROP
                                                    : static_cast<uint32_t>(NFT_JUMP);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, v);
    if (r.verdict.kind == Verdict::kJump) {
      nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, r.verdict.chain.c_str());
    }
    x.add(e);
  }
  if (!r.comment.empty()) {
    NftnlPtr<nftnl_udata_buf> ud(nftnl_udata_buf_alloc(r.comment.size() + 16));
    nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_RULE_COMMENT, r.comment.c_str());
    nftnl_rule_set_data(rl.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud.get()),
                        nftnl_udata_buf_len(ud.get()));
  }
  nlmsghdr* nlh = header(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, origin);
  nftnl_rule_nlmsg_build_payload(nlh, rl.get());
  done();
}

}  // namespace rempart::firewall::detail
