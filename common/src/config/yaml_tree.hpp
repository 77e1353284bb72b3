// A small, immutable YAML tree built from yaml-cpp's event parser, for the config reader.
// Unlike YAML::Node it keeps every mapping pair (so duplicate keys can be reported), keeps
// 1-based positions of every node, refuses aliases, and caps depth, node count and documents,
// so hostile input cannot exhaust the stack or memory. Internal to rempart_config.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/parse.hpp"

namespace rempart::config::detail {

inline constexpr size_t kMaxYamlDepth = 64;         // nested maps/lists; the schema needs < 10
inline constexpr size_t kMaxYamlNodes = 2'000'000;  // about 32 MiB of short list items

struct YamlNode {
  enum class Kind : uint8_t { kNull, kScalar, kList, kMap };
  Kind kind = Kind::kNull;
  int line = 0;  // 1-based
  int column = 0;
  std::string value;               // scalars only
  std::vector<uint32_t> children;  // list: items; map: key0, value0, key1, value1, ...
};

struct YamlTree {
  std::vector<YamlNode> nodes;  // nodes[root] is the document's root
  uint32_t root = 0;

  const YamlNode& at(uint32_t id) const { return nodes[id]; }
};

// Parses exactly one YAML document. On any syntax error, alias, excess depth/size or extra
// document, returns the located diagnostics (path ""). Never throws.
tl::expected<YamlTree, Diagnostics> buildYamlTree(std::string_view text, std::string_view file);

}  // namespace rempart::config::detail
