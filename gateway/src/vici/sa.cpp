#include "gateway/vici/sa.hpp"

#include <charconv>
#include <limits>

namespace rempart::gateway::vici {

namespace {

template <typename T>
Result<void> number(const Section& s, std::string_view key, T& out) {
  const std::string* v = s.value(key);
  if (v == nullptr) return {};
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || v->empty() ||
      n > std::numeric_limits<T>::max())
    return fail(ErrorCode::kProtocol, "vici: '" + std::string(key) + "' is not a number");
  out = static_cast<T>(n);
  return {};
}

bool yes(const Section& s, std::string_view key) {
  const std::string* v = s.value(key);
  return v != nullptr && (*v == "yes" || *v == "true");
}

std::vector<std::string> listOrEmpty(const Section& s, std::string_view key) {
  const auto* l = s.list(key);
  return l ? *l : std::vector<std::string>{};
}

// The single top-level section of an event (the IKE_SA named after its connection).
Result<const Entry*> onlySection(const Section& event, std::string_view what) {
  const Entry* found = nullptr;
  for (const auto& e : event.entries()) {
    if (e.kind != Entry::Kind::kSection) continue;
    if (found != nullptr)
      return fail(ErrorCode::kProtocol, "vici: " + std::string(what) + " with several IKE_SAs");
    found = &e;
  }
  if (found == nullptr)
    return fail(ErrorCode::kProtocol, "vici: " + std::string(what) + " without an IKE_SA");
  return found;
}

}  // namespace

Result<ChildSa> parseChildSa(std::string_view name, const Section& b) {
  ChildSa c;
  c.key = std::string(name);
  c.name = b.valueOr("name", name);
  TRY(number(b, "uniqueid", c.uniqueid));
  TRY(number(b, "reqid", c.reqid));
  c.state = b.valueOr("state");
  c.mode = b.valueOr("mode");
  c.protocol = b.valueOr("protocol");
  c.encap = yes(b, "encap");
  c.spi_in = b.valueOr("spi-in");
  c.spi_out = b.valueOr("spi-out");
  c.encr_alg = b.valueOr("encr-alg");
  TRY(number(b, "encr-keysize", c.encr_keysize));
  c.integ_alg = b.valueOr("integ-alg");
  c.dh_group = b.valueOr("dh-group");
  TRY(number(b, "bytes-in", c.bytes_in));
  TRY(number(b, "bytes-out", c.bytes_out));
  TRY(number(b, "packets-in", c.packets_in));
  TRY(number(b, "packets-out", c.packets_out));
  TRY(number(b, "rekey-time", c.rekey_time));
  TRY(number(b, "life-time", c.life_time));
  TRY(number(b, "install-time", c.install_time));
  c.local_ts = listOrEmpty(b, "local-ts");
  c.remote_ts = listOrEmpty(b, "remote-ts");
  return c;
}

Result<IkeSa> parseIkeSa(std::string_view name, const Section& b) {
  IkeSa s;
  s.name = std::string(name);
  TRY(number(b, "uniqueid", s.uniqueid));
  TRY(number(b, "version", s.version));
  s.state = b.valueOr("state");
  s.local_host = b.valueOr("local-host");
  s.remote_host = b.valueOr("remote-host");
  TRY(number(b, "local-port", s.local_port));
  TRY(number(b, "remote-port", s.remote_port));
  s.local_id = b.valueOr("local-id");
  s.remote_id = b.valueOr("remote-id");
  s.initiator = yes(b, "initiator");
  s.initiator_spi = b.valueOr("initiator-spi");
  s.responder_spi = b.valueOr("responder-spi");
  s.encr_alg = b.valueOr("encr-alg");
  TRY(number(b, "encr-keysize", s.encr_keysize));
  s.integ_alg = b.valueOr("integ-alg");
  s.prf_alg = b.valueOr("prf-alg");
  s.dh_group = b.valueOr("dh-group");
  if (b.value("established") != nullptr) {
    uint64_t e = 0;
    TRY(number(b, "established", e));
    s.established = e;
  }
  TRY(number(b, "rekey-time", s.rekey_time));
  TRY(number(b, "reauth-time", s.reauth_time));
  s.if_id_in = b.valueOr("if-id-in");
  s.if_id_out = b.valueOr("if-id-out");
  if (const Section* children = b.section("child-sas")) {
    for (const auto& e : children->entries()) {
      if (e.kind != Entry::Kind::kSection) continue;
      auto child = parseChildSa(e.name, e.section.front());
      if (!child) return unexpected<Error>(child.error().wrap("child " + e.name));
      s.children.push_back(std::move(*child));
    }
  }
  return s;
}

Result<IkeSa> parseListSaEvent(const Section& event) {
  const Entry* e = TRY(onlySection(event, "list-sa"));
  return parseIkeSa(e->name, e->section.front());
}

Result<UpdownEvent> parseUpdownEvent(const Section& event) {
  UpdownEvent u;
  u.up = yes(event, "up");
  const Entry* e = TRY(onlySection(event, "updown event"));
  u.ike = TRY(parseIkeSa(e->name, e->section.front()));
  return u;
}

Result<RekeyEvent> parseIkeRekeyEvent(const Section& event) {
  const Entry* e = TRY(onlySection(event, "ike-rekey"));
  const Section& b = e->section.front();
  const Section* old_block = b.section("old");
  const Section* new_block = b.section("new");
  if (old_block == nullptr || new_block == nullptr)
    return fail(ErrorCode::kProtocol, "vici: ike-rekey without old and new");
  RekeyEvent r;
  r.old_sa = TRY(parseIkeSa(e->name, *old_block));
  r.new_sa = TRY(parseIkeSa(e->name, *new_block));
  return r;
}

Result<RekeyEvent> parseChildRekeyEvent(const Section& event) {
  const Entry* e = TRY(onlySection(event, "child-rekey"));
  Section ike_fields;
  const Section* children = nullptr;
  for (const auto& f : e->section.front().entries()) {
    if (f.name == "child-sas" && f.kind == Entry::Kind::kSection)
      children = &f.section.front();
    else
      ike_fields.appendUnchecked(f);
  }
  if (children == nullptr || children->size() != 1 ||
      children->entries().front().kind != Entry::Kind::kSection)
    return fail(ErrorCode::kProtocol, "vici: child-rekey without exactly one child");
  const Entry& c = children->entries().front();
  const Section* old_block = c.section.front().section("old");
  const Section* new_block = c.section.front().section("new");
  if (old_block == nullptr || new_block == nullptr)
    return fail(ErrorCode::kProtocol, "vici: child-rekey without old and new");
  RekeyEvent r;
  r.old_sa = TRY(parseIkeSa(e->name, ike_fields));
  r.new_sa = r.old_sa;
  r.old_sa.children.push_back(TRY(parseChildSa(c.name, *old_block)));
  r.new_sa.children.push_back(TRY(parseChildSa(c.name, *new_block)));
  return r;
}

LogEvent parseLogEvent(const Section& event) {
  LogEvent l;
  l.group = event.valueOr("group");
  uint32_t level = 0;
  (void)number(event, "level", level);
  l.level = static_cast<int>(level);
  (void)number(event, "thread", l.thread);
  l.ike_name = event.valueOr("ikesa-name");
  // charon 5.9.8 sends "ikesa-uniqueid"; its README says "ikesa-uniqued". Accept both.
  if (!number(event, "ikesa-uniqueid", l.ike_uniqueid) || l.ike_uniqueid == 0)
    (void)number(event, "ikesa-uniqued", l.ike_uniqueid);
  l.message = event.valueOr("msg");
  return l;
}

}  // namespace rempart::gateway::vici
