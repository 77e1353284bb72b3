// The strongswan.conf that one level's charon-systemd runs with (passed as STRONGSWAN_CONF).
// Rendering is a pure function of CharonSettings, so the exact text is reviewed as a golden
// file. The file replaces /etc/strongswan.conf entirely: nothing from strongswan.d is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"

namespace rempart::gateway::charon {

// Everything charon writes lives in one per-level directory, the only writable path in its
// mount namespace. rempartd connects to the sockets at the same paths from outside.
struct CharonPaths {
  std::filesystem::path runtime_dir;  // absolute, e.g. /run/rempart/levels/secret/charon

  std::filesystem::path conf() const { return runtime_dir / "strongswan.conf"; }
  std::filesystem::path vici() const { return runtime_dir / "charon.vici"; }
  std::filesystem::path errorNotify() const { return runtime_dir / "charon.enfy"; }
  std::filesystem::path notify() const { return runtime_dir / "notify.sock"; }
};

struct CharonSettings {
  std::string level;  // for the file's header comment only
  config::Dataplane dataplane = config::Dataplane::kLibipsec;
  CharonPaths paths;
  // charon's filelog level for every subsystem (-1..4). Levels above 1 are refused: the 5.9.8
  // control-log deadlock is made likelier by verbose logging (notes/strongswan.md §5).
  int log_level = 1;
  // libipsec routes traffic to the TUN device through this table; with the kernel dataplane
  // rempartd routes through the level's XFRM interface and charon installs no routes.
  uint32_t routing_table = 220;
  uint32_t routing_table_prio = 220;
  // Half-open IKE_SA limits. The defaults (5 per peer IP) stall a level bringing up many
  // tunnels to one peer; these allow every tunnel of a level to be half-open at once.
  unsigned block_threshold = 0;
  unsigned cookie_threshold = 0;
  unsigned ikesa_table_size = 0;  // power of two
};

// Settings with the defaults above, the half-open limits derived from kMaxTunnelsPerLevel.
CharonSettings defaultSettings(std::string level, config::Dataplane dataplane,
                               std::filesystem::path runtime_dir);

// The explicit plugin load list for a dataplane. Both carry kdf (IKE fails without it in
// 5.9.8) and error-notify (failure reasons for the connection log); libipsec adds
// kernel-libipsec in front of kernel-netlink, which still handles routes and addresses.
std::vector<std::string> pluginList(config::Dataplane dataplane);

// Renders the file. Fails (kInvalidInput) when a path is relative or holds characters that
// strongswan.conf cannot carry unquoted, or a value is out of range; nothing else can fail.
[[nodiscard]] Result<std::string> renderStrongswanConf(const CharonSettings& settings);

}  // namespace rempart::gateway::charon
