// A level's firewall: named address groups, then the allow rules that may use them.
#include <algorithm>
#include <charconv>

#include "sections.hpp"
#include "value_syntax.hpp"

namespace rempart::config::detail {

namespace {

void parseGroups(const Cursor& c, std::vector<AddressGroup>& out) {
  auto items = readList(c, kMaxAddressGroupsPerLevel, "address groups per level");
  if (!items) return;
  for (const auto& item : *items) {
    auto m = readMap(item, {"name", "prefixes"});
    if (!m) continue;
    AddressGroup g;
    g.location = locationOf(item);
    if (auto p = m->require("prefixes")) {
      readPrefixList(*p, PrefixUse::kNetworkOrHost, kMaxPrefixesPerGroup, "prefixes per group",
                     g.prefixes);
      if (p->node().kind == YamlNode::Kind::kList && p->node().children.empty())
        p->error("an address group needs at least one prefix");
    }
    auto n = m->require("name");
    if (!n) continue;
    auto name = readChecked(*n, nameProblem);
    if (!name) continue;
    auto other = std::find_if(out.begin(), out.end(), [&](auto& o) { return o.name == *name; });
    if (other != out.end()) {
      n->error("address group name " + quoted(*name) + " is already used by " +
               other->location.path);
      continue;
    }
    g.name = *name;
    out.push_back(std::move(g));
  }
}

std::optional<uint16_t> parsePort(std::string_view s) {
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < 1 || v > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(v);
}

void parsePorts(const Cursor& c, std::vector<PortRange>& out) {
  auto items = readList(c, kMaxPortsPerRule, "ports per rule");
  if (!items) return;
  for (const auto& item : *items) {
    auto text = readString(item);
    if (!text) continue;
    size_t dash = text->find('-');
    auto first = parsePort(std::string_view(*text).substr(0, dash));
    auto last =
        dash == std::string::npos ? first : parsePort(std::string_view(*text).substr(dash + 1));
    if (!first || !last)
      item.error("expected a port from 1 to 65535 or a range like 8000-8080, found " +
                 quoted(*text));
    else if (*first > *last)
      item.error("port range " + quoted(*text) + " ends before it starts");
    else
      out.push_back({*first, *last});
  }
}

// Source or destination: address group names of this level, or prefixes. `groups` is null
// when the groups had errors: names are then not checked, to avoid a cascade of messages.
void parseEndpoint(const Cursor& c, const std::vector<AddressGroup>* groups, Protocol protocol,
                   Endpoint& out) {
  auto items = readList(c, kMaxEntriesPerRuleSide, "entries per rule side");
  if (!items) return;
  for (const auto& item : *items) {
    auto text = readString(item);
    if (!text) continue;
    if (nameProblem(*text).empty()) {
      if (groups &&
          std::none_of(groups->begin(), groups->end(), [&](auto& g) { return g.name == *text; }))
        item.error("address group " + quoted(*text) + " is not defined in this level");
      else
        out.groups.push_back(*text);
      continue;
    }
    auto p = readPrefix(item, PrefixUse::kNetworkOrHost);
    if (!p) continue;
    if ((protocol == Protocol::kIcmp && p->family() != Family::kV4) ||
        (protocol == Protocol::kIcmpv6 && p->family() != Family::kV6)) {
      item.error(quoted(*text) + " does not match the protocol's address family");
      continue;
    }
    out.prefixes.push_back(*p);
  }
}

void parseRules(const Cursor& c, const std::vector<AddressGroup>* groups,
                std::vector<AllowRule>& out) {
  auto items = readList(c, kMaxRulesPerLevel, "rules per level");
  if (!items) return;
  for (const auto& item : *items) {
    auto m = readMap(item, {"direction", "tunnel", "protocol", "ports", "source", "destination"});
    if (!m) continue;
    AllowRule rule;
    rule.location = locationOf(item);
    if (auto d = m->require("direction"))
      if (auto i = readChoice(*d, {"outbound", "inbound"}))
        rule.direction = static_cast<Direction>(*i);
    if (auto t = m->get("tunnel"))
      if (auto v = readChecked(*t, nameProblem)) rule.tunnel = *v;
    if (auto p = m->get("protocol"))
      if (auto i = readChoice(*p, {"any", "tcp", "udp", "icmp", "icmpv6"}))
        rule.protocol = static_cast<Protocol>(*i);
    if (auto p = m->get("ports")) {
      if (rule.protocol != Protocol::kTcp && rule.protocol != Protocol::kUdp)
        p->error("ports need protocol tcp or udp");
      else
        parsePorts(*p, rule.ports);
    }
    if (auto s = m->get("source")) parseEndpoint(*s, groups, rule.protocol, rule.source);
    if (auto d = m->get("destination")) parseEndpoint(*d, groups, rule.protocol, rule.destination);
    out.push_back(std::move(rule));
  }
}

}  // namespace

void parseFirewall(const Cursor& c, Firewall& out) {
  auto m = readMap(c, {"address_groups", "allow"});
  if (!m) return;
  if (auto g = m->get("address_groups")) parseGroups(*g, out.address_groups);
  if (auto a = m->get("allow"))
    parseRules(*a,
               c.sink().hasErrorUnder(c.path() + ".address_groups") ? nullptr : &out.address_groups,
               out.allow);
}

}  // namespace rempart::config::detail
