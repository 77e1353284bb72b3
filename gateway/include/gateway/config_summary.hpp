// A human-readable summary of a validated config: levels, interfaces, tunnels and rules.
// Used by `rempart validate --summary` and the demo.
#pragma once

#include <string>

#include "common/config/model.hpp"

namespace rempart::gateway {

std::string summarizeConfig(const config::Config& config);

}  // namespace rempart::gateway
