#include "gateway/level_render.hpp"

#include <algorithm>
#include <map>
#include <set>

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

// One reqid per tunnel from a hash of its name, above the range charon allocates itself from 1.
// Collisions are resolved in name order, so a tunnel's reqid changes only if a tunnel whose name
// collides with it is added or removed.
std::map<std::string, uint32_t> nameReqids(const config::Level& level) {
  constexpr uint32_t kFirst = 0x10000, kSpan = 0x7fff0000;
  std::vector<std::string> names;
  for (const auto& t : level.tunnels) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  std::map<std::string, uint32_t> out;
  std::set<uint32_t> used;
  for (const auto& n : names) {
    uint32_t h = 2166136261u;  // FNV-1a
    for (unsigned char c : n) h = (h ^ c) * 16777619u;
    uint32_t reqid = kFirst + h % kSpan;
    while (!used.insert(reqid).second) reqid = kFirst + (reqid - kFirst + 1) % kSpan;
    out[n] = reqid;
  }
  return out;
}

}  // namespace

Result<RenderedLevel> renderLevel(const config::Config& config, const config::Level& level,
                                  const LevelPlan& plan, const PeerAddresses& peers) {
  RenderedLevel out;
  vici::ConnBuildOptions options;
  options.dataplane = config.system.dataplane;
  if (options.dataplane == config::Dataplane::kKernel) options.if_id = levelXfrmIfId(plan.index);
  if (!level.identity.certificate.empty())
    options.local_cert = TRY(readCredential(plan, level.identity.certificate));
  if (!level.identity.private_key.empty())
    out.keys.push_back(TRY(readCredential(plan, level.identity.private_key)));
  const auto libipsec_reqids = nameReqids(level);
  for (size_t i = 0; i < level.tunnels.size(); ++i) {
    const auto& t = level.tunnels[i];
    // An unresolved tunnel is still rendered (its credentials are checked), then left out.
    auto remote_addrs = remoteAddrsFor(level, t, peers);
    RenderedTunnel r;
    r.name = t.name;
    auto o = options;
    // A fixed reqid per tunnel on both dataplanes. The kernel's firewall matches it by index.
    // libipsec picks the outbound SA by reqid, and charon 5.9.8 gave two CHILD_SAs of one
    // IKE_SA the same reqid when DPD re-established them, sending one tunnel's traffic into the
    // other's SA (seen in gateway.netns.interop); there the reqid follows the tunnel's name, so
    // that editing other tunnels leaves it (and the loaded connection) unchanged.
    o.reqid = options.dataplane == config::Dataplane::kKernel ? firewall::tunnelReqid(i)
                                                              : libipsec_reqids.at(t.name);
    if (remote_addrs && *remote_addrs != t.remote_address) o.remote_addrs = *remote_addrs;
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
    if (remote_addrs) out.tunnels.push_back(std::move(r));
  }
  return out;
}

}  // namespace rempart::gateway
