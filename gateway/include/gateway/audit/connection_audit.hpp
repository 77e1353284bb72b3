// Turns strongSwan events into connection-log records (issue 5, "the connection log"). The
// gateway fills the small Audit* structs below from VICI event messages and error-notify
// records; this class adds what charon does not give: wall-clock durations from our own
// up-stamps, rekeys followed from old to new unique ids, and failure reasons from error-notify.
// Pure: no I/O, time comes from the caller. One instance per level; event-loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/error_notify.hpp"
#include "gateway/audit/json.hpp"

namespace rempart::gateway::audit {

// Values as VICI gives them (strings), parsed only where we compute with them.
struct AuditEndpoint {
  std::string id;    // local-id / remote-id
  std::string host;  // local-host / remote-host
  std::optional<uint16_t> port;
};

struct AuditIkeSa {
  std::string tunnel;  // the conn name (the key of the ike-updown section)
  uint64_t unique_id = 0;
  std::string version;  // "2"
  std::string state;    // "ESTABLISHED", "CONNECTING", "DELETING", ...
  AuditEndpoint local;
  AuditEndpoint remote;
  std::optional<bool> initiator;
  std::string initiator_spi;
  std::string responder_spi;
  std::string encr_alg, encr_keysize, integ_alg, integ_keysize, prf_alg, dh_group;
};

struct AuditChildSa {
  std::string name;  // child name from the config
  uint64_t unique_id = 0;
  std::string reqid, state, mode, protocol;
  std::optional<bool> encap;
  std::string spi_in, spi_out;
  std::string encr_alg, encr_keysize, integ_alg, integ_keysize, dh_group;
  std::optional<uint64_t> bytes_in, bytes_out, packets_in, packets_out;
  std::vector<std::string> local_ts, remote_ts;
};

// Record builder and correlator. Each on* call returns the payloads to append, in order (the
// ChainLog adds seq, time and prev). See gateway/docs/audit-log.md for every event and field.
class ConnectionAudit {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  // Error-notify reasons older than this are not attributed to a later failed attempt.
  static constexpr std::chrono::seconds kReasonWindow{60};
  // Caps on remembered state, so a flood of events cannot grow memory without bound.
  static constexpr size_t kMaxTracked = 100000;
  static constexpr size_t kMaxPendingReasons = 1024;

  explicit ConnectionAudit(std::string level) : level_(std::move(level)) {}

  // ike-updown with up=yes: "ike.up". Stamps the IKE_SA for its duration.
  std::vector<JsonObject> onIkeUp(const AuditIkeSa& ike, TimePoint now);
  // ike-updown without up: "ike.down" (with duration) if we saw it up or it was ESTABLISHED,
  // otherwise "ike.failed" with the reason from a recent error-notify of that tunnel.
  std::vector<JsonObject> onIkeDown(const AuditIkeSa& ike, TimePoint now);
  // ike-rekey: "ike.rekey" with old and new unique ids; the up-stamp moves to the new id.
  std::vector<JsonObject> onIkeRekey(const AuditIkeSa& old_ike, const AuditIkeSa& new_ike,
                                     TimePoint now);
  // child-updown up=yes / down: "child.up" / "child.down" (final counters, duration).
  std::vector<JsonObject> onChildUp(const AuditIkeSa& ike, const AuditChildSa& child,
                                    TimePoint now);
  std::vector<JsonObject> onChildDown(const AuditIkeSa& ike, const AuditChildSa& child,
                                      TimePoint now);
  // child-rekey: "child.rekey"; the old child's counters are final, the up-stamp carries over.
  std::vector<JsonObject> onChildRekey(const AuditIkeSa& ike, const AuditChildSa& old_child,
                                       const AuditChildSa& new_child, TimePoint now);
  // Every error-notify record: "ike.error" with reason and type; failures are remembered per
  // tunnel to explain the next failed attempt.
  std::vector<JsonObject> onErrorNotify(const ErrorNotify& notify, TimePoint now);
  // A record that could not be decoded: "ike.error-notify-invalid" with the decoder's message.
  std::vector<JsonObject> onErrorNotifyInvalid(const Error& error);

  size_t trackedIkeSas() const { return ike_up_.size(); }
  size_t trackedChildSas() const { return child_up_.size(); }

 private:
  struct PendingReason {
    TimePoint at;
    std::string tunnel;
    std::string peer_host;
    std::string reason;
    std::string type;
    std::string message;
  };
  JsonObject base(std::string_view event, const AuditIkeSa& ike) const;
  std::optional<PendingReason> takeReason(const std::string& tunnel, const std::string& remote_host,
                                          TimePoint now);

  std::string level_;
  std::map<uint64_t, TimePoint> ike_up_;    // IKE unique id -> up-stamp
  std::map<uint64_t, TimePoint> child_up_;  // CHILD unique id -> up-stamp (kept across rekeys)
  std::deque<PendingReason> reasons_;
};

// Field helpers, exposed for the admin trail and tests.
JsonObject ikeFields(const AuditIkeSa& ike);
JsonObject childFields(const AuditChildSa& child);

}  // namespace rempart::gateway::audit
