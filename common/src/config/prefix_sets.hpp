// Set algorithms on many IP prefixes, fast enough for configs at their hard limits:
// finding overlaps between prefixes of different owners, and coverage of a prefix by a union
// of prefixes. Internal to rempart_config.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/ip.hpp"

namespace rempart::config::detail {

struct OwnedPrefix {
  IpPrefix prefix;   // compared as a network (host bits ignored)
  int owner = 0;     // prefixes of the same owner never clash
  size_t order = 0;  // position in the document; the later one of a pair gets the report
  std::string path;  // where the prefix is, for messages
};

// Calls report(later, earlier) for overlapping prefixes of different owners: at least once for
// every prefix that overlaps another owner's. O(n log n) plus the nesting depth.
void findOverlaps(std::vector<OwnedPrefix> prefixes,
                  const std::function<void(const OwnedPrefix&, const OwnedPrefix&)>& report);

// The union of a set of prefixes, as merged address ranges.
class PrefixUnion {
 public:
  explicit PrefixUnion(const std::vector<IpPrefix>& prefixes);
  bool covers(const IpPrefix& p) const;  // every address of p is in the union

 private:
  struct Range {
    Family family;
    unsigned __int128 first, last;
  };
  std::vector<Range> ranges_;  // sorted, disjoint, not adjacent
};

}  // namespace rempart::config::detail
