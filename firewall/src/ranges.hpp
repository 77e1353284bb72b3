// Address intervals shared by the renderer and the encoder, so that the text and the kernel
// elements of a set are derived from the same merged list.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace rempart::firewall {

struct AddrRange {
  std::array<uint8_t, 16> lo{}, hi{};  // inclusive, network order; IPv4 uses 4 bytes
};

// Merges overlapping and adjacent prefixes into sorted, disjoint, non-adjacent ranges.
std::vector<AddrRange> toRanges(const std::vector<IpPrefix>& prefixes, Family family);

// "10.0.0.1", "10.0.0.0/8" or "10.0.0.0-10.0.0.5", as nft prints interval elements.
std::string rangeText(const AddrRange& range, Family family);

// Adds one to a big-endian number of `size` bytes; returns false on overflow (all ones).
bool increment(std::array<uint8_t, 16>& value, size_t size);

}  // namespace rempart::firewall
