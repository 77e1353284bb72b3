#include "ranges.hpp"

#include <algorithm>

namespace rempart::firewall {
namespace {

size_t byteSize(Family f) {
  return f == Family::kV4 ? 4 : 16;
}

bool lessEq(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, size_t n) {
  return !std::lexicographical_compare(b.begin(), b.begin() + n, a.begin(), a.begin() + n);
}

IpAddress toAddress(const std::array<uint8_t, 16>& bytes, Family f) {
  IpAddress a;
  a.family = f;
  a.bytes = bytes;
  return a;
}

// Returns the prefix length if [lo, hi] is exactly one prefix, else -1.
int prefixLength(const AddrRange& r, size_t n) {
  unsigned bits = static_cast<unsigned>(n * 8);
  for (unsigned len = 0; len <= bits; ++len) {
    bool ok = true;
    for (unsigned bit = 0; bit < bits && ok; ++bit) {
      unsigned byte = bit / 8, mask = 0x80u >> (bit % 8);
      bool lo_bit = r.lo[byte] & mask, hi_bit = r.hi[byte] & mask;
      ok = bit < len ? lo_bit == hi_bit : (!lo_bit && hi_bit);
    }
    if (ok) return static_cast<int>(len);
  }
  return -1;
}

}  // namespace

bool increment(std::array<uint8_t, 16>& value, size_t size) {
  for (size_t i = size; i-- > 0;) {
    if (++value[i] != 0) return true;
  }
  return false;
}

std::vector<AddrRange> toRanges(const std::vector<IpPrefix>& prefixes, Family family) {
  size_t n = byteSize(family);
  std::vector<AddrRange> ranges;
  for (const IpPrefix& p : prefixes) {
    if (p.family() != family) continue;
    AddrRange r;
    IpPrefix net = p.network();
    r.lo = net.address.bytes;
    r.hi = net.address.bytes;
    for (unsigned bit = p.length; bit < n * 8; ++bit) r.hi[bit / 8] |= 0x80u >> (bit % 8);
    ranges.push_back(r);
  }
  std::sort(ranges.begin(), ranges.end(), [n](const AddrRange& a, const AddrRange& b) {
    return std::lexicographical_compare(a.lo.begin(), a.lo.begin() + n, b.lo.begin(),
                                        b.lo.begin() + n);
  });
  std::vector<AddrRange> merged;
  for (const AddrRange& r : ranges) {
    if (!merged.empty()) {
      AddrRange& last = merged.back();
      auto next = last.hi;
      bool no_overflow = increment(next, n);
      if (!no_overflow || lessEq(r.lo, next, n)) {
        if (!lessEq(r.hi, last.hi, n)) last.hi = r.hi;
        continue;
      }
    }
    merged.push_back(r);
  }
  return merged;
}

std::string rangeText(const AddrRange& range, Family family) {
  size_t n = byteSize(family);
  int len = prefixLength(range, n);
  std::string lo = toAddress(range.lo, family).str();
  if (len == static_cast<int>(n * 8)) return lo;
  if (len >= 0) return lo + "/" + std::to_string(len);
  return lo + "-" + toAddress(range.hi, family).str();
}

}  // namespace rempart::firewall
