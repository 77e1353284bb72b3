// One IPsec tunnel: peer, authentication, traffic selectors, proposals and timers.
#include "proposals.hpp"
#include "sections.hpp"
#include "value_syntax.hpp"

namespace rempart::config::detail {

namespace {

using std::chrono::seconds;

// Timer ranges. DPD 0s turns dead peer detection off (a passive responder may want that).
constexpr seconds kMinDpd{5}, kMaxDpd{3600};
constexpr seconds kMinIkeRekey{600}, kMaxIkeRekey{86400};
constexpr seconds kMinChildRekey{300}, kMaxChildRekey{86400};

std::optional<seconds> readDuration(const Cursor& c, seconds min, seconds max, bool zero_ok) {
  auto text = readString(c);
  if (!text) return std::nullopt;
  auto d = parseDuration(*text);
  if (!d) {
    c.error("expected a duration like 30s, 20m, 4h, 1d or 1h30m, found " + quoted(*text));
    return std::nullopt;
  }
  if ((*d == seconds(0) && zero_ok) || (*d >= min && *d <= max)) return d;
  c.error(std::string("expected ") + (zero_ok ? "0s (off) or " : "") + "a duration from " +
          formatDuration(min) + " to " + formatDuration(max) + ", found " + formatDuration(*d));
  return std::nullopt;
}

void readSelectors(const Cursor& c, std::vector<IpPrefix>& out) {
  readPrefixList(c, PrefixUse::kNetwork, kMaxSelectorsPerTunnel, "traffic selectors per tunnel",
                 out);
  if (c.node().kind == YamlNode::Kind::kList && c.node().children.empty())
    c.error("at least one traffic selector is required");
}

void readProposals(const Cursor& c, ProposalKind kind, std::vector<std::string>& out) {
  auto items = readList(c, kMaxProposals, "proposals");
  if (!items) return;
  if (items->empty()) c.error("at least one proposal is required; omit the key for the defaults");
  for (const auto& item : *items) {
    auto text = readString(item);
    if (!text) continue;
    if (auto problem = proposalProblem(*text, kind); !problem.empty())
      item.error(std::move(problem));
    else
      out.push_back(*text);
  }
}

bool hasFamily(const std::vector<IpPrefix>& v, Family f) {
  for (const auto& p : v)
    if (p.family() == f) return true;
  return false;
}

// A CHILD_SA only carries families present on both sides; a one-sided family is a mistake.
void checkFamilies(const MapView& m, const Tunnel& t) {
  if (t.local_ts.empty() || t.remote_ts.empty()) return;
  for (Family f : {Family::kV4, Family::kV6}) {
    const char* name = f == Family::kV4 ? "IPv4" : "IPv6";
    bool local = hasFamily(t.local_ts, f), remote = hasFamily(t.remote_ts, f);
    if (local && !remote)
      m.get("local_ts")->error(std::string("has ") + name + " prefixes but remote_ts has none");
    else if (remote && !local)
      m.get("remote_ts")->error(std::string("has ") + name + " prefixes but local_ts has none");
  }
}

}  // namespace

void parseTunnel(const Cursor& c, Tunnel& out) {
  out.location = locationOf(c);
  auto m =
      readMap(c, {"name", "remote_address", "remote_id", "auth", "psk", "remote_ca", "local_ts",
                  "remote_ts", "ike_proposals", "esp_proposals", "start", "dpd_interval", "rekey"});
  if (!m) return;
  if (auto n = m->require("name"))
    if (auto v = readChecked(*n, nameProblem)) out.name = *v;
  if (auto s = m->get("start"))
    if (auto i = readChoice(*s, {"always", "on-demand", "passive"}))
      out.start = static_cast<StartMode>(*i);
  if (auto r = m->require("remote_address")) {
    if (auto v = readString(*r)) {
      auto addr = IpAddress::parse(*v);
      if (*v == "%any") {
        if (out.start == StartMode::kPassive)
          out.remote_address = *v;
        else
          r->error("'%any' is only allowed with start: passive");
      } else if (addr ? addr->isUnspecified() : !isDnsName(*v)) {
        r->error(quoted(*v) + " is not an IP address or a DNS name");
      } else {
        out.remote_address = *v;
      }
    }
  }
  if (auto r = m->require("remote_id"))
    if (auto v = readChecked(*r, identityProblem)) out.remote_id = *v;
  std::optional<size_t> auth;
  if (auto a = m->require("auth"))
    if ((auth = readChoice(*a, {"psk", "pubkey"}))) out.auth = static_cast<AuthMethod>(*auth);
  if (auto p = m->get("psk")) {
    if (auth && out.auth != AuthMethod::kPsk)
      p->error("psk is only used with auth: psk");
    else if (auto v = readChecked(*p, nameProblem))
      out.psk = *v;
  } else if (auth && out.auth == AuthMethod::kPsk) {
    c.error("missing required key 'psk' (auth is psk)");
  }
  if (auto ca = m->get("remote_ca")) {
    if (auth && out.auth != AuthMethod::kPubkey)
      ca->error("remote_ca is only used with auth: pubkey");
    else if (auto v = readChecked(*ca, nameProblem))
      out.remote_ca = *v;
  }
  if (auto l = m->require("local_ts")) readSelectors(*l, out.local_ts);
  if (auto r = m->require("remote_ts")) readSelectors(*r, out.remote_ts);
  if (!c.sink().hasErrorUnder(c.path() + ".local_ts") &&
      !c.sink().hasErrorUnder(c.path() + ".remote_ts"))
    checkFamilies(*m, out);
  out.ike_proposals = kDefaultIkeProposals;
  out.esp_proposals = kDefaultEspProposals;
  if (auto p = m->get("ike_proposals")) {
    out.ike_proposals.clear();
    readProposals(*p, ProposalKind::kIke, out.ike_proposals);
  }
  if (auto p = m->get("esp_proposals")) {
    out.esp_proposals.clear();
    readProposals(*p, ProposalKind::kEsp, out.esp_proposals);
  }
  if (auto d = m->get("dpd_interval"))
    if (auto v = readDuration(*d, kMinDpd, kMaxDpd, true)) out.dpd_interval = *v;
  if (auto r = m->get("rekey")) {
    if (auto rm = readMap(*r, {"ike", "child"})) {
      if (auto ike = rm->get("ike"))
        if (auto v = readDuration(*ike, kMinIkeRekey, kMaxIkeRekey, false)) out.ike_rekey = *v;
      if (auto child = rm->get("child")) {
        if (auto v = readDuration(*child, kMinChildRekey, kMaxChildRekey, false)) {
          if (*v >= out.ike_rekey)
            child->error("the CHILD_SA rekey (" + formatDuration(*v) +
                         ") must be shorter than the IKE_SA rekey (" +
                         formatDuration(out.ike_rekey) + ")");
          else
            out.child_rekey = *v;
        }
      } else if (out.child_rekey >= out.ike_rekey) {
        rm->require("ike")->error("the IKE_SA rekey (" + formatDuration(out.ike_rekey) +
                                  ") must be longer than the CHILD_SA rekey (" +
                                  formatDuration(out.child_rekey) + ")");
      }
    }
  }
}

}  // namespace rempart::config::detail
