// One network level: its identity, credentials and LANs, then its tunnels and firewall, and the
// references that must resolve inside the level.
#include <algorithm>

#include "sections.hpp"
#include "value_syntax.hpp"

namespace rempart::config::detail {

namespace {

bool isUnicast(const IpAddress& a) {
  if (a.isUnspecified()) return false;
  if (a.family == Family::kV4) {
    return a.bytes[0] != 127 && a.bytes[0] < 224;  // loopback, multicast, reserved, broadcast
  }
  static const IpAddress kLoopback6 = *IpAddress::parse("::1");
  return a.bytes[0] != 0xff && a != kLoopback6;
}

void parseIdentity(const Cursor& c, LocalIdentity& out) {
  auto m = readMap(c, {"id", "certificate", "private_key"});
  if (!m) return;
  if (auto id = m->require("id"))
    if (auto v = readChecked(*id, identityProblem)) out.id = *v;
  if (auto cert = m->get("certificate"))
    if (auto v = readChecked(*cert, nameProblem)) out.certificate = *v;
  if (auto key = m->get("private_key"))
    if (auto v = readChecked(*key, nameProblem)) out.private_key = *v;
}

void parseCredentials(const Cursor& c, std::vector<Credential>& out) {
  auto items = readList(c, kMaxCredentialsPerLevel, "credentials per level");
  if (!items) return;
  for (const auto& item : *items) {
    auto m = readMap(item, {"name", "type"});
    if (!m) continue;
    Credential cred;
    cred.location = locationOf(item);
    std::optional<std::string> name;
    std::optional<size_t> type;
    if (auto n = m->require("name")) name = readChecked(*n, nameProblem);
    if (auto t = m->require("type"))
      type = readChoice(*t, {"psk", "private_key", "certificate", "ca"});
    if (!name || !type) continue;
    if (const Credential* other = [&]() -> const Credential* {
          for (const auto& o : out)
            if (o.name == *name) return &o;
          return nullptr;
        }()) {
      m->get("name")->error("credential name " + quoted(*name) + " is already used by " +
                            other->location.path);
      continue;
    }
    cred.name = *name;
    cred.type = static_cast<CredentialType>(*type);
    out.push_back(std::move(cred));
  }
}

void parseRoutes(const Cursor& c, Lan& lan) {
  auto items = readList(c, kMaxRoutesPerLevel, "routes per level");
  if (!items) return;
  for (const auto& item : *items) {
    auto m = readMap(item, {"to", "via", "metric"});
    if (!m) continue;
    Route route;
    route.location = locationOf(item);
    auto to = m->require("to");
    std::optional<IpPrefix> dest;
    if (to) dest = readPrefix(*to, PrefixUse::kNetwork);
    if (auto via = m->get("via")) {
      if (auto gw = readAddress(*via)) {
        bool on_link = std::any_of(lan.addresses.begin(), lan.addresses.end(),
                                   [&](const IpPrefix& a) { return a.network().contains(*gw); });
        if (dest && gw->family != dest->family())
          via->error("next hop " + gw->str() + " is not of the destination's address family");
        else if (!on_link)
          via->error("next hop " + gw->str() + " is not on a network of this LAN");
        else
          route.via = gw;
      }
    }
    if (auto metric = m->get("metric"))
      if (auto n = readUint(*metric, 0, UINT32_MAX)) route.metric = static_cast<uint32_t>(*n);
    if (dest) {
      route.destination = *dest;
      lan.routes.push_back(std::move(route));
    }
  }
}

void parseLans(const Cursor& c, std::vector<Lan>& out) {
  auto items = readList(c, kMaxLansPerLevel, "LANs per level");
  if (!items) return;
  if (items->empty()) c.error("at least one LAN is required");
  size_t routes = 0;
  for (const auto& item : *items) {
    auto m = readMap(item, {"interface", "addresses", "mtu", "routes"});
    if (!m) continue;
    Lan lan;
    lan.location = locationOf(item);
    if (auto i = m->require("interface"))
      if (auto v = readChecked(*i, interfaceNameProblem)) lan.interface = *v;
    if (auto a = m->require("addresses")) {
      readPrefixList(*a, PrefixUse::kInterface, kMaxAddressesPerInterface, "addresses per LAN",
                     lan.addresses);
      if (a->node().kind == YamlNode::Kind::kList && a->node().children.empty())
        a->error("at least one address is required");
    }
    if (auto mtu = m->get("mtu"))
      if (auto n = readUint(*mtu, kMinMtu, kMaxMtu)) lan.mtu = static_cast<unsigned>(*n);
    if (auto r = m->get("routes")) {
      parseRoutes(*r, lan);
      routes += r->node().children.size();
      if (routes > kMaxRoutesPerLevel && r->node().children.size() <= kMaxRoutesPerLevel)
        r->error("at most " + std::to_string(kMaxRoutesPerLevel) +
                 " routes per level are allowed, found " + std::to_string(routes));
    }
    out.push_back(std::move(lan));
  }
}

void parseTunnels(const Cursor& c, std::vector<Tunnel>& out) {
  auto items = readList(c, kMaxTunnelsPerLevel, "tunnels per level");
  if (!items) return;
  for (const auto& item : *items) {
    Tunnel t;
    parseTunnel(item, t);
    if (t.name.empty()) continue;
    for (const auto& other : out) {
      if (other.name == t.name) {
        c.sink().errorAt(item.path() + ".name", "tunnel name " + quoted(t.name) +
                                                    " is already used by " + other.location.path);
        break;
      }
    }
    out.push_back(std::move(t));
  }
}

// `name` at `path` must be a credential of `type` in `level`.
void checkCredential(Sink& sink, const Level& level, const std::string& path,
                     const std::string& name, CredentialType type) {
  if (name.empty()) return;
  const Credential* cred = level.findCredential(name);
  if (!cred)
    sink.errorAt(path, "credential " + quoted(name) + " is not declared in this level");
  else if (cred->type != type)
    sink.errorAt(path, "credential " + quoted(name) + " is of type " +
                           std::string(toString(cred->type)) + ", not " +
                           std::string(toString(type)));
}

void checkReferences(const Cursor& c, const Level& level) {
  Sink& sink = c.sink();
  const std::string& p = c.path();
  if (sink.hasErrorUnder(p + ".credentials")) return;  // a bad list would make all look missing
  checkCredential(sink, level, p + ".identity.certificate", level.identity.certificate,
                  CredentialType::kCertificate);
  checkCredential(sink, level, p + ".identity.private_key", level.identity.private_key,
                  CredentialType::kPrivateKey);
  for (const auto& t : level.tunnels) {
    checkCredential(sink, level, t.location.path + ".psk", t.psk, CredentialType::kPsk);
    checkCredential(sink, level, t.location.path + ".remote_ca", t.remote_ca, CredentialType::kCa);
    if (t.auth == AuthMethod::kPubkey &&
        (level.identity.certificate.empty() || level.identity.private_key.empty()))
      sink.errorAt(t.location.path + ".auth",
                   "pubkey authentication needs identity.certificate and identity.private_key "
                   "in this level");
  }
}

}  // namespace

void parseLevel(const Cursor& c, Level& out) {
  out.location = locationOf(c);
  auto m = readMap(
      c, {"name", "public_address", "identity", "credentials", "lans", "tunnels", "firewall"});
  if (!m) return;
  if (auto n = m->require("name"))
    if (auto v = readChecked(*n, nameProblem)) out.name = *v;
  if (auto a = m->require("public_address")) {
    if (auto addr = readAddress(*a)) {
      if (isUnicast(*addr))
        out.public_address = *addr;
      else
        a->error(addr->str() + " is not a unicast address");
    }
  }
  if (auto i = m->require("identity")) parseIdentity(*i, out.identity);
  if (auto cr = m->get("credentials")) parseCredentials(*cr, out.credentials);
  if (auto l = m->require("lans")) parseLans(*l, out.lans);
  if (auto t = m->get("tunnels")) parseTunnels(*t, out.tunnels);
  if (auto f = m->get("firewall")) {
    parseFirewall(*f, out.firewall);
    // Only when every tunnel was read (a tunnel without a good name is not in the list).
    auto t = m->get("tunnels");
    bool all_tunnels = !t || (t->node().kind == YamlNode::Kind::kList &&
                              t->node().children.size() == out.tunnels.size());
    for (const auto& rule : out.firewall.allow)
      if (all_tunnels && !rule.tunnel.empty() && !out.findTunnel(rule.tunnel))
        c.sink().errorAt(rule.location.path + ".tunnel",
                         "tunnel " + quoted(rule.tunnel) + " is not defined in this level");
  }
  checkReferences(c, out);
}

}  // namespace rempart::config::detail
