// The admin trail: one hash-chained record (ChainLog "admin", gateway/docs/audit-log.md) per
// control request, allowed or refused, with who asked (role, user, uid, SSH key fingerprint,
// source address and port, session), the command words, and the result. Standard input is
// never recorded, only its size. adminRecord() is pure; AdminTrail runs on rempartd's
// io_context thread and never fails the request it records (a failed append is logged).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "gateway/audit/chain_log.hpp"
#include "gateway/control_protocol.hpp"
#include "gateway/control_server.hpp"
#include "gateway/roles.hpp"

namespace rempart::gateway {

// "ok" (exit status 0), "refused" (usage or permission: exit status 2 or 3, or a request the
// CLI or the protocol refused) or "error" (any other status).
std::string adminResult(const ControlResponse& response);

// The record's payload (event "admin.request"); ChainLog adds seq, time and prev.
audit::JsonObject adminRecord(const Caller& caller, const PeerCredentials& peer,
                              const ControlRequest& request, const ControlResponse& response);

// A request that never reached a command: the control protocol refused it (`why`).
audit::JsonObject adminProtocolRefusal(const Caller& caller, const PeerCredentials& peer,
                                       const std::string& why);

class AdminTrail {
 public:
  // Opens <dir>/admin-*.jsonl (see ChainLog::open for the errors).
  static Result<std::unique_ptr<AdminTrail>> open(const std::filesystem::path& dir);

  void record(const Caller& caller, const PeerCredentials& peer, const ControlRequest& request,
              const ControlResponse& response);
  void recordProtocolRefusal(const Caller& caller, const PeerCredentials& peer,
                             const std::string& why);

 private:
  explicit AdminTrail(audit::ChainLog log) : log_(std::move(log)) {}
  void append(const audit::JsonObject& record);
  audit::ChainLog log_;
};

}  // namespace rempart::gateway
