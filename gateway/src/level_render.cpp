#include "gateway/level_render.hpp"

#include "common/atomic_file.hpp"
#include "firewall/topology.hpp"
#include "gateway/vici/conn_builder.hpp"

namespace rempart::gateway {

namespace {

constexpr size_t kMaxCredentialBytes = 64 * 1024;

Result<std::string> readCredential(const LevelPlan& plan, const std::string& name) {
  return readFile(plan.keystore_dir / name, kMaxCredentialBytes).map_error([&](Error e) {
    return e.wrap("level " + plan.name + ": credential '" + name + "'");
  });
}

// A PSK file holds the secret, possibly followed by one newline (as `keys import-psk` or an
// editor writes it); the newline is not part of the key.
std::string trimPsk(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

}  // namespace

Result<RenderedLevel> renderLevel(const config::Config& config, const config::Level& level,
                                  const LevelPlan& plan) {
  RenderedLevel out;
  vici::ConnBuildOptions options;
  options.dataplane = config.system.dataplane;
  if (options.dataplane == config::Dataplane::kKernel) options.if_id = levelXfrmIfId(plan.index);
  if (!level.identity.certificate.empty())
    options.local_cert = TRY(readCredential(plan, level.identity.certificate));
  if (!level.identity.private_key.empty())
    out.keys.push_back(TRY(readCredential(plan, level.identity.private_key)));
  for (size_t i = 0; i < level.tunnels.size(); ++i) {
    const auto& t = level.tunnels[i];
    RenderedTunnel r;
    r.name = t.name;
    auto o = options;
    if (options.dataplane == config::Dataplane::kKernel) o.reqid = firewall::tunnelReqid(i);
    if (!t.remote_ca.empty()) o.remote_ca = TRY(readCredential(plan, t.remote_ca));
    r.conn = TRY(vici::buildLoadConn(level, t, o));
    r.starts = vici::startActions(t.start, options.dataplane).start_action == "start";
    if (t.auth == config::AuthMethod::kPsk) {
      auto psk = trimPsk(TRY(readCredential(plan, t.psk)));
      if (psk.empty())
        return fail(ErrorCode::kInvalidInput,
                    "level " + level.name + ": credential '" + t.psk + "' is empty");
      r.psk = vici::SharedSecret{
          "psk-" + t.name, "IKE", std::move(psk), {level.identity.id, t.remote_id}};
    }
    out.tunnels.push_back(std::move(r));
  }
  return out;
}

}  // namespace rempart::gateway
