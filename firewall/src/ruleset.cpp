#include "firewall/ruleset.hpp"

#include <algorithm>

namespace rempart::firewall {

std::vector<IpPrefix> normalizePrefixes(std::vector<IpPrefix> prefixes) {
  for (IpPrefix& p : prefixes) p = p.network();
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  // Sorted by start then length, a prefix that contains others comes first; prefixes nest or
  // are disjoint, so checking against the last kept one suffices.
  std::vector<IpPrefix> out;
  for (const IpPrefix& p : prefixes) {
    if (!out.empty() && out.back().family() == p.family() && out.back().contains(p)) continue;
    out.push_back(p);
  }
  return out;
}

size_t ruleCount(const Ruleset& ruleset) {
  size_t n = 0;
  for (const Chain& c : ruleset.chains) n += c.rules.size();
  return n;
}

}  // namespace rempart::firewall
