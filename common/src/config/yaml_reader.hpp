// Typed, path-tracking access to a YamlTree for the section parsers. Every accessor checks the
// node's type and syntax and, on a mismatch, records a located diagnostic in the Sink and
// returns nullopt, so that parsing goes on and every error of the file gets reported.
// Internal to rempart_config.
#pragma once

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/ip.hpp"
#include "yaml_tree.hpp"

namespace rempart::config::detail {

inline constexpr size_t kMaxDiagnostics = 1000;  // later ones are dropped

struct Mark {
  int line = 0;
  int column = 0;
};

// Collects diagnostics and remembers where each visited path is, so that cross-checks done on
// the model can still point at the text.
class Sink {
 public:
  explicit Sink(std::string_view file) : file_(file) {}

  void error(Mark at, std::string path, std::string message);
  void remember(const std::string& path, Mark at) { marks_.emplace(path, at); }
  // Where `path` was in the text; {0, 0} for a path that was never visited.
  Mark markOf(const std::string& path) const;
  // Records an error located at `path` (which must have been visited).
  void errorAt(const std::string& path, std::string message) {
    error(markOf(path), path, std::move(message));
  }
  bool empty() const { return diags_.empty(); }
  // Whether an error was reported at `path` or inside it; checks that build on a value skip
  // it then, so one mistake gives one message and not a cascade.
  bool hasErrorUnder(const std::string& path) const;
  Diagnostics take();  // sorted by position

 private:
  std::string file_;
  Diagnostics diags_;
  size_t dropped_ = 0;
  std::set<std::string> error_paths_;
  std::unordered_map<std::string, Mark> marks_;
};

// One node of the tree and its path ("levels[0].tunnels[1]").
class Cursor {
 public:
  // `at` overrides the node's own position: an empty value has none of its own.
  Cursor(const YamlTree& tree, uint32_t id, std::string path, Sink& sink,
         std::optional<Mark> at = std::nullopt);

  const YamlNode& node() const { return tree_->at(id_); }
  const YamlNode& nodeAt(uint32_t id) const { return tree_->at(id); }
  const std::string& path() const { return path_; }
  Mark mark() const { return at_ ? *at_ : Mark{node().line, node().column}; }
  Sink& sink() const { return *sink_; }
  void error(std::string message) const { sink_->error(mark(), path_, std::move(message)); }

  Cursor item(size_t index) const;
  // The value `id` of this map's `key`, itself at `key_at`.
  Cursor child(uint32_t id, std::string_view key, Mark key_at) const;
  std::string describe() const;  // "a list", "a map", "nothing", "'text'"

 private:
  const YamlTree* tree_;
  uint32_t id_;
  std::string path_;
  Sink* sink_;
  std::optional<Mark> at_;
};

// A mapping whose keys were checked against the schema: duplicates and unknown keys are
// already reported when readMap() returns.
class MapView {
 public:
  struct Field {
    std::string_view key;  // one of the schema's keys
    uint32_t value;
    Mark key_at;
  };
  MapView(Cursor map, std::vector<Field> fields)
      : map_(std::move(map)), fields_(std::move(fields)) {}

  std::optional<Cursor> get(std::string_view key) const;
  std::optional<Cursor> require(std::string_view key) const;  // reports a missing key
  bool has(std::string_view key) const { return get(key).has_value(); }
  const Cursor& cursor() const { return map_; }

 private:
  Cursor map_;
  std::vector<Field> fields_;
};

// User text for a message: in single quotes, control bytes replaced by '?', long text cut.
std::string quoted(std::string_view text);

std::optional<MapView> readMap(const Cursor& c, std::initializer_list<std::string_view> keys);
// `what` names the items in the limit message: "at most 16 levels are allowed, found 17".
std::optional<std::vector<Cursor>> readList(const Cursor& c, size_t max, std::string_view what);

std::optional<std::string> readString(const Cursor& c);
std::optional<uint64_t> readUint(const Cursor& c, uint64_t min, uint64_t max);
std::optional<bool> readBool(const Cursor& c);
// Returns the index in `choices` of the value.
std::optional<size_t> readChoice(const Cursor& c, std::initializer_list<std::string_view> choices);
std::optional<IpAddress> readAddress(const Cursor& c);

enum class PrefixUse {
  kNetwork,        // a network: host bits are an error ("10.2.0.0/16")
  kNetworkOrHost,  // a network, or a bare address meaning one host
  kInterface,      // an interface address with its prefix: host bits expected ("10.1.0.1/24")
};
std::optional<IpPrefix> readPrefix(const Cursor& c, PrefixUse use);
// Checks an already-read prefix as readPrefix does; returns the error message or "".
std::string prefixProblem(std::string_view text, const std::optional<IpPrefix>& p, PrefixUse use);

// Reads a list of prefixes (at most `max`) into `out`; bad items are reported and skipped.
void readPrefixList(const Cursor& c, PrefixUse use, size_t max, std::string_view what,
                    std::vector<IpPrefix>& out);

}  // namespace rempart::config::detail
