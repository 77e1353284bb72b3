#include "gateway/peer_addresses.hpp"

namespace rempart::gateway {

bool needsResolution(std::string_view remote_address) {
  return remote_address != "%any" && !IpAddress::parse(remote_address);
}

std::set<PeerKey> peerKeys(const config::Config& config) {
  std::set<PeerKey> out;
  for (const auto& level : config.levels)
    for (const auto& t : level.tunnels)
      if (needsResolution(t.remote_address))
        out.insert({t.remote_address, level.public_address.family});
  return out;
}

std::optional<std::string> remoteAddrsFor(const config::Level& level, const config::Tunnel& tunnel,
                                          const PeerAddresses& peers, std::string* why) {
  if (!needsResolution(tunnel.remote_address)) return tunnel.remote_address;
  auto it = peers.find({tunnel.remote_address, level.public_address.family});
  if (it != peers.end() && it->second.address) return it->second.address->str();
  if (why) {
    std::string reason =
        it == peers.end() || it->second.error.empty() ? "no answer yet" : it->second.error;
    *why = "cannot resolve " + tunnel.remote_address + ": " + reason;
  }
  return std::nullopt;
}

std::optional<IpAddress> pickAddress(const std::vector<IpAddress>& candidates, Family family) {
  for (const auto& a : candidates)
    if (a.family == family && !a.isUnspecified()) return a;
  return std::nullopt;
}

bool recordResolution(PeerResolution& slot, std::optional<IpAddress> address, std::string error) {
  if (!address) {
    slot.error = std::move(error);
    return false;
  }
  slot.error.clear();
  bool changed = slot.address != address;
  slot.address = address;
  return changed;
}

}  // namespace rempart::gateway
