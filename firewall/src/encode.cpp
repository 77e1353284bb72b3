#include "encode.hpp"

#include <algorithm>

#include "encoder.hpp"

namespace rempart::firewall::detail {

void encodeReplace(nftnl_batch* batch, const Ruleset& ruleset, uint32_t& seq, SeqOrigins& origins) {
  Encoder enc{batch, seq, origins};
  enc.table(NFT_MSG_NEWTABLE);
  enc.table(NFT_MSG_DELTABLE);
  enc.table(NFT_MSG_NEWTABLE);
  for (const Chain& c : ruleset.chains) enc.chain(c);
  for (const AddrSet& s : ruleset.sets) enc.namedSet(s);
  for (const Chain& c : ruleset.chains) {
    for (const Rule& r : c.rules) enc.rule(c.name, r);
  }
}

std::string SeqOrigins::find(uint32_t seq) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), seq,
                             [](const auto& e, uint32_t s) { return e.first < s; });
  if (it == entries.end() || it->first != seq) return {};
  return it->second;
}

}  // namespace rempart::firewall::detail
