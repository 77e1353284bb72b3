// Builders for the libnftnl expressions of one rule, and the byte encodings they take.
#pragma once

#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nftnl_ptr.hpp"

namespace rempart::firewall::detail {

using Bytes = std::vector<uint8_t>;
inline constexpr uint32_t kIfnameLen = 16;

struct Exprs {
  nftnl_rule* rule;
  void add(nftnl_expr* e) { nftnl_rule_add_expr(rule, e); }
  void meta(uint32_t key, uint32_t reg = NFT_REG_1) {
    nftnl_expr* e = nftnl_expr_alloc("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
    add(e);
  }
  void cmp(const Bytes& data, uint32_t op = NFT_CMP_EQ) {
    nftnl_expr* e = nftnl_expr_alloc("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data.data(), static_cast<uint32_t>(data.size()));
    add(e);
  }
  void range(const Bytes& from, const Bytes& to) {
    nftnl_expr* e = nftnl_expr_alloc("range");
    nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
    nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, from.data(), static_cast<uint32_t>(from.size()));
    nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, to.data(), static_cast<uint32_t>(to.size()));
    add(e);
  }
  void payload(uint32_t base, uint32_t offset, uint32_t len) {
    nftnl_expr* e = nftnl_expr_alloc("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
    add(e);
  }
  void bitwise(const Bytes& mask) {
    Bytes zero(mask.size(), 0);
    nftnl_expr* e = nftnl_expr_alloc("bitwise");
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, static_cast<uint32_t>(mask.size()));
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask.data(), static_cast<uint32_t>(mask.size()));
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero.data(), static_cast<uint32_t>(zero.size()));
    add(e);
  }
  void lookup(const std::string& set, uint32_t set_id, bool verdict_map) {
    nftnl_expr* e = nftnl_expr_alloc("lookup");
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
    if (verdict_map) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
    if (set_id) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
    add(e);
  }
  void u32Key(const char* name, uint32_t key_attr, uint32_t key, uint32_t dreg_attr) {
    nftnl_expr* e = nftnl_expr_alloc(name);
    nftnl_expr_set_u32(e, key_attr, key);
    nftnl_expr_set_u32(e, dreg_attr, NFT_REG_1);
    add(e);
  }
};

inline Bytes u8(uint8_t v) {
  return {v};
}
inline Bytes hostU32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}
inline Bytes be16(uint16_t v) {
  return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}
inline Bytes ifname(const std::string& n) {
  Bytes b(kIfnameLen, 0);
  std::memcpy(b.data(), n.data(), std::min<size_t>(n.size(), kIfnameLen - 1));
  return b;
}

}  // namespace rempart::firewall::detail
