// A DHCPv4 lease as a validated value, its strict text file format, and the store that
// persists it (atomically) so that a restarted client can INIT-REBOOT. leaseFromAck() is the
// only way a server's message becomes a Lease; the file parser accepts only what
// formatLeaseFile() writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"
#include "netconfig/dhcp/packet.hpp"

namespace rempart::netconfig::dhcp {

inline constexpr uint32_t kInfiniteLease = 0xffffffff;
inline constexpr uint32_t kMinLeaseSeconds = 10;  // shorter leases are refused as unusable
inline constexpr size_t kMaxLeaseFileSize = 64 * 1024;

struct Lease {
  IpPrefix address;  // the leased address with the subnet's prefix length
  IpAddress server_id;
  std::vector<IpAddress> routers;
  std::vector<IpAddress> dns_servers;
  std::vector<StaticRoute> static_routes;     // option 33
  std::vector<StaticRoute> classless_routes;  // option 121
  std::optional<uint16_t> mtu;
  std::optional<std::string> host_name;
  std::optional<std::string> domain_name;
  uint32_t lease_seconds = 0;  // kInfiniteLease: never expires
  uint32_t t1_seconds = 0;     // clamped: t1 < t2 < lease (all kInfiniteLease when infinite)
  uint32_t t2_seconds = 0;
  int64_t acquired_unix = 0;  // wall-clock seconds when the ACK arrived (for restarts)

  bool infinite() const { return lease_seconds == kInfiniteLease; }
  bool operator==(const Lease&) const = default;
};

// Validates an ACK (or a rapid-commit ACK, or an OFFER) and builds the lease. Fails with
// kProtocol when yiaddr is 0.0.0.0 or not a usable unicast address, or the server id, lease time
// or subnet mask is missing, or the lease is shorter than kMinLeaseSeconds (this covers lease 0).
// T1/T2 are clamped: T2 defaults to 7/8 and T1 to 1/2 of the lease whenever the server's values
// are missing, zero, T2 >= lease or T1 >= T2.
[[nodiscard]] Result<Lease> leaseFromAck(const Message& ack, int64_t now_unix);

// Seconds of validity left at `now_unix` (0 when expired), or nullopt for an infinite lease.
std::optional<uint32_t> remainingSeconds(const Lease& lease, int64_t now_unix);

// The lease file: "key=value" lines, fixed keys, one "version=1" line first.
std::string formatLeaseFile(const Lease& lease, std::string_view interface);
// Strict inverse of formatLeaseFile. Fails with kInvalidInput and "line N: ..." on any unknown,
// duplicate, missing or malformed key, on a different interface, or on a file over 64 KiB.
[[nodiscard]] Result<Lease> parseLeaseFile(std::string_view text, std::string_view interface);

// Where a client keeps its lease. Called from the client's thread only.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // nullopt: no lease saved. An error: a lease file exists but is unusable (it is left alone).
  virtual Result<std::optional<Lease>> load() = 0;
  virtual Result<void> save(const Lease& lease) = 0;
  virtual Result<void> clear() = 0;
};

// <state_dir>/dhcp4-<interface>.lease, written with writeFileAtomic (mode 0600).
class FileLeaseStore final : public LeaseStore {
 public:
  // Fails with kInvalidInput if the interface name is not a plain kernel interface name.
  static Result<FileLeaseStore> create(std::filesystem::path state_dir, std::string interface);
  Result<std::optional<Lease>> load() override;
  Result<void> save(const Lease& lease) override;
  Result<void> clear() override;
  const std::filesystem::path& path() const { return path_; }

 private:
  FileLeaseStore(std::filesystem::path path, std::string interface)
      : path_(std::move(path)), interface_(std::move(interface)) {}
  std::filesystem::path path_;
  std::string interface_;
};

}  // namespace rempart::netconfig::dhcp
