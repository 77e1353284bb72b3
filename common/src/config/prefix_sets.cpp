#include "prefix_sets.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_set>

namespace rempart::config::detail {

namespace {

using U128 = unsigned __int128;

// The first and last address of p, as numbers (IPv4 in the low 32 bits).
std::pair<U128, U128> bounds(const IpPrefix& p) {
  U128 value = 0;
  for (size_t i = 0; i < p.address.size(); ++i) value = (value << 8) | p.address.bytes[i];
  unsigned bits = p.address.maxPrefix();
  unsigned host_bits = bits - p.length;
  U128 host_mask = host_bits >= 128 ? ~U128{0} : ((U128{1} << host_bits) - 1);
  U128 first = value & ~host_mask;
  return {first, first | host_mask};
}

}  // namespace

void findOverlaps(std::vector<OwnedPrefix> prefixes,
                  const std::function<void(const OwnedPrefix&, const OwnedPrefix&)>& report) {
  for (auto& p : prefixes) p.prefix = p.prefix.network();
  // Prefixes either nest or are disjoint: sorted by start then by size (largest first), each
  // prefix overlaps exactly the still-open prefixes that contain it.
  std::sort(prefixes.begin(), prefixes.end(), [](const OwnedPrefix& a, const OwnedPrefix& b) {
    return std::tie(a.prefix.address, a.prefix.length, a.order) <
           std::tie(b.prefix.address, b.prefix.length, b.order);
  });
  std::vector<const OwnedPrefix*> open;
  std::unordered_set<std::string> reported;  // each place gets one message, not one per clash
  for (const auto& p : prefixes) {
    while (!open.empty() && !open.back()->prefix.contains(p.prefix)) open.pop_back();
    for (auto it = open.rbegin(); it != open.rend(); ++it) {
      if ((*it)->owner == p.owner) continue;
      const OwnedPrefix& later = (*it)->order > p.order ? **it : p;
      const OwnedPrefix& earlier = (*it)->order > p.order ? p : **it;
      if (reported.insert(later.path).second) report(later, earlier);
      break;
    }
    // A repeat of the top prefix by the same owner adds nothing to later comparisons.
    if (!open.empty() && open.back()->prefix == p.prefix && open.back()->owner == p.owner) continue;
    open.push_back(&p);
  }
}

PrefixUnion::PrefixUnion(const std::vector<IpPrefix>& prefixes) {
  for (const auto& p : prefixes) {
    auto [first, last] = bounds(p);
    ranges_.push_back({p.family(), first, last});
  }
  std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) {
    return std::tie(a.family, a.first) < std::tie(b.family, b.first);
  });
  std::vector<Range> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && merged.back().family == r.family &&
        (merged.back().last == ~U128{0} || r.first <= merged.back().last + 1)) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

bool PrefixUnion::covers(const IpPrefix& p) const {
  auto [first, last] = bounds(p);
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), std::pair{p.family(), first},
                             [](const std::pair<Family, U128>& key, const Range& r) {
                               return std::tie(key.first, key.second) < std::tie(r.family, r.first);
                             });
  if (it == ranges_.begin()) return false;
  --it;
  return it->family == p.family() && it->first <= first && last <= it->last;
}

}  // namespace rempart::config::detail
