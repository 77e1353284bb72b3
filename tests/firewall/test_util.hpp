// Shared helpers of the firewall tests: example configs, golden files.
#pragma once

#include <string>

#include "common/config/model.hpp"

namespace rempart::firewall::test {

std::string readFile(const std::string& path);
// Parses gateway/examples/<name>; fails the test on a parse error.
config::Config loadExample(const std::string& name);
// Parses YAML text; fails the test on a parse error.
config::Config parseYaml(const std::string& text);

}  // namespace rempart::firewall::test
