#include <set>

#include "gateway/level_render.hpp"

namespace rempart::gateway {

namespace {

bool samePsk(const std::optional<vici::SharedSecret>& a,
             const std::optional<vici::SharedSecret>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->id == b->id && a->type == b->type && a->data == b->data && a->owners == b->owners;
}

}  // namespace

const RenderedTunnel* RenderedLevel::find(const std::string& name) const {
  for (const auto& t : tunnels)
    if (t.name == name) return &t;
  return nullptr;
}

TunnelDiff diffTunnels(const RenderedLevel& current, const RenderedLevel& next) {
  TunnelDiff d;
  std::set<std::string> needed_secrets;
  for (const auto& t : next.tunnels) {
    if (t.psk) needed_secrets.insert(t.psk->id);
    const RenderedTunnel* old = current.find(t.name);
    if (old == nullptr)
      d.added.push_back(t.name);
    else if (old->conn == t.conn && samePsk(old->psk, t.psk))
      d.unchanged.push_back(t.name);
    else
      d.changed.push_back(t.name);
  }
  for (const auto& t : current.tunnels) {
    if (next.find(t.name) == nullptr) d.removed.push_back(t.name);
    if (t.psk && !needed_secrets.contains(t.psk->id)) d.secrets_unloaded.push_back(t.psk->id);
  }
  d.keys_changed = current.keys != next.keys;
  return d;
}

}  // namespace rempart::gateway
