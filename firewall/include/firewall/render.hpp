// Prints a Ruleset as nft text: what golden files hold, what `nft -f` loads in the benchmark,
// and what `nft -s list table inet rempart` prints back for the same kernel state.
#pragma once

#include <string>

#include "firewall/ruleset.hpp"

namespace rempart::firewall {

struct RenderOptions {
  // Prefix "table inet rempart\ndelete table inet rempart\n" so that `nft -f` does the same
  // full atomic replace as our batch.
  bool replace_preamble = false;
};

std::string renderNft(const Ruleset& ruleset, const RenderOptions& options = {});

}  // namespace rempart::firewall
