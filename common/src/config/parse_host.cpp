// The gateway-wide sections: system, uplink, management and roles.
#include <algorithm>

#include "sections.hpp"
#include "value_syntax.hpp"

namespace rempart::config::detail {

namespace {

// An optional gateway of a static address: it must be on the interface's network.
std::optional<IpAddress> readGateway(const Cursor& c, const std::optional<IpPrefix>& address) {
  auto gw = readAddress(c);
  if (!gw || !address) return gw;
  if (gw->family != address->family() || !address->network().contains(*gw)) {
    c.error("gateway " + gw->str() + " is not inside " + address->network().str());
    return std::nullopt;
  }
  if (*gw == address->address) {
    c.error("gateway " + gw->str() + " is this interface's own address");
    return std::nullopt;
  }
  return gw;
}

std::optional<IpPrefix> readFamilyPrefix(const Cursor& c, Family family) {
  auto p = readPrefix(c, PrefixUse::kInterface);
  if (p && p->family() != family) {
    c.error(quoted(c.node().value) + " is not an " + (family == Family::kV4 ? "IPv4" : "IPv6") +
            " address");
    return std::nullopt;
  }
  return p;
}

template <typename Static>
std::optional<Static> readStatic(const Cursor& c, Family family) {
  auto m = readMap(c, {"address", "gateway"});
  if (!m) return std::nullopt;
  Static s;
  std::optional<IpPrefix> address;
  if (auto a = m->require("address")) address = readFamilyPrefix(*a, family);
  if (auto g = m->get("gateway")) s.gateway = readGateway(*g, address);
  if (!address) return std::nullopt;
  s.address = *address;
  return s;
}

}  // namespace

std::optional<std::string> readChecked(const Cursor& c, std::string (*problem)(std::string_view)) {
  auto s = readString(c);
  if (!s) return std::nullopt;
  if (auto p = problem(*s); !p.empty()) {
    c.error(std::move(p));
    return std::nullopt;
  }
  return s;
}

void parseSystem(const Cursor& c, System& out) {
  auto m = readMap(c, {"hostname", "dataplane"});
  if (!m) return;
  if (auto h = m->require("hostname"))
    if (auto v = readChecked(*h, hostnameProblem)) out.hostname = *v;
  if (auto d = m->get("dataplane"))
    if (auto i = readChoice(*d, {"kernel", "libipsec"}))
      out.dataplane = *i == 0 ? Dataplane::kKernel : Dataplane::kLibipsec;
}

void parseUplink(const Cursor& c, Uplink& out) {
  out.location = locationOf(c);
  auto m = readMap(c, {"interface", "ipv4", "dhcp", "ipv6", "mtu"});
  if (!m) return;
  if (auto i = m->require("interface"))
    if (auto v = readChecked(*i, interfaceNameProblem)) out.interface = *v;
  if (auto v4 = m->require("ipv4")) {
    if (v4->node().kind == YamlNode::Kind::kScalar && v4->node().value == "dhcp")
      out.ipv4_dhcp = true;
    else if (v4->node().kind == YamlNode::Kind::kMap)
      out.ipv4_static = readStatic<StaticIpv4>(*v4, Family::kV4);
    else
      v4->error("expected 'dhcp' or a map with address and gateway, found " + v4->describe());
  }
  if (auto d = m->get("dhcp")) {
    if (auto dm = readMap(*d, {"ignore_classless_routes", "max_routes"})) {
      if (!out.ipv4_dhcp && m->has("ipv4") && m->get("ipv4")->node().kind == YamlNode::Kind::kMap)
        d->error("DHCP options need 'ipv4: dhcp'");
      if (auto i = dm->get("ignore_classless_routes"))
        if (auto b = readBool(*i)) out.dhcp.ignore_classless_routes = *b;
      if (auto r = dm->get("max_routes"))
        if (auto n = readUint(*r, 0, 256)) out.dhcp.max_routes = static_cast<unsigned>(*n);
    }
  }
  if (auto v6 = m->get("ipv6")) out.ipv6 = readStatic<StaticIpv6>(*v6, Family::kV6);
  if (auto mtu = m->get("mtu"))
    if (auto n = readUint(*mtu, kMinMtu, kMaxMtu)) out.mtu = static_cast<unsigned>(*n);
}

void parseManagement(const Cursor& c, Management& out) {
  out.location = locationOf(c);
  auto m = readMap(c, {"interface", "address", "ssh_port", "allowed_sources"});
  if (!m) return;
  if (auto i = m->require("interface"))
    if (auto v = readChecked(*i, interfaceNameProblem)) out.interface = *v;
  if (auto a = m->require("address"))
    if (auto p = readPrefix(*a, PrefixUse::kInterface)) out.address = *p;
  if (auto p = m->get("ssh_port"))
    if (auto n = readUint(*p, 1, 65535)) out.ssh_port = static_cast<uint16_t>(*n);
  if (auto s = m->require("allowed_sources")) {
    readPrefixList(*s, PrefixUse::kNetworkOrHost, kMaxAllowedSshSources, "SSH source networks",
                   out.allowed_sources);
    if (s->node().kind == YamlNode::Kind::kList && s->node().children.empty())
      s->error("at least one allowed source is required, or nobody can log in");
  }
}

void parseRoles(const Cursor& c, RoleUsers& out) {
  auto m = readMap(c, {"admin", "audit", "update"});
  if (!m) return;
  // Each user has exactly one role: remember where each name was first given.
  std::vector<std::pair<std::string, std::string>> seen;  // user -> role
  auto readRole = [&](std::string_view role, std::vector<std::string>& users) {
    auto list = role == "admin" ? m->require(role) : m->get(role);
    if (!list) return;
    auto items = readList(*list, kMaxUsersPerRole, "users per role");
    if (!items) return;
    if (items->empty() && role == "admin") list->error("at least one admin user is required");
    for (const auto& item : *items) {
      auto user = readChecked(item, unixUserProblem);
      if (!user) continue;
      auto it = std::find_if(seen.begin(), seen.end(), [&](auto& s) { return s.first == *user; });
      if (it != seen.end()) {
        item.error(it->second == role ? "user " + quoted(*user) + " is listed twice"
                                      : "user " + quoted(*user) + " already has the role " +
                                            it->second + "; a user has one role");
        continue;
      }
      seen.emplace_back(*user, role);
      users.push_back(*user);
    }
  };
  readRole("admin", out.admin);
  readRole("audit", out.audit);
  readRole("update", out.update);
}

}  // namespace rempart::config::detail
