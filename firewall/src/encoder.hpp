// The batch writer shared by the table/set encoder (encode.cpp) and the rule encoder
// (encode_rule.cpp): numbering messages, recording their origin, writing sets and elements.
#pragma once

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "encode.hpp"
#include "encode_exprs.hpp"
#include "ranges.hpp"

namespace rempart::firewall::detail {

// nft's datatype ids (src/datatype.h), which `nft list` uses to print set keys.
inline constexpr uint32_t kTypeIpAddr = 7, kTypeIp6Addr = 8, kTypeInetService = 13,
                          kTypeIcmpType = 14, kTypeCtState = 26, kTypeIcmp6Type = 29,
                          kTypeIfname = 41, kTypeBits = 6;
inline constexpr uint32_t kByteorderHost = 1, kByteorderBig = 2;  // nft's enum byteorder

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

}  // namespace rempart::firewall::detail
