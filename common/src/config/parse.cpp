// parseConfig(): size cap, YAML tree, section parsers, cross-checks; see parse.hpp.
#include "common/config/parse.hpp"

#include <new>

#include "cross_checks.hpp"
#include "sections.hpp"
#include "yaml_tree.hpp"

namespace rempart::config {

namespace {

using namespace detail;

void parseDocument(const Cursor& root, Config& config) {
  auto m = readMap(root, {"system", "uplink", "management", "levels", "roles"});
  if (!m) return;
  if (auto s = m->require("system")) parseSystem(*s, config.system);
  if (auto u = m->require("uplink")) parseUplink(*u, config.uplink);
  if (auto mg = m->get("management")) {
    config.management.emplace();
    parseManagement(*mg, *config.management);
  }
  if (auto l = m->require("levels")) {
    if (auto items = readList(*l, kMaxLevels, "levels")) {
      if (items->empty()) l->error("at least one level is required");
      for (const auto& item : *items) parseLevel(item, config.levels.emplace_back());
    }
  }
  if (auto r = m->require("roles")) parseRoles(*r, config.roles);
}

}  // namespace

std::string Diagnostic::format() const {
  std::string out = file + ":";
  if (line > 0) out += std::to_string(line) + ":" + std::to_string(column) + ":";
  out += " ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

tl::expected<Config, Diagnostics> parseConfig(std::string_view text, std::string_view file) {
  if (text.size() > kMaxConfigBytes)
    return tl::unexpected(Diagnostics{
        {std::string(file), 0, 0, "",
         "the configuration is larger than " + std::to_string(kMaxConfigBytes) + " bytes"}});
  try {
    auto tree = buildYamlTree(text, file);
    if (!tree) return tl::unexpected(std::move(tree.error()));
    Sink sink(file);
    Config config;
    config.source_name = std::string(file);
    parseDocument(Cursor(*tree, tree->root, "", sink), config);
    crossCheck(config, sink);
    if (!sink.empty()) return tl::unexpected(sink.take());
    return config;
  } catch (const std::bad_alloc&) {
    return tl::unexpected(Diagnostics{
        {std::string(file), 0, 0, "", "out of memory while checking the configuration"}});
  }
}

}  // namespace rempart::config
