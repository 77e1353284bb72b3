// What one level's charon must hold, and how to get there from what it holds now. renderLevel()
// turns a level of the config into load-conn messages plus the secrets they need (it reads the
// keystore, nothing else); diffTunnels() compares two renderings (pure) so that a config change
// touches only the tunnels whose definition or secret really changed: an unchanged tunnel keeps
// its SAs and SPIs. Any thread; no shared state. Rendered secrets must never be logged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "gateway/topology.hpp"
#include "gateway/vici/client.hpp"
#include "gateway/vici/message.hpp"

namespace rempart::gateway {

struct RenderedTunnel {
  std::string name;
  vici::Section conn;                     // the load-conn message: { <name> { ... } }
  std::optional<vici::SharedSecret> psk;  // id "psk-<name>"; secret
  bool starts = false;                    // start_action=start: charon initiates it on load
};

struct RenderedLevel {
  std::vector<RenderedTunnel> tunnels;  // in config order
  std::vector<std::string> keys;        // private keys (PEM or DER); secret

  const RenderedTunnel* find(const std::string& name) const;
};

// Reads every credential the level's tunnels name from `plan.keystore_dir` and builds one
// load-conn message per tunnel. Fails, naming the level and credential, when a credential is
// missing, empty or unreadable, or when a message cannot be built. Nothing is sent anywhere.
Result<RenderedLevel> renderLevel(const config::Config& config, const config::Level& level,
                                  const LevelPlan& plan);

// How to go from `current` (what charon holds) to `next`. A tunnel is unchanged when its
// load-conn message and its PSK (bytes and owners) are both equal; changed when it exists in
// both but either differs. Names keep the order of `next` (removed: the order of `current`).
struct TunnelDiff {
  std::vector<std::string> unchanged, added, removed, changed;
  std::vector<std::string> secrets_unloaded;  // PSK ids held now and needed no more
  bool keys_changed = false;                  // the level's private key(s) differ

  bool empty() const {
    return added.empty() && removed.empty() && changed.empty() && secrets_unloaded.empty() &&
           !keys_changed;
  }
};
TunnelDiff diffTunnels(const RenderedLevel& current, const RenderedLevel& next);

}  // namespace rempart::gateway
