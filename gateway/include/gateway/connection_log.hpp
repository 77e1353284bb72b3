// The gateway's connection log for the auditors: VICI events and error-notify records of every
// level become hash-chained records in <state>/log/connections-*.jsonl (gateway/docs/audit-log.md).
// Converts charon's SA blocks into audit inputs and appends; a failed append is logged, never
// fatal to the tunnels. Event-loop thread only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "gateway/audit/chain_log.hpp"
#include "gateway/audit/connection_audit.hpp"
#include "gateway/vici/connection.hpp"

namespace rempart::gateway {

class ConnectionLog {
 public:
  static Result<std::unique_ptr<ConnectionLog>> open(const std::filesystem::path& dir);

  // One VICI event (ike-updown, child-updown, ike-rekey, child-rekey) of `level`.
  void onViciEvent(const std::string& level, const vici::Event& event);
  // Raw bytes read from a level's error-notify socket.
  void onErrorNotifyBytes(const std::string& level, std::string_view bytes);

 private:
  explicit ConnectionLog(audit::ChainLog log) : log_(std::move(log)) {}
  audit::ConnectionAudit& auditFor(const std::string& level);
  void append(const std::vector<audit::JsonObject>& records);

  audit::ChainLog log_;
  std::map<std::string, std::unique_ptr<audit::ConnectionAudit>> audits_;
  std::map<std::string, audit::ErrorNotifyDecoder> decoders_;
};

}  // namespace rempart::gateway
