#include "cross_checks.hpp"

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
  if (c.uplink.ipv4_static)
    nets.push_back({c.uplink.ipv4_static->address, -1, nets.size(), "uplink.ipv4.address"});
  if (c.uplink.ipv6)
    nets.push_back({c.uplink.ipv6->address, -1, nets.size(), "uplink.ipv6.address"});
  if (c.management) nets.push_back({c.management->address, -2, nets.size(), "management.address"});
  int lan_id = 0;
  for (const auto& level : c.levels) {
    for (const auto& lan : level.lans) {
      for (size_t k = 0; k < lan.addresses.size(); ++k)
        nets.push_back(
            {lan.addresses[k], lan_id, nets.size(), at(lan.location.path, "addresses", k)});
      ++lan_id;
    }
  }
  findOverlaps(std::move(nets), [&](const OwnedPrefix& later, const OwnedPrefix& earlier) {
    sink.errorAt(later.path, "network " + later.prefix.str() + " overlaps " + earlier.prefix.str() +
                                 " of " + describeOwner(earlier.path));
  });
}

void checkSelectorsBetweenLevels(const Config& c, Sink& sink) {
  std::vector<OwnedPrefix> selectors;
  for (size_t i = 0; i < c.levels.size(); ++i) {
    for (const auto& t : c.levels[i].tunnels) {
      for (size_t k = 0; k < t.local_ts.size(); ++k)
        selectors.push_back(
            {t.local_ts[k], int(i), selectors.size(), at(t.location.path, "local_ts", k)});
      for (size_t k = 0; k < t.remote_ts.size(); ++k)
        selectors.push_back(
            {t.remote_ts[k], int(i), selectors.size(), at(t.location.path, "remote_ts", k)});
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
  if (c.uplink.ipv4_static)
    all.push_back({c.uplink.ipv4_static->address, -1, 0, "uplink.ipv4.address"});
  if (c.uplink.ipv6) all.push_back({c.uplink.ipv6->address, -1, 0, "uplink.ipv6.address"});
  if (c.management) all.push_back({c.management->address, -1, 0, "management.address"});
  for (const auto& level : c.levels)
    if (!level.public_address.isUnspecified())  // unset: its error is already reported
      all.push_back(
          {IpPrefix::host(level.public_address), -1, 0, level.location.path + ".public_address"});
  size_t order = 1;
  for (const auto& level : c.levels)
    for (const auto& t : level.tunnels)
      for (size_t k = 0; k < t.remote_ts.size(); ++k)
        all.push_back({t.remote_ts[k], 0, order++, at(t.location.path, "remote_ts", k)});
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
    if (sink.markOf(path).line == 0) continue;  // missing: already reported
    bool reported = false;
    for (size_t j = 0; j < i && !reported; ++j) {
      if (c.levels[j].public_address == a) {
        sink.errorAt(path,
                     a.str() + " is already the public address of " + c.levels[j].location.path);
        reported = true;
      }
    }
    for (size_t j = 0; j < c.levels.size() && !reported; ++j) {
      for (const auto& lan : c.levels[j].lans) {
        for (const auto& net : lan.addresses) {
          if (net.network().contains(a) && !reported) {
            sink.errorAt(path, a.str() + " is inside the LAN network " + net.network().str() +
                                   " of " + lan.location.path);
            reported = true;
          }
        }
      }
    }
    if (reported) continue;
    if (c.uplink.ipv4_static && a.family == Family::kV4) {
      const IpPrefix& up = c.uplink.ipv4_static->address;
      if (up.address == a)
        sink.errorAt(path, a.str() + " is the uplink's own address; each level needs its own");
      else if (!up.network().contains(a))
        sink.errorAt(path, a.str() + " is not on the uplink network " + up.network().str());
    }
    if (c.management && c.management->address.network().contains(a))
      sink.errorAt(path, a.str() + " is inside the management network");
  }
}

// What a level protects must be reachable through its LANs: their networks and routes.
void checkLocalSelectors(const Config& c, Sink& sink) {
  for (const auto& level : c.levels) {
    std::vector<IpPrefix> reachable;
    for (const auto& lan : level.lans) {
      for (const auto& a : lan.addresses) reachable.push_back(a.network());
      for (const auto& r : lan.routes) reachable.push_back(r.destination);
    }
    PrefixUnion lan_union(reachable);
    for (const auto& t : level.tunnels)
      for (size_t k = 0; k < t.local_ts.size(); ++k)
        if (!lan_union.covers(t.local_ts[k]))
          sink.errorAt(at(t.location.path, "local_ts", k),
                       t.local_ts[k].str() + " is not inside this level's LAN networks or routes");
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
