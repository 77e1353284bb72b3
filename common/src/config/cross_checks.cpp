#include "cross_checks.hpp"

#include <optional>

#include "prefix_sets.hpp"

namespace rempart::config::detail {

namespace {

std::string at(const std::string& base, std::string_view key, size_t i) {
  return base + "." + std::string(key) + "[" + std::to_string(i) + "]";
}

std::string describeOwner(const std::string& path) {
  if (path.starts_with("uplink")) return "the uplink (" + path + ")";
  if (path.starts_with("management")) return "management (" + path + ")";
  return path;
}

// Whether the value at `path` was there and read without error. Checks built on a value that
// was missing or bad would only repeat its error in another form.
bool readWell(const Sink& sink, const std::string& path) {
  return sink.markOf(path).line != 0 && !sink.hasErrorUnder(path);
}

// The gateway's own networks, when they were read without error.
std::optional<IpPrefix> uplinkV4(const Config& c, const Sink& sink) {
  if (!c.uplink.ipv4_static || !readWell(sink, "uplink.ipv4")) return std::nullopt;
  return c.uplink.ipv4_static->address;
}
std::optional<IpPrefix> uplinkV6(const Config& c, const Sink& sink) {
  if (!c.uplink.ipv6 || !readWell(sink, "uplink.ipv6")) return std::nullopt;
  return c.uplink.ipv6->address;
}
std::optional<IpPrefix> managementNet(const Config& c, const Sink& sink) {
  if (!c.management || !readWell(sink, "management.address")) return std::nullopt;
  return c.management->address;
}

void checkNames(const Config& c, Sink& sink) {
  for (size_t i = 0; i < c.levels.size(); ++i) {
    if (c.levels[i].name.empty()) continue;
    for (size_t j = 0; j < i; ++j) {
      if (c.levels[j].name == c.levels[i].name) {
        sink.errorAt(c.levels[i].location.path + ".name", "level name '" + c.levels[i].name +
                                                              "' is already used by levels[" +
                                                              std::to_string(j) + "]");
        break;
      }
    }
  }
}

void checkInterfaces(const Config& c, Sink& sink) {
  std::vector<std::pair<std::string, std::string>> claimed;  // interface -> path
  auto claim = [&](const std::string& name, const std::string& path) {
    if (name.empty()) return;
    for (const auto& [other, other_path] : claimed) {
      if (other == name) {
        sink.errorAt(path,
                     "interface '" + name + "' is already used by " + describeOwner(other_path));
        return;
      }
    }
    claimed.emplace_back(name, path);
  };
  claim(c.uplink.interface, "uplink.interface");
  if (c.management) claim(c.management->interface, "management.interface");
  for (const auto& level : c.levels)
    for (const auto& lan : level.lans) claim(lan.interface, lan.location.path + ".interface");
}

// The networks the gateway itself sits on, each owned by one interface.
void checkNetworks(const Config& c, Sink& sink) {
  std::vector<OwnedPrefix> nets;
  if (auto p = uplinkV4(c, sink)) nets.push_back({*p, -1, nets.size(), "uplink.ipv4.address"});
  if (auto p = uplinkV6(c, sink)) nets.push_back({*p, -1, nets.size(), "uplink.ipv6.address"});
  if (auto p = managementNet(c, sink)) nets.push_back({*p, -2, nets.size(), "management.address"});
  int lan_id = 0;
  for (const auto& level : c.levels) {
    for (const auto& lan : level.lans) {
      ++lan_id;
      if (!readWell(sink, lan.location.path + ".addresses")) continue;
      for (size_t k = 0; k < lan.addresses.size(); ++k)
        nets.push_back(
            {lan.addresses[k], lan_id, nets.size(), at(lan.location.path, "addresses", k)});
    }
  }
  findOverlaps(std::move(nets), [&](const OwnedPrefix& later, const OwnedPrefix& earlier) {
    sink.errorAt(later.path, "network " + later.prefix.str() + " overlaps " + earlier.prefix.str() +
                                 " of " + describeOwner(earlier.path));
  });
}

void checkSelectorsBetweenLevels(const Config& c, Sink& sink) {
  std::vector<OwnedPrefix> selectors;
  auto add = [&](const std::vector<IpPrefix>& ts, int level, const std::string& path) {
    if (!readWell(sink, path)) return;
    for (size_t k = 0; k < ts.size(); ++k)
      selectors.push_back({ts[k], level, selectors.size(), path + "[" + std::to_string(k) + "]"});
  };
  for (size_t i = 0; i < c.levels.size(); ++i) {
    for (const auto& t : c.levels[i].tunnels) {
      add(t.local_ts, int(i), t.location.path + ".local_ts");
      add(t.remote_ts, int(i), t.location.path + ".remote_ts");
    }
  }
  findOverlaps(std::move(selectors), [&](const OwnedPrefix& later, const OwnedPrefix& earlier) {
    sink.errorAt(later.path, "traffic selector " + later.prefix.str() + " overlaps " +
                                 earlier.prefix.str() + " of another level (" + earlier.path +
                                 "); levels never share addresses");
  });
}

// A remote selector over the gateway's own networks would route them into a tunnel.
void checkRemoteSelectors(const Config& c, Sink& sink) {
  std::vector<OwnedPrefix> all;
  if (auto p = uplinkV4(c, sink)) all.push_back({*p, -1, 0, "uplink.ipv4.address"});
  if (auto p = uplinkV6(c, sink)) all.push_back({*p, -1, 0, "uplink.ipv6.address"});
  if (auto p = managementNet(c, sink)) all.push_back({*p, -1, 0, "management.address"});
  for (const auto& level : c.levels)
    if (readWell(sink, level.location.path + ".public_address"))
      all.push_back(
          {IpPrefix::host(level.public_address), -1, 0, level.location.path + ".public_address"});
  size_t order = 1;
  for (const auto& level : c.levels) {
    for (const auto& t : level.tunnels) {
      if (!readWell(sink, t.location.path + ".remote_ts")) continue;
      for (size_t k = 0; k < t.remote_ts.size(); ++k)
        all.push_back({t.remote_ts[k], 0, order++, at(t.location.path, "remote_ts", k)});
    }
  }
  findOverlaps(std::move(all), [&](const OwnedPrefix& selector, const OwnedPrefix& own) {
    std::string what = own.path.ends_with("public_address")
                           ? "the public address " + own.prefix.address.str()
                           : "the network " + own.prefix.str();
    sink.errorAt(selector.path, "remote traffic selector " + selector.prefix.str() + " covers " +
                                    what + " of " + describeOwner(own.path));
  });
}

void checkPublicAddresses(const Config& c, Sink& sink) {
  for (size_t i = 0; i < c.levels.size(); ++i) {
    const Level& level = c.levels[i];
    const std::string path = level.location.path + ".public_address";
    const IpAddress& a = level.public_address;
    if (!readWell(sink, path)) continue;
    bool reported = false;
    for (size_t j = 0; j < i && !reported; ++j) {
      if (readWell(sink, c.levels[j].location.path + ".public_address") &&
          c.levels[j].public_address == a) {
        sink.errorAt(path,
                     a.str() + " is already the public address of " + c.levels[j].location.path);
        reported = true;
      }
    }
    for (size_t j = 0; j < c.levels.size() && !reported; ++j) {
      for (const auto& lan : c.levels[j].lans) {
        for (const auto& net : lan.addresses) {
          if (!reported && net.network().contains(a)) {
            sink.errorAt(path, a.str() + " is inside the LAN network " + net.network().str() +
                                   " of " + lan.location.path);
            reported = true;
          }
        }
      }
    }
    if (reported) continue;
    if (auto up = uplinkV4(c, sink); up && a.family == Family::kV4) {
      if (up->address == a)
        sink.errorAt(path, a.str() + " is the uplink's own address; each level needs its own");
      else if (!up->network().contains(a))
        sink.errorAt(path, a.str() + " is not on the uplink network " + up->network().str());
    }
    if (auto mgmt = managementNet(c, sink); mgmt && mgmt->network().contains(a))
      sink.errorAt(path, a.str() + " is inside the management network");
  }
}

// What a level protects must be reachable through its LANs: their networks and routes.
void checkLocalSelectors(const Config& c, Sink& sink) {
  for (const auto& level : c.levels) {
    if (!readWell(sink, level.location.path + ".lans")) continue;  // an incomplete picture
    std::vector<IpPrefix> reachable;
    for (const auto& lan : level.lans) {
      for (const auto& a : lan.addresses) reachable.push_back(a.network());
      for (const auto& r : lan.routes) reachable.push_back(r.destination);
    }
    PrefixUnion lan_union(reachable);
    for (const auto& t : level.tunnels) {
      if (!readWell(sink, t.location.path + ".local_ts")) continue;
      for (size_t k = 0; k < t.local_ts.size(); ++k)
        if (!lan_union.covers(t.local_ts[k]))
          sink.errorAt(at(t.location.path, "local_ts", k),
                       t.local_ts[k].str() + " is not inside this level's LAN networks or routes");
    }
  }
}

}  // namespace

void crossCheck(const Config& config, Sink& sink) {
  checkNames(config, sink);
  checkInterfaces(config, sink);
  checkNetworks(config, sink);
  checkSelectorsBetweenLevels(config, sink);
  checkRemoteSelectors(config, sink);
  checkPublicAddresses(config, sink);
  checkLocalSelectors(config, sink);
}

}  // namespace rempart::config::detail
