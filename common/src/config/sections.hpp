// Per-section parsers: each reads one part of the YAML tree into the model, reporting every
// type, syntax, range and limit problem of that part through the cursor's Sink. Checks that
// need several sections (overlaps, references across levels) live in cross_checks.hpp.
// Internal to rempart_config.
#pragma once

#include "common/config/model.hpp"
#include "yaml_reader.hpp"

namespace rempart::config::detail {

inline Location locationOf(const Cursor& c) {
  return {c.path(), c.mark().line, c.mark().column};
}

void parseSystem(const Cursor& c, System& out);
void parseUplink(const Cursor& c, Uplink& out);
void parseManagement(const Cursor& c, Management& out);
void parseRoles(const Cursor& c, RoleUsers& out);

// A level with its credentials, LANs, tunnels and firewall; also checks what stays inside the
// level: unique names, references to credentials, tunnels and address groups.
void parseLevel(const Cursor& c, Level& out);
void parseTunnel(const Cursor& c, Tunnel& out);
void parseFirewall(const Cursor& c, Firewall& out);

// Reads a string and checks it with one of value_syntax.hpp's checks.
std::optional<std::string> readChecked(const Cursor& c, std::string (*problem)(std::string_view));

}  // namespace rempart::config::detail
