#include "gateway/audit/connection_audit.hpp"

#include "gateway/audit/chain_format.hpp"

namespace rempart::gateway::audit {

namespace {

void setAlgorithms(JsonObject& out, std::string_view key, const std::string& encr,
                   const std::string& encr_keysize, const std::string& integ,
                   const std::string& integ_keysize, const std::string& prf,
                   const std::string& dh) {
  JsonObject alg;
  alg.setIfNonEmpty("encr", encr)
      .setIfNonEmpty("encr_keysize", encr_keysize)
      .setIfNonEmpty("integ", integ)
      .setIfNonEmpty("integ_keysize", integ_keysize)
      .setIfNonEmpty("prf", prf)
      .setIfNonEmpty("dh", dh);
  if (!alg.empty()) out.set(key, alg);
}

void setEndpoint(JsonObject& out, std::string_view side, const AuditEndpoint& ep) {
  const std::string s(side);
  out.setIfNonEmpty(s + "_id", ep.id).setIfNonEmpty(s + "_addr", ep.host);
  if (ep.port) out.set(s + "_port", static_cast<uint64_t>(*ep.port));
}

template <typename Map>
void remember(Map& map, uint64_t id, ConnectionAudit::TimePoint t) {
  if (map.size() >= ConnectionAudit::kMaxTracked && !map.contains(id)) map.erase(map.begin());
  map[id] = t;
}

void setDuration(JsonObject& out, std::optional<ConnectionAudit::TimePoint> up,
                 ConnectionAudit::TimePoint now) {
  if (!up) return;  // up before we started watching: no honest duration to give
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - *up).count();
  out.set("up_since", formatRfc3339Ms(*up))
      .set("duration_ms", static_cast<int64_t>(ms < 0 ? 0 : ms));
}

template <typename Map>
std::optional<ConnectionAudit::TimePoint> take(Map& map, uint64_t id) {
  auto it = map.find(id);
  if (it == map.end()) return std::nullopt;
  auto t = it->second;
  map.erase(it);
  return t;
}

}  // namespace

JsonObject ikeFields(const AuditIkeSa& ike) {
  JsonObject out;
  out.set("tunnel", ike.tunnel).set("ike_id", ike.unique_id);
  out.setIfNonEmpty("ike_version", ike.version).setIfNonEmpty("ike_state", ike.state);
  setEndpoint(out, "local", ike.local);
  setEndpoint(out, "remote", ike.remote);
  if (ike.initiator) out.set("initiator", *ike.initiator);
  out.setIfNonEmpty("ike_spi_i", ike.initiator_spi).setIfNonEmpty("ike_spi_r", ike.responder_spi);
  setAlgorithms(out, "ike_alg", ike.encr_alg, ike.encr_keysize, ike.integ_alg, ike.integ_keysize,
                ike.prf_alg, ike.dh_group);
  return out;
}

JsonObject childFields(const AuditChildSa& child) {
  JsonObject out;
  out.set("child", child.name).set("child_id", child.unique_id);
  out.setIfNonEmpty("reqid", child.reqid)
      .setIfNonEmpty("child_state", child.state)
      .setIfNonEmpty("mode", child.mode)
      .setIfNonEmpty("protocol", child.protocol)
      .setIfNonEmpty("spi_in", child.spi_in)
      .setIfNonEmpty("spi_out", child.spi_out);
  if (child.encap) out.set("encap", *child.encap);
  setAlgorithms(out, "child_alg", child.encr_alg, child.encr_keysize, child.integ_alg,
                child.integ_keysize, "", child.dh_group);
  out.set("local_ts", child.local_ts).set("remote_ts", child.remote_ts);
  if (child.bytes_in) out.set("bytes_in", *child.bytes_in);
  if (child.bytes_out) out.set("bytes_out", *child.bytes_out);
  if (child.packets_in) out.set("packets_in", *child.packets_in);
  if (child.packets_out) out.set("packets_out", *child.packets_out);
  return out;
}

JsonObject ConnectionAudit::base(std::string_view event, const AuditIkeSa& ike) const {
  JsonObject out = ikeFields(ike);
  out.set("event", event).set("level", level_);
  return out;
}

std::vector<JsonObject> ConnectionAudit::onIkeUp(const AuditIkeSa& ike, TimePoint now) {
  remember(ike_up_, ike.unique_id, now);
  return {base("ike.up", ike)};
}

std::vector<JsonObject> ConnectionAudit::onIkeDown(const AuditIkeSa& ike, TimePoint now) {
  auto up = take(ike_up_, ike.unique_id);
  const bool never_up = !up && (ike.state == "CONNECTING" || ike.state == "CREATED");
  if (!never_up) {
    JsonObject out = base("ike.down", ike);
    setDuration(out, up, now);
    return {out};
  }
  JsonObject out = base("ike.failed", ike);
  if (auto reason = takeReason(ike.tunnel, ike.remote.host, now)) {
    out.set("reason", reason->reason)
        .set("notify_type", reason->type)
        .set("notify_message", reason->message);
  } else {
    out.set("reason", "unknown (no error-notify record from charon)");
  }
  return {out};
}

std::vector<JsonObject> ConnectionAudit::onIkeRekey(const AuditIkeSa& old_ike,
                                                    const AuditIkeSa& new_ike, TimePoint now) {
  auto up = take(ike_up_, old_ike.unique_id);
  remember(ike_up_, new_ike.unique_id, up.value_or(now));
  JsonObject out = base("ike.rekey", new_ike);
  out.set("old_ike_id", old_ike.unique_id)
      .setIfNonEmpty("old_ike_spi_i", old_ike.initiator_spi)
      .setIfNonEmpty("old_ike_spi_r", old_ike.responder_spi);
  if (up) out.set("up_since", formatRfc3339Ms(*up));
  return {out};
}

std::vector<JsonObject> ConnectionAudit::onChildUp(const AuditIkeSa& ike, const AuditChildSa& child,
                                                   TimePoint now) {
  remember(child_up_, child.unique_id, now);
  return {merge(base("child.up", ike), childFields(child))};
}

std::vector<JsonObject> ConnectionAudit::onChildDown(const AuditIkeSa& ike,
                                                     const AuditChildSa& child, TimePoint now) {
  auto up = take(child_up_, child.unique_id);
  JsonObject out = merge(base("child.down", ike), childFields(child));
  setDuration(out, up, now);
  return {out};
}

std::vector<JsonObject> ConnectionAudit::onChildRekey(const AuditIkeSa& ike,
                                                      const AuditChildSa& old_child,
                                                      const AuditChildSa& new_child,
                                                      TimePoint now) {
  auto up = take(child_up_, old_child.unique_id);
  remember(child_up_, new_child.unique_id, up.value_or(now));
  JsonObject out = merge(base("child.rekey", ike), childFields(new_child));
  out.set("old_child_id", old_child.unique_id)
      .setIfNonEmpty("old_spi_in", old_child.spi_in)
      .setIfNonEmpty("old_spi_out", old_child.spi_out);
  // The old SA's counters are final now: they are what it carried.
  if (old_child.bytes_in) out.set("old_bytes_in", *old_child.bytes_in);
  if (old_child.bytes_out) out.set("old_bytes_out", *old_child.bytes_out);
  if (old_child.packets_in) out.set("old_packets_in", *old_child.packets_in);
  if (old_child.packets_out) out.set("old_packets_out", *old_child.packets_out);
  // The new SA starts from zero; its counters at rekey time are noise.
  for (const char* k : {"bytes_in", "bytes_out", "packets_in", "packets_out"}) out.erase(k);
  if (up) out.set("up_since", formatRfc3339Ms(*up));
  return {out};
}

std::vector<JsonObject> ConnectionAudit::onErrorNotify(const ErrorNotify& notify, TimePoint now) {
  JsonObject out;
  out.set("event", "ike.error")
      .set("level", level_)
      .set("reason", errorNotifyReason(notify.type))
      .set("notify_type", errorNotifyTypeName(notify.type))
      .set("notify_message", notify.message)
      .set("failure", errorNotifyIsFailure(notify.type))
      .setIfNonEmpty("tunnel", notify.connection)
      .setIfNonEmpty("remote_id", notify.peer_id)
      .setIfNonEmpty("remote_addr", notify.peer_host);
  if (notify.peer_port) out.set("remote_port", static_cast<uint64_t>(*notify.peer_port));
  if (errorNotifyIsFailure(notify.type)) {
    if (reasons_.size() >= kMaxPendingReasons) reasons_.pop_front();
    reasons_.push_back(PendingReason{
        now, notify.connection, notify.peer_host, std::string(errorNotifyReason(notify.type)),
        std::string(errorNotifyTypeName(notify.type)), notify.message});
  }
  return {out};
}

std::vector<JsonObject> ConnectionAudit::onErrorNotifyInvalid(const Error& error) {
  JsonObject out;
  out.set("event", "ike.error-notify-invalid").set("level", level_).set("error", error.message());
  return {out};
}

std::optional<ConnectionAudit::PendingReason> ConnectionAudit::takeReason(
    const std::string& tunnel, const std::string& remote_host, TimePoint now) {
  while (!reasons_.empty() && now - reasons_.front().at > kReasonWindow) reasons_.pop_front();
  // The newest matching reason explains the failure; charon may not know the conn name yet
  // (a responder failing before it picked a config), then the peer address must match.
  for (auto it = reasons_.rbegin(); it != reasons_.rend(); ++it) {
    const bool match = it->tunnel.empty() ? (!remote_host.empty() && it->peer_host == remote_host)
                                          : it->tunnel == tunnel;
    if (match) {
      PendingReason r = *it;
      reasons_.erase(std::next(it).base());
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace rempart::gateway::audit
