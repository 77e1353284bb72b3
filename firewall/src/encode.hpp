// Encodes a Ruleset as the messages of one full-replace batch: NEWTABLE, DELTABLE, NEWTABLE,
// chains, named sets with elements, then rules with their anonymous sets. Each message's seq
// is recorded with the config object it came from, to name the culprit of a kernel error.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "firewall/ruleset.hpp"
#include "nftnl_ptr.hpp"

namespace rempart::firewall::detail {

struct SeqOrigins {
  std::vector<std::pair<uint32_t, std::string>> entries;  // ascending seq
  std::string find(uint32_t seq) const;
};

// Appends the messages to `batch`, numbering them from `seq` (advanced past the last one).
void encodeReplace(nftnl_batch* batch, const Ruleset& ruleset, uint32_t& seq, SeqOrigins& origins);

}  // namespace rempart::firewall::detail
