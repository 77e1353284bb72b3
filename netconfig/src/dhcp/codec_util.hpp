// Small helpers shared by the DHCP parser and serializer (internal to rempart_dhcp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace rempart::netconfig::dhcp::detail {

// Prefix length of a contiguous netmask (host order), or nullopt when it is not contiguous.
inline std::optional<unsigned> maskLength(uint32_t mask) {
  unsigned len = static_cast<unsigned>(__builtin_popcount(mask));
  uint32_t expect = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  if (mask != expect) return std::nullopt;
  return len;
}

// Printable ASCII only (no control characters, no DEL, no bytes >= 0x80).
inline bool printable(const std::vector<uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace rempart::netconfig::dhcp::detail
