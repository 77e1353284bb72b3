// IPv4/IPv6 addresses and prefixes as plain values: parsing, printing, containment and overlap.
// Used by the config model, netconfig, the firewall compiler and the DHCP client.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rempart {

enum class Family : uint8_t { kV4 = 4, kV6 = 6 };

struct IpAddress {
  Family family = Family::kV4;
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4 bytes

  // Accepts dotted-quad IPv4 or any RFC 4291 IPv6 text form; nothing else (no zone ids).
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(uint32_t host_order);

  size_t size() const { return family == Family::kV4 ? 4 : 16; }
  unsigned maxPrefix() const { return family == Family::kV4 ? 32 : 128; }
  uint32_t v4HostOrder() const;
  bool isUnspecified() const;
  std::string str() const;

  auto operator<=>(const IpAddress&) const = default;
};

// An address with a prefix length. `address` may have host bits set: "10.1.0.1/24" is an
// interface address; network() clears them.
struct IpPrefix {
  IpAddress address;
  unsigned length = 0;

  // "10.0.0.0/8", "fd00::/64"; a bare address means a host prefix (/32 or /128) only when
  // `allow_bare` is set.
  static std::optional<IpPrefix> parse(std::string_view text, bool allow_bare = false);
  static IpPrefix host(const IpAddress& a) { return {a, a.maxPrefix()}; }

  Family family() const { return address.family; }
  IpPrefix network() const;  // host bits cleared
  bool hasHostBits() const { return network().address != address; }
  bool contains(const IpAddress& a) const;
  bool contains(const IpPrefix& p) const;  // p is inside *this
  bool overlaps(const IpPrefix& p) const;
  std::string str() const;  // "10.1.0.1/24"

  auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace rempart
