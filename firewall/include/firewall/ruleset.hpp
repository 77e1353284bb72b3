// The compiled firewall of one network namespace: one `inet rempart` table as plain values.
// The compiler produces it, render.hpp prints it as nft text, the backend encodes it into one
// libnftnl batch. Each statement kind below has exactly one text form and one kernel encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/config/model.hpp"
#include "common/ip.hpp"

namespace rempart::firewall {

inline constexpr const char* kTableName = "rempart";

struct Verdict {
  enum Kind { kNone, kAccept, kDrop, kJump };
  Kind kind = kNone;
  std::string chain;  // for kJump
  bool operator==(const Verdict&) const = default;
};

// `iifname "x"` / `oifname "x"`
struct IfnameMatch {
  bool output = false;
  std::string name;
};
// `ip saddr @set`, `ip6 daddr { ... }`, `ip saddr 10.0.0.0/8`. Exactly one of set / prefixes.
struct AddrMatch {
  Family family = Family::kV4;
  bool source = true;
  std::string set;                 // a named set of this table
  std::vector<IpPrefix> prefixes;  // normalised (see normalizePrefixes); 1 = plain match
};
// `meta l4proto esp`
struct L4ProtoMatch {
  uint8_t proto = 0;
};
// `tcp dport { 22, 443 }`; sorted, disjoint ranges
struct PortMatch {
  uint8_t proto = 6;
  bool source = false;
  std::vector<config::PortRange> ports;
};
// `icmp type echo-request`, `icmpv6 type { nd-neighbor-solicit, ... }`
struct IcmpTypeMatch {
  bool v6 = false;
  std::vector<uint8_t> types;  // sorted, unique
};
// `ct state new`
struct CtStateNewMatch {};
// `meta ipsec exists|missing`, `rt ipsec exists|missing`, `ipsec in|out reqid N`
struct IpsecMatch {
  enum Kind { kSecpathExists, kSecpathMissing, kRouteExists, kRouteMissing, kReqidIn, kReqidOut };
  Kind kind = kSecpathExists;
  uint32_t reqid = 0;
};
// `limit rate N/second|minute` (burst stays nft's default of 5 packets)
struct LimitStmt {
  uint32_t rate = 0;
  bool per_minute = false;
};
// `log prefix "..." group N` (NFLOG)
struct LogStmt {
  std::string prefix;
  uint16_t group = 0;
};
struct CounterStmt {};
// `ct state vmap { invalid : drop, established : accept, related : accept }`
struct CtStateVmap {};
// `iifname . oifname vmap { "a" . "b" : jump c, ... }`
struct IfacePairVmap {
  struct Entry {
    std::string in, out;
    Verdict verdict;
  };
  std::vector<Entry> entries;
};

using Stmt =
    std::variant<IfnameMatch, AddrMatch, L4ProtoMatch, PortMatch, IcmpTypeMatch, CtStateNewMatch,
                 IpsecMatch, LimitStmt, LogStmt, CounterStmt, CtStateVmap, IfacePairVmap>;

struct Rule {
  std::vector<Stmt> stmts;
  Verdict verdict;
  // Stored as the nft comment (rule userdata); the config path for rules that come from the
  // config ("levels[0].firewall.allow[3]"), so kernel errors and counters map back to it.
  std::string comment;
};

enum class Hook { kInput, kForward, kOutput };

struct Chain {
  std::string name;
  std::optional<Hook> hook;  // base chain (filter, priority 0, policy drop) when set
  std::vector<Rule> rules;
};

// A named interval set of addresses (an address group, a peer list, allowed SSH sources).
struct AddrSet {
  std::string name;
  Family family = Family::kV4;
  std::vector<IpPrefix> prefixes;  // normalised
  std::string origin;              // config path, for error messages
};

struct Ruleset {
  std::vector<AddrSet> sets;
  std::vector<Chain> chains;
};

// Sorts, drops prefixes contained in others. Prefixes of one family only.
std::vector<IpPrefix> normalizePrefixes(std::vector<IpPrefix> prefixes);

// Number of rules of all chains.
size_t ruleCount(const Ruleset& ruleset);

}  // namespace rempart::firewall
