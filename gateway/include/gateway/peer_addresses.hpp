// Tunnel peers named by a DNS host name. charon runs in its level's namespace, which has no DNS
// path by design, so rempartd resolves such names itself (in the core namespace, see
// PeerResolver) and charon is handed the address. This header holds the pure parts: which
// names need resolving, in which address family, and what charon gets for a tunnel.
#pragma once

#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/model.hpp"
#include "common/ip.hpp"

namespace rempart::gateway {

// One name to resolve, in the family of the level that talks to it (its public address).
struct PeerKey {
  std::string host;
  Family family = Family::kV4;
  auto operator<=>(const PeerKey&) const = default;
};

// The last outcome for a name. Once resolved, a name keeps its last address through later
// failures (a DNS hiccup must not take a working tunnel down); `error` then says why it could
// not be refreshed.
struct PeerResolution {
  std::optional<IpAddress> address;
  std::string error;  // why there is no (fresh) address; empty after a success
};

using PeerAddresses = std::map<PeerKey, PeerResolution>;

// True when `remote_address` is a host name (neither an IP address nor "%any").
bool needsResolution(std::string_view remote_address);

// The names `config`'s tunnels need resolved.
std::set<PeerKey> peerKeys(const config::Config& config);

// What charon gets as remote_addrs for `tunnel` of `level`: the configured address, or the
// resolved one. nullopt while the name has no address yet; `why` (when given) then says
// "cannot resolve <name>: <reason>".
std::optional<std::string> remoteAddrsFor(const config::Level& level, const config::Tunnel& tunnel,
                                          const PeerAddresses& peers, std::string* why = nullptr);

// The first address of `family` among `candidates` (resolver order), if any.
std::optional<IpAddress> pickAddress(const std::vector<IpAddress>& candidates, Family family);

// Records a resolution outcome: `address` on success, else `error`. True when the address
// charon must use changed (a first address, or a different one); a failure never changes it.
bool recordResolution(PeerResolution& slot, std::optional<IpAddress> address, std::string error);

}  // namespace rempart::gateway
