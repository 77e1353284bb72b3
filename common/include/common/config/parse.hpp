// Turns one YAML document into a validated config::Config. Pure: no I/O, no global state.
// Every problem found is reported, each with its exact place in the text, in the format
//   FILE:LINE:COL: levels[1].tunnels[0].remote_ts[0]: '10.2.0.0/33' is not an IPv4 or IPv6 prefix
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"

namespace rempart::config {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no place (e.g. an empty document)
  int column = 0;  // 1-based
  std::string path;  // "levels[1].tunnels[0].remote_ts[0]", or "" for the document root
  std::string message;

  // "FILE:LINE:COL: path: message"; without ":LINE:COL" when line is 0, without "path: " when
  // the path is empty.
  std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

// Parses and validates `text`. `file` is used only in diagnostics. On failure returns every
// diagnostic found (sorted by position), never a partially valid model. Never throws.
tl::expected<Config, Diagnostics> parseConfig(std::string_view text, std::string_view file);

// Hard cap on the size of a config document, enforced before parsing.
inline constexpr size_t kMaxConfigBytes = 32 * 1024 * 1024;

}  // namespace rempart::config
