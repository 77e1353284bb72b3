#include "gateway/connection_log.hpp"

#include "common/log.hpp"
#include "gateway/vici/sa.hpp"

namespace rempart::gateway {

namespace {

audit::AuditIkeSa toAudit(const vici::IkeSa& s) {
  audit::AuditIkeSa a;
  a.tunnel = s.name;
  a.unique_id = s.uniqueid;
  a.version = std::to_string(s.version);
  a.state = s.state;
  a.local = {s.local_id, s.local_host, s.local_port ? std::optional<uint16_t>(s.local_port) : std::nullopt};
  a.remote = {s.remote_id, s.remote_host, s.remote_port ? std::optional<uint16_t>(s.remote_port) : std::nullopt};
  a.initiator = s.initiator;
  a.initiator_spi = s.initiator_spi;
  a.responder_spi = s.responder_spi;
  a.encr_alg = s.encr_alg;
  if (s.encr_keysize) a.encr_keysize = std::to_string(s.encr_keysize);
  a.integ_alg = s.integ_alg;
  a.prf_alg = s.prf_alg;
  a.dh_group = s.dh_group;
  return a;
}

audit::AuditChildSa toAudit(const vici::ChildSa& c) {
  audit::AuditChildSa a;
  a.name = c.name;
  a.unique_id = c.uniqueid;
  a.reqid = std::to_string(c.reqid);
  a.state = c.state;
  a.mode = c.mode;
  a.protocol = c.protocol;
  a.encap = c.encap;
  a.spi_in = c.spi_in;
  a.spi_out = c.spi_out;
  a.encr_alg = c.encr_alg;
  if (c.encr_keysize) a.encr_keysize = std::to_string(c.encr_keysize);
  a.integ_alg = c.integ_alg;
  a.dh_group = c.dh_group;
  a.bytes_in = c.bytes_in;
  a.bytes_out = c.bytes_out;
  a.packets_in = c.packets_in;
  a.packets_out = c.packets_out;
  a.local_ts = c.local_ts;
  a.remote_ts = c.remote_ts;
  return a;
}

}  // namespace

Result<std::unique_ptr<ConnectionLog>> ConnectionLog::open(const std::filesystem::path& dir) {
  audit::ChainLogOptions o;
  o.dir = dir;
  o.name = "connections";
  auto log = TRY(audit::ChainLog::open(std::move(o)));
  return std::unique_ptr<ConnectionLog>(new ConnectionLog(std::move(log)));
}

audit::ConnectionAudit& ConnectionLog::auditFor(const std::string& level) {
  auto& a = audits_[level];
  if (!a) a = std::make_unique<audit::ConnectionAudit>(level);
  return *a;
}

void ConnectionLog::append(const std::vector<audit::JsonObject>& records) {
  for (const auto& r : records) {
    if (auto ok = log_.append(r); !ok) {
      log::error("writing the connection log", {{"error", ok.error().message()}});
    }
  }
}

void ConnectionLog::onViciEvent(const std::string& level, const vici::Event& event) {
  auto now = std::chrono::system_clock::now();
  auto& audit = auditFor(level);
  if (event.name == "ike-updown" || event.name == "child-updown") {
    auto e = vici::parseUpdownEvent(event.message);
    if (!e) {
      log::warning("undecodable VICI event", {{"level", level}, {"event", event.name}, {"error", e.error().message()}});
      return;
    }
    auto ike = toAudit(e->ike);
    if (event.name == "ike-updown") {
      append(e->up ? audit.onIkeUp(ike, now) : audit.onIkeDown(ike, now));
      return;
    }
    for (const auto& c : e->ike.children) {
      auto child = toAudit(c);
      append(e->up ? audit.onChildUp(ike, child, now) : audit.onChildDown(ike, child, now));
    }
  } else if (event.name == "ike-rekey") {
    auto e = vici::parseIkeRekeyEvent(event.message);
    if (e) append(audit.onIkeRekey(toAudit(e->old_sa), toAudit(e->new_sa), now));
  } else if (event.name == "child-rekey") {
    auto e = vici::parseChildRekeyEvent(event.message);
    if (e && !e->old_sa.children.empty() && !e->new_sa.children.empty()) {
      append(audit.onChildRekey(toAudit(e->new_sa), toAudit(e->old_sa.children.front()),
                                toAudit(e->new_sa.children.front()), now));
    }
  }
}

void ConnectionLog::onErrorNotifyBytes(const std::string& level, std::string_view bytes) {
  auto now = std::chrono::system_clock::now();
  auto& audit = auditFor(level);
  for (auto& r : decoders_[level].feed(bytes)) {
    append(r ? audit.onErrorNotify(*r, now) : audit.onErrorNotifyInvalid(r.error()));
  }
}

}  // namespace rempart::gateway
