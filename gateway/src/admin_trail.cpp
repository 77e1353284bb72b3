#include "gateway/admin_trail.hpp"

#include "common/log.hpp"

namespace rempart::gateway {

namespace {

std::string firstLine(const std::string& text) {
  auto s = text.substr(0, text.find('\n'));
  if (s.size() > 512) s.resize(512);
  return s;
}

// "198.51.100.7 52144" -> address and port, as SSH_CONNECTION's first two fields.
void setSource(audit::JsonObject& o, const std::string& ssh_client) {
  auto sp = ssh_client.find(' ');
  if (sp == std::string::npos) {
    o.setIfNonEmpty("source_addr", ssh_client);
    return;
  }
  o.set("source_addr", ssh_client.substr(0, sp));
  o.set("source_port", ssh_client.substr(sp + 1));
}

}  // namespace

std::string adminResult(const ControlResponse& r) {
  if (r.exit_status == 0) return "ok";
  if (r.exit_status == 2 || r.exit_status == 3) return "refused";
  return "error";
}

audit::JsonObject adminRecord(const Caller& caller, const PeerCredentials& peer,
                              const ControlRequest& request, const ControlResponse& response) {
  audit::JsonObject o;
  o.set("event", "admin.request");
  o.set("user", caller.user);
  o.set("role", caller.role ? std::string(config::toString(*caller.role)) : std::string("none"));
  o.set("uid", static_cast<uint64_t>(peer.uid));
  o.set("pid", static_cast<int64_t>(peer.pid));
  o.setIfNonEmpty("key", request.contextValue("ssh_key"));
  setSource(o, request.contextValue("ssh_client"));
  o.set("session", request.contextValue("session").empty() ? std::string("local")
                                                           : request.contextValue("session"));
  o.set("command", request.words);
  o.set("input_bytes", static_cast<uint64_t>(request.input.size()));
  o.set("result", adminResult(response));
  o.set("exit_status", static_cast<int64_t>(response.exit_status));
  if (response.exit_status != 0) o.setIfNonEmpty("error", firstLine(response.err));
  o.setIfNonEmpty("cli_refused", request.contextValue("refused"));
  o.setIfNonEmpty("note", response.audit_note);
  return o;
}

audit::JsonObject adminProtocolRefusal(const Caller& caller, const PeerCredentials& peer,
                                       const std::string& why) {
  audit::JsonObject o;
  o.set("event", "admin.request");
  o.set("user", caller.user);
  o.set("role", caller.role ? std::string(config::toString(*caller.role)) : std::string("none"));
  o.set("uid", static_cast<uint64_t>(peer.uid));
  o.set("pid", static_cast<int64_t>(peer.pid));
  o.set("result", "refused");
  o.set("exit_status", static_cast<int64_t>(2));
  o.set("error", "protocol: " + firstLine(why));
  return o;
}

Result<std::unique_ptr<AdminTrail>> AdminTrail::open(const std::filesystem::path& dir) {
  audit::ChainLogOptions o;
  o.dir = dir;
  o.name = "admin";
  auto log = TRY(audit::ChainLog::open(std::move(o)));
  return std::unique_ptr<AdminTrail>(new AdminTrail(std::move(log)));
}

void AdminTrail::append(const audit::JsonObject& record) {
  if (auto r = log_.append(record); !r) {
    log::error("writing the admin trail", {{"error", r.error().message()}});
  }
}

void AdminTrail::record(const Caller& caller, const PeerCredentials& peer,
                        const ControlRequest& request, const ControlResponse& response) {
  append(adminRecord(caller, peer, request, response));
}

void AdminTrail::recordProtocolRefusal(const Caller& caller, const PeerCredentials& peer,
                                       const std::string& why) {
  append(adminProtocolRefusal(caller, peer, why));
}

}  // namespace rempart::gateway
