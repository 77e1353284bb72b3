#include "gateway/vici/conn_builder.hpp"

namespace rempart::gateway::vici {

namespace {

std::string seconds(std::chrono::seconds s) {
  return std::to_string(s.count()) + "s";
}

std::vector<std::string> prefixes(const std::vector<IpPrefix>& list) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (const auto& p : list) out.push_back(p.str());
  return out;
}

}  // namespace

StartActions startActions(config::StartMode mode, config::Dataplane dataplane) {
  switch (mode) {
    case config::StartMode::kAlways:
      return {"start", "restart", "start", false};
    case config::StartMode::kOnDemand:
      if (dataplane == config::Dataplane::kKernel) return {"trap", "trap", "trap", false};
      return {"start", "restart", "start", true};
    case config::StartMode::kPassive:
      // A responder must not chase a peer it cannot address; the peer brings it back.
      return {"none", "clear", "none", false};
  }
  return {"none", "clear", "none", false};
}

Result<Section> buildLoadConn(const config::Level& level, const config::Tunnel& tunnel,
                              const ConnBuildOptions& options) {
  const std::string where = "tunnel '" + tunnel.name + "' of level '" + level.name + "'";
  bool kernel = options.dataplane == config::Dataplane::kKernel;
  if (kernel && !options.if_id)
    return fail(ErrorCode::kInvalidInput, where + ": the kernel dataplane needs an if_id");
  if (!kernel && options.if_id)
    return fail(ErrorCode::kInvalidInput, where + ": if_id is for the kernel dataplane only");
  if (options.if_id && *options.if_id == 0)
    return fail(ErrorCode::kInvalidInput, where + ": if_id 0 means none");
  bool pubkey = tunnel.auth == config::AuthMethod::kPubkey;
  if (pubkey && options.local_cert.empty())
    return fail(ErrorCode::kInvalidInput, where + ": pubkey auth needs the level's certificate");
  if (tunnel.local_ts.empty() || tunnel.remote_ts.empty())
    return fail(ErrorCode::kInvalidInput, where + ": needs local and remote traffic selectors");

  Section msg;
  Section& conn = msg.child(tunnel.name);
  conn.set("version", "2");
  conn.setList("local_addrs", {level.public_address.str()});
  conn.setList("remote_addrs", {options.remote_addrs.value_or(tunnel.remote_address)});
  conn.setList("proposals",
               tunnel.ike_proposals.empty() ? config::kDefaultIkeProposals : tunnel.ike_proposals);
  conn.set("dpd_delay", seconds(tunnel.dpd_interval));
  conn.set("rekey_time", seconds(tunnel.ike_rekey));
  if (options.if_id) {
    conn.set("if_id_in", std::to_string(*options.if_id));
    conn.set("if_id_out", std::to_string(*options.if_id));
  }
  // kernel-libipsec cannot move SAs (no update_sa): MOBIKE would strand them.
  if (!kernel) conn.set("mobike", "no");

  Section& local = conn.child("local");
  local.set("auth", pubkey ? "pubkey" : "psk");
  local.set("id", level.identity.id);
  if (pubkey) local.setList("certs", {options.local_cert});
  Section& remote = conn.child("remote");
  remote.set("auth", pubkey ? "pubkey" : "psk");
  remote.set("id", tunnel.remote_id);
  if (pubkey && !options.remote_ca.empty()) remote.setList("cacerts", {options.remote_ca});

  StartActions actions = startActions(tunnel.start, options.dataplane);
  Section& child = conn.child("children").child(tunnel.name);
  child.setList("local_ts", prefixes(tunnel.local_ts));
  child.setList("remote_ts", prefixes(tunnel.remote_ts));
  child.setList("esp_proposals",
                tunnel.esp_proposals.empty() ? config::kDefaultEspProposals : tunnel.esp_proposals);
  child.set("start_action", actions.start_action);
  child.set("dpd_action", actions.dpd_action);
  child.set("close_action", actions.close_action);
  child.set("rekey_time", seconds(tunnel.child_rekey));
  if (options.reqid) child.set("reqid", std::to_string(*options.reqid));
  return msg;
}

}  // namespace rempart::gateway::vici
