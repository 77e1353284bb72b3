#include "firewall/render.hpp"

#include <algorithm>
#include <sstream>

#include "names.hpp"
#include "ranges.hpp"

namespace rempart::firewall {
namespace {

using detail::icmpTypeName;
using detail::l4protoName;

std::string portText(const config::PortRange& p) {
  return p.first == p.last ? std::to_string(p.first)
                           : std::to_string(p.first) + "-" + std::to_string(p.last);
}

template <typename T, typename F>
std::string braced(const std::vector<T>& items, F text) {
  if (items.size() == 1) return text(items[0]);
  std::string out = "{ ";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + text(items[i]);
  return out + " }";
}

std::string verdictText(const Verdict& v) {
  switch (v.kind) {
    case Verdict::kNone:
      return "";
    case Verdict::kAccept:
      return "accept";
    case Verdict::kDrop:
      return "drop";
    case Verdict::kJump:
      return "jump " + v.chain;
  }
  return "";
}

struct StmtText {
  std::string operator()(const IfnameMatch& m) const {
    return std::string(m.output ? "oifname" : "iifname") + " \"" + m.name + "\"";
  }
  std::string operator()(const AddrMatch& m) const {
    std::string head =
        std::string(m.family == Family::kV4 ? "ip" : "ip6") + (m.source ? " saddr " : " daddr ");
    if (!m.set.empty()) return head + "@" + m.set;
    std::vector<AddrRange> ranges = toRanges(m.prefixes, m.family);
    return head + braced(ranges, [&](const AddrRange& r) { return rangeText(r, m.family); });
  }
  std::string operator()(const L4ProtoMatch& m) const {
    return "meta l4proto " + l4protoName(m.proto);
  }
  std::string operator()(const PortMatch& m) const {
    return l4protoName(m.proto) + (m.source ? " sport " : " dport ") + braced(m.ports, portText);
  }
  std::string operator()(const IcmpTypeMatch& m) const {
    return std::string(m.v6 ? "icmpv6" : "icmp") + " type " +
           braced(m.types, [&](uint8_t t) { return icmpTypeName(m.v6, t); });
  }
  std::string operator()(const CtStateNewMatch&) const { return "ct state new"; }
  std::string operator()(const IpsecMatch& m) const {
    switch (m.kind) {
      case IpsecMatch::kSecpathExists:
        return "meta ipsec exists";
      case IpsecMatch::kSecpathMissing:
        return "meta ipsec missing";
      case IpsecMatch::kRouteExists:
        return "rt ipsec exists";
      case IpsecMatch::kRouteMissing:
        return "rt ipsec missing";
      case IpsecMatch::kReqidIn:
        return "ipsec in reqid " + std::to_string(m.reqid);
      case IpsecMatch::kReqidOut:
        return "ipsec out reqid " + std::to_string(m.reqid);
    }
    return "";
  }
  std::string operator()(const LimitStmt& s) const {
    return "limit rate " + std::to_string(s.rate) + (s.per_minute ? "/minute" : "/second");
  }
  std::string operator()(const LogStmt& s) const {
    return "log prefix \"" + s.prefix + "\" group " + std::to_string(s.group);
  }
  std::string operator()(const CounterStmt&) const { return "counter"; }
  std::string operator()(const CtStateVmap&) const {
    return "ct state vmap { invalid : drop, established : accept, related : accept }";
  }
  std::string operator()(const IfacePairVmap& m) const {
    std::vector<IfacePairVmap::Entry> e = m.entries;
    // nft prints elements sorted by key value; interface names are host-endian strings, so
    // the 32-byte key compares from its last byte down.
    auto key = [](const IfacePairVmap::Entry& x) {
      std::string k(32, '\0');
      k.replace(0, std::min<size_t>(x.in.size(), 15), x.in.substr(0, 15));
      k.replace(16, std::min<size_t>(x.out.size(), 15), x.out.substr(0, 15));
      return std::string(k.rbegin(), k.rend());
    };
    std::sort(e.begin(), e.end(), [&](const auto& a, const auto& b) {
      std::string ka = key(a), kb = key(b);
      return std::lexicographical_compare(
          ka.begin(), ka.end(), kb.begin(), kb.end(),
          [](char x, char y) { return static_cast<uint8_t>(x) < static_cast<uint8_t>(y); });
    });
    return "iifname . oifname vmap " + braced(e, [](const IfacePairVmap::Entry& x) {
             return "\"" + x.in + "\" . \"" + x.out + "\" : " + verdictText(x.verdict);
           });
  }
};

std::string hookText(Hook h) {
  switch (h) {
    case Hook::kInput:
      return "input";
    case Hook::kForward:
      return "forward";
    case Hook::kOutput:
      return "output";
  }
  return "";
}

}  // namespace

std::string renderNft(const Ruleset& rs, const RenderOptions& options) {
  std::ostringstream out;
  if (options.replace_preamble) {
    out << "table inet " << kTableName << "\ndelete table inet " << kTableName << "\n";
  }
  out << "table inet " << kTableName << " {\n";
  bool first = true;
  for (const AddrSet& s : rs.sets) {
    if (!first) out << "\n";
    first = false;
    out << "\tset " << s.name << " {\n\t\ttype "
        << (s.family == Family::kV4 ? "ipv4_addr" : "ipv6_addr") << "\n\t\tflags interval\n";
    std::vector<AddrRange> ranges = toRanges(s.prefixes, s.family);
    if (!ranges.empty()) {
      out << "\t\telements = { ";
      for (size_t i = 0; i < ranges.size(); ++i)
        out << (i ? ", " : "") << rangeText(ranges[i], s.family);
      out << " }\n";
    }
    out << "\t}\n";
  }
  for (const Chain& c : rs.chains) {
    if (!first) out << "\n";
    first = false;
    out << "\tchain " << c.name << " {\n";
    if (c.hook) {
      out << "\t\ttype filter hook " << hookText(*c.hook) << " priority filter; policy drop;\n";
    }
    for (const Rule& r : c.rules) {
      std::string line;
      for (const Stmt& s : r.stmts) {
        line += (line.empty() ? "" : " ") + std::visit(StmtText{}, s);
      }
      std::string v = verdictText(r.verdict);
      if (!v.empty()) line += (line.empty() ? "" : " ") + v;
      if (!r.comment.empty()) line += " comment \"" + r.comment + "\"";
      out << "\t\t" << line << "\n";
    }
    out << "\t}\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace rempart::firewall
