#include "common/config/model.hpp"

namespace rempart::config {

const Credential* Level::findCredential(std::string_view wanted) const {
  for (const auto& c : credentials)
    if (c.name == wanted) return &c;
  return nullptr;
}

const Tunnel* Level::findTunnel(std::string_view wanted) const {
  for (const auto& t : tunnels)
    if (t.name == wanted) return &t;
  return nullptr;
}

const Level* Config::findLevel(std::string_view wanted) const {
  for (const auto& l : levels)
    if (l.name == wanted) return &l;
  return nullptr;
}

std::string_view toString(Dataplane d) {
  return d == Dataplane::kKernel ? "kernel" : "libipsec";
}

std::string_view toString(CredentialType t) {
  switch (t) {
    case CredentialType::kPsk:
      return "psk";
    case CredentialType::kPrivateKey:
      return "private_key";
    case CredentialType::kCertificate:
      return "certificate";
    case CredentialType::kCa:
      return "ca";
  }
  return "?";
}

std::string_view toString(AuthMethod a) {
  return a == AuthMethod::kPsk ? "psk" : "pubkey";
}

std::string_view toString(StartMode s) {
  switch (s) {
    case StartMode::kAlways:
      return "always";
    case StartMode::kOnDemand:
      return "on-demand";
    case StartMode::kPassive:
      return "passive";
  }
  return "?";
}

std::string_view toString(Direction d) {
  return d == Direction::kOutbound ? "outbound" : "inbound";
}

std::string_view toString(Protocol p) {
  switch (p) {
    case Protocol::kAny:
      return "any";
    case Protocol::kTcp:
      return "tcp";
    case Protocol::kUdp:
      return "udp";
    case Protocol::kIcmp:
      return "icmp";
    case Protocol::kIcmpv6:
      return "icmpv6";
  }
  return "?";
}

std::string_view toString(Role r) {
  switch (r) {
    case Role::kAdmin:
      return "admin";
    case Role::kAudit:
      return "audit";
    case Role::kUpdate:
      return "update";
  }
  return "?";
}

}  // namespace rempart::config
