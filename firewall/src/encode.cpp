#include "encode.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/xfrm.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "encode_exprs.hpp"
#include "ranges.hpp"

namespace rempart::firewall::detail {
namespace {

// nft's datatype ids (src/datatype.h), which `nft list` uses to print set keys.
constexpr uint32_t kTypeIpAddr = 7, kTypeIp6Addr = 8, kTypeInetService = 13, kTypeIcmpType = 14,
                   kTypeCtState = 26, kTypeIcmp6Type = 29, kTypeIfname = 41, kTypeBits = 6;
constexpr uint32_t kByteorderHost = 1, kByteorderBig = 2;  // nft's enum byteorder

struct Encoder {
  nftnl_batch* batch;
  uint32_t& seq;
  SeqOrigins& origins;
  uint32_t next_set_id = 1;

  nlmsghdr* header(uint16_t type, uint16_t flags, const std::string& origin) {
    origins.entries.emplace_back(seq, origin);
    return nftnl_nlmsg_build_hdr(static_cast<char*>(nftnl_batch_buffer(batch)), type, NFPROTO_INET,
                                 flags, seq++);
  }
  void done() { nftnl_batch_update(batch); }

  void table(uint16_t type) {
    NftnlPtr<nftnl_table> t(nftnl_table_alloc());
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, kTableName);
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
    nlmsghdr* nlh = header(type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, "table");
    nftnl_table_nlmsg_build_payload(nlh, t.get());
    done();
  }

  void chain(const Chain& c) {
    NftnlPtr<nftnl_chain> ch(nftnl_chain_alloc());
    nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TABLE, kTableName);
    nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_NAME, c.name.c_str());
    if (c.hook) {
      uint32_t hook = *c.hook == Hook::kInput     ? NF_INET_LOCAL_IN
                      : *c.hook == Hook::kForward ? NF_INET_FORWARD
                                                  : NF_INET_LOCAL_OUT;
      nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_HOOKNUM, hook);
      nftnl_chain_set_s32(ch.get(), NFTNL_CHAIN_PRIO, 0);
      nftnl_chain_set_str(ch.get(), NFTNL_CHAIN_TYPE, "filter");
      nftnl_chain_set_u32(ch.get(), NFTNL_CHAIN_POLICY, NF_DROP);
    }
    nlmsghdr* nlh = header(NFT_MSG_NEWCHAIN, NLM_F_CREATE, "chain " + c.name);
    nftnl_chain_nlmsg_build_payload(nlh, ch.get());
    done();
  }

  // A set with its elements. `elems` are (key, interval-end flag, verdict) triples.
  struct Elem {
    Bytes key;
    bool end = false;
    const Verdict* verdict = nullptr;
  };
  struct SetSpec {
    std::string name;  // "__set%d"/"__map%d" for anonymous sets
    uint32_t flags = 0, key_type = 0, key_len = 0, key_order = kByteorderBig;
    bool verdict_map = false;
    std::vector<Elem> elems;
    std::string origin;
  };

  // Returns the set id to reference it from a lookup in the same batch.
  uint32_t set(const SetSpec& spec) {
    uint32_t id = next_set_id++;
    NftnlPtr<nftnl_set> s(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, kTableName);
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name.c_str());
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.flags);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, spec.key_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, spec.key_len);
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    if (spec.verdict_map) {
      nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
      nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, 16);  // sizeof(struct nft_verdict)
    }
    if (spec.flags & NFT_SET_ANONYMOUS) {
      nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, static_cast<uint32_t>(spec.elems.size()));
    }
    NftnlPtr<nftnl_udata_buf> ud(nftnl_udata_buf_alloc(64));
    nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, spec.key_order);
    if (spec.verdict_map) nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_DATABYTEORDER, 0);
    if ((spec.flags & NFT_SET_ANONYMOUS) && (spec.flags & NFT_SET_INTERVAL)) {
      nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_MERGE_ELEMENTS, 1);
    }
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()),
                       nftnl_udata_buf_len(ud.get()));
    nlmsghdr* nlh = header(NFT_MSG_NEWSET, NLM_F_CREATE, spec.origin);
    nftnl_set_nlmsg_build_payload(nlh, s.get());
    done();
    if (spec.elems.empty()) return id;
    for (const Elem& e : spec.elems) {
      nftnl_set_elem* el = nftnl_set_elem_alloc();
      nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, e.key.data(), static_cast<uint32_t>(e.key.size()));
      if (e.end) nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
      if (e.verdict) {
        uint32_t v = e.verdict->kind == Verdict::kAccept ? NF_ACCEPT
                     : e.verdict->kind == Verdict::kDrop ? NF_DROP
                                                         : static_cast<uint32_t>(NFT_JUMP);
        nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_VERDICT, v);
        if (e.verdict->kind == Verdict::kJump) {
          nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_CHAIN, e.verdict->chain.c_str());
        }
      }
      nftnl_set_elem_add(s.get(), el);  // the set owns it now
    }
    // Elements go in as many messages as needed, each under the 64 KiB attribute limit.
    NftnlPtr<nftnl_set_elems_iter> it(nftnl_set_elems_iter_create(s.get()));
    int more = 1;
    while (more > 0) {
      nlmsghdr* enl = header(NFT_MSG_NEWSETELEM, NLM_F_CREATE, spec.origin);
      more = nftnl_set_elems_nlmsg_build_payload_iter(enl, it.get());
      done();
    }
    return id;
  }

  // Interval elements as nft sends them: an end marker at zero unless the first range starts
  // there, then start and one-past-end (omitted at the top of the space) per range.
  static std::vector<Elem> intervalElems(const std::vector<std::pair<Bytes, Bytes>>& ranges) {
    std::vector<Elem> out;
    if (ranges.empty()) return out;
    Bytes zero(ranges[0].first.size(), 0);
    if (ranges[0].first != zero) out.push_back({zero, true, nullptr});
    for (const auto& [lo, hi] : ranges) {
      out.push_back({lo, false, nullptr});
      std::array<uint8_t, 16> next{};
      std::copy(hi.begin(), hi.end(), next.begin());
      if (increment(next, hi.size()))
        out.push_back({Bytes(next.begin(), next.begin() + hi.size()), true, nullptr});
    }
    return out;
  }

  static std::vector<std::pair<Bytes, Bytes>> addrRanges(const std::vector<IpPrefix>& p, Family f) {
    size_t n = f == Family::kV4 ? 4 : 16;
    std::vector<std::pair<Bytes, Bytes>> out;
    for (const AddrRange& r : toRanges(p, f)) {
      out.push_back({Bytes(r.lo.begin(), r.lo.begin() + n), Bytes(r.hi.begin(), r.hi.begin() + n)});
    }
    return out;
  }

  void namedSet(const AddrSet& s) {
    SetSpec spec{s.name,
                 NFT_SET_INTERVAL,
                 s.family == Family::kV4 ? kTypeIpAddr : kTypeIp6Addr,
                 s.family == Family::kV4 ? 4u : 16u,
                 kByteorderBig,
                 false,
                 intervalElems(addrRanges(s.prefixes, s.family)),
                 s.origin};
    set(spec);
  }

  void rule(const std::string& chain, const Rule& r);
};

// Each statement, encoded as nft encodes the same text, so that `nft list` prints it back.
struct StmtEncoder {
  Encoder& enc;
  Exprs& x;
  const std::string& origin;

  void nfproto(Family f) {
    x.meta(NFT_META_NFPROTO);
    x.cmp(u8(f == Family::kV4 ? NFPROTO_IPV4 : NFPROTO_IPV6));
  }
  void l4proto(uint8_t p) {
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
    auto ranges = Encoder::addrRanges(m.prefixes, m.family);
    std::optional<IpPrefix> single;
    if (ranges.size() == 1) {
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

void Encoder::rule(const std::string& chain, const Rule& r) {
  NftnlPtr<nftnl_rule> rl(nftnl_rule_alloc());
  nftnl_rule_set_str(rl.get(), NFTNL_RULE_TABLE, kTableName);
  nftnl_rule_set_str(rl.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(rl.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
  std::string origin = r.comment.empty() ? "chain " + chain : r.comment;
  Exprs x{rl.get()};
  StmtEncoder se{*this, x, origin};
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

}  // namespace

void encodeReplace(nftnl_batch* batch, const Ruleset& ruleset, uint32_t& seq, SeqOrigins& origins) {
  Encoder enc{batch, seq, origins};
  enc.table(NFT_MSG_NEWTABLE);
  enc.table(NFT_MSG_DELTABLE);
  enc.table(NFT_MSG_NEWTABLE);
  for (const Chain& c : ruleset.chains) enc.chain(c);
  for (const AddrSet& s : ruleset.sets) enc.namedSet(s);
  for (const Chain& c : ruleset.chains) {
    for (const Rule& r : c.rules) enc.rule(c.name, r);
  }
}

std::string SeqOrigins::find(uint32_t seq) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), seq,
                             [](const auto& e, uint32_t s) { return e.first < s; });
  if (it == entries.end() || it->first != seq) return {};
  return it->second;
}

}  // namespace rempart::firewall::detail
