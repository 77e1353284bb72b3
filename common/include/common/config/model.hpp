// The validated, immutable configuration model of one Rempart gateway. It is produced only by
// parseConfig() (config/parse.hpp) and is plain data: every component (netconfig, firewall,
// gateway, mgmt-ssh) reads it, none changes it. Secrets never appear here: credentials are
// referenced by name and their bytes live in the keystore (<state>/keystore/<level>/).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace rempart::config {

// Hard caps. Each is enforced by the validator with the limit named in the message.
inline constexpr size_t kMaxLevels = 16;
inline constexpr size_t kMaxLansPerLevel = 8;
inline constexpr size_t kMaxAddressesPerInterface = 64;
inline constexpr size_t kMaxRoutesPerLevel = 1024;
inline constexpr size_t kMaxTunnelsPerLevel = 1024;
inline constexpr size_t kMaxSelectorsPerTunnel = 32;
inline constexpr size_t kMaxProposals = 16;
inline constexpr size_t kMaxCredentialsPerLevel = 4096;
inline constexpr size_t kMaxRulesPerLevel = 10000;
inline constexpr size_t kMaxPortsPerRule = 64;
// Prefixes plus group names in one rule's source or destination.
inline constexpr size_t kMaxEntriesPerRuleSide = 64;
inline constexpr size_t kMaxAddressGroupsPerLevel = 256;
inline constexpr size_t kMaxPrefixesPerGroup = 131072;
inline constexpr size_t kMaxAllowedSshSources = 256;
inline constexpr size_t kMaxUsersPerRole = 64;
inline constexpr size_t kMaxNameLength = 31;  // level, tunnel, credential, group names
inline constexpr unsigned kMinMtu = 1280;     // IPv6 minimum; also sane for an IPsec uplink
inline constexpr unsigned kMaxMtu = 9000;

// Where a node came from in the YAML file, for error messages that point at the user's text
// ("levels[0].firewall.allow[3]" at line 42, column 9). Lines and columns are 1-based.
struct Location {
  std::string path;
  int line = 0;
  int column = 0;
};

enum class Dataplane { kKernel, kLibipsec };

struct System {
  std::string hostname;
  Dataplane dataplane = Dataplane::kKernel;
};

struct StaticIpv4 {
  IpPrefix address;  // interface address with prefix length, e.g. 192.0.2.10/24
  std::optional<IpAddress> gateway;
};

struct StaticIpv6 {
  IpPrefix address;
  std::optional<IpAddress> gateway;
};

struct DhcpOptions {
  // Never install classless static routes (option 121) or static routes (option 33):
  // the TunnelVision (CVE-2024-3661) switch.
  bool ignore_classless_routes = true;  // safe default; the YAML may turn it off
  unsigned max_routes = 16;             // routes learned from DHCP are capped
};

struct Uplink {
  std::string interface;
  bool ipv4_dhcp = false;  // true: DHCPv4 client; false: `ipv4_static` is set
  std::optional<StaticIpv4> ipv4_static;
  DhcpOptions dhcp;
  std::optional<StaticIpv6> ipv6;
  unsigned mtu = 1500;
  Location location;
};

struct Management {
  std::string interface;
  IpPrefix address;  // the management address sshd listens on, with its prefix
  uint16_t ssh_port = 22;
  std::vector<IpPrefix> allowed_sources;  // networks; only these may open SSH connections
  Location location;
};

struct Route {
  IpPrefix destination;  // network (no host bits)
  std::optional<IpAddress> via;
  uint32_t metric = 0;
  Location location;
};

struct Lan {
  std::string interface;
  std::vector<IpPrefix> addresses;  // interface addresses, IPv4 and/or IPv6
  std::optional<unsigned> mtu;
  std::vector<Route> routes;
  Location location;
};

enum class CredentialType { kPsk, kPrivateKey, kCertificate, kCa };

// A named secret or certificate whose bytes are in <state>/keystore/<level>/<name>.
struct Credential {
  std::string name;
  CredentialType type = CredentialType::kPsk;
  Location location;
};

enum class AuthMethod { kPsk, kPubkey };
enum class StartMode { kAlways, kOnDemand, kPassive };

struct Tunnel {
  std::string name;
  std::string remote_address;  // an IP address or a DNS host name; "%any" only when passive
  std::string remote_id;
  AuthMethod auth = AuthMethod::kPsk;
  std::string psk;        // credential name (type psk), set when auth == kPsk
  std::string remote_ca;  // credential name (type ca), optional with kPubkey
  std::vector<IpPrefix> local_ts;
  std::vector<IpPrefix> remote_ts;
  std::vector<std::string> ike_proposals;  // strongSwan proposal keywords
  std::vector<std::string> esp_proposals;
  StartMode start = StartMode::kAlways;
  std::chrono::seconds dpd_interval{30};
  std::chrono::seconds ike_rekey{std::chrono::hours(4)};
  std::chrono::seconds child_rekey{std::chrono::hours(1)};
  Location location;
};

inline const std::vector<std::string> kDefaultIkeProposals = {"aes256gcm16-prfsha384-ecp384",
                                                              "aes256gcm16-prfsha384-x25519"};
inline const std::vector<std::string> kDefaultEspProposals = {"aes256gcm16-ecp384",
                                                              "aes256gcm16-x25519"};

struct AddressGroup {
  std::string name;
  std::vector<IpPrefix> prefixes;  // networks (no host bits)
  Location location;
};

enum class Direction { kOutbound, kInbound };  // outbound: LAN -> tunnel; inbound: tunnel -> LAN
enum class Protocol { kAny, kTcp, kUdp, kIcmp, kIcmpv6 };

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;  // == first for a single port
  auto operator<=>(const PortRange&) const = default;
};

// One side of a rule: literal prefixes plus named address groups of the same level. Both empty
// means "any address" on that side.
struct Endpoint {
  std::vector<IpPrefix> prefixes;
  std::vector<std::string> groups;
};

struct AllowRule {
  Direction direction = Direction::kOutbound;
  std::string tunnel;  // empty: any tunnel of the level
  Protocol protocol = Protocol::kAny;
  std::vector<PortRange> ports;  // destination ports; only with tcp or udp; empty: any
  Endpoint source;
  Endpoint destination;
  Location location;  // path is "levels[i].firewall.allow[j]"
};

struct Firewall {
  std::vector<AddressGroup> address_groups;
  std::vector<AllowRule> allow;
};

struct LocalIdentity {
  std::string id;           // IKE identity, e.g. "paris.secret.example" or an address
  std::string certificate;  // credential name (type certificate), needed for pubkey tunnels
  std::string private_key;  // credential name (type private_key), needed for pubkey tunnels
};

struct Level {
  std::string name;
  IpAddress public_address;  // where peers reach this level's IKE endpoint on the uplink
  LocalIdentity identity;
  std::vector<Credential> credentials;
  std::vector<Lan> lans;
  std::vector<Tunnel> tunnels;
  Firewall firewall;
  Location location;

  const Credential* findCredential(std::string_view name) const;
  const Tunnel* findTunnel(std::string_view name) const;
};

enum class Role { kAdmin, kAudit, kUpdate };

struct RoleUsers {
  std::vector<std::string> admin;
  std::vector<std::string> audit;
  std::vector<std::string> update;
};

struct Config {
  std::string source_name;  // file name the config was read from, for messages
  System system;
  Uplink uplink;
  std::optional<Management> management;
  std::vector<Level> levels;
  RoleUsers roles;

  const Level* findLevel(std::string_view name) const;
};

std::string_view toString(Dataplane d);
std::string_view toString(CredentialType t);
std::string_view toString(AuthMethod a);
std::string_view toString(StartMode s);
std::string_view toString(Direction d);
std::string_view toString(Protocol p);
std::string_view toString(Role r);

}  // namespace rempart::config
