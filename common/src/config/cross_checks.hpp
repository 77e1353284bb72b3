// Checks across sections of a parsed (possibly partial) Config: unique level names and
// interfaces, networks that overlap between levels, the uplink and management, traffic selectors
// that cross levels or cover the gateway's own networks, and public addresses. Errors go to the
// Sink, located at paths recorded while parsing. Internal to rempart_config.
#pragma once

#include "common/config/model.hpp"
#include "yaml_reader.hpp"

namespace rempart::config::detail {

void crossCheck(const Config& config, Sink& sink);

}  // namespace rempart::config::detail
