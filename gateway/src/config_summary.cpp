#include "gateway/config_summary.hpp"

#include <sstream>

namespace rempart::gateway {

namespace {

using namespace rempart::config;

std::string join(const std::vector<IpPrefix>& prefixes) {
  std::string out;
  for (const auto& p : prefixes) out += (out.empty() ? "" : ", ") + p.str();
  return out.empty() ? "any" : out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

std::string describe(const Endpoint& e) {
  std::string out;
  for (const auto& p : e.prefixes) out += (out.empty() ? "" : ", ") + p.str();
  for (const auto& g : e.groups) out += (out.empty() ? "@" : ", @") + g;
  return out.empty() ? "any" : out;
}

std::string describe(const AllowRule& r) {
  std::string out(toString(r.direction));
  out += r.tunnel.empty() ? " (any tunnel)" : " via " + r.tunnel;
  out += " ";
  out += toString(r.protocol);
  if (!r.ports.empty()) {
    out += " ports ";
    for (size_t i = 0; i < r.ports.size(); ++i) {
      if (i) out += ",";
      out += std::to_string(r.ports[i].first);
      if (r.ports[i].last != r.ports[i].first) out += "-" + std::to_string(r.ports[i].last);
    }
  }
  out += " from " + describe(r.source) + " to " + describe(r.destination);
  return out;
}

}  // namespace

std::string summarizeConfig(const Config& c) {
  std::ostringstream o;
  o << "gateway " << c.system.hostname << " (dataplane " << toString(c.system.dataplane) << ")\n";
  o << "  uplink " << c.uplink.interface << ": ipv4 "
    << (c.uplink.ipv4_dhcp ? std::string("dhcp") : c.uplink.ipv4_static->address.str());
  if (c.uplink.ipv6) o << ", ipv6 " << c.uplink.ipv6->address.str();
  o << ", mtu " << c.uplink.mtu << "\n";
  if (c.management) {
    std::vector<IpPrefix> src = c.management->allowed_sources;
    o << "  management " << c.management->interface << ": ssh on "
      << c.management->address.address.str() << ":" << c.management->ssh_port << " from "
      << join(src) << "\n";
  }
  o << "  " << c.levels.size() << (c.levels.size() == 1 ? " level\n" : " levels\n");
  for (const auto& l : c.levels) {
    o << "  level " << l.name << ": public " << l.public_address.str() << ", id " << l.identity.id
      << ", " << l.credentials.size() << " credential(s)\n";
    for (const auto& lan : l.lans) {
      o << "    lan " << lan.interface << ": " << join(lan.addresses);
      if (lan.mtu) o << ", mtu " << *lan.mtu;
      if (!lan.routes.empty()) o << ", " << lan.routes.size() << " route(s)";
      o << "\n";
    }
    for (const auto& t : l.tunnels) {
      o << "    tunnel " << t.name << ": " << t.remote_address << " (" << t.remote_id << "), "
        << toString(t.auth) << ", " << toString(t.start) << ", " << join(t.local_ts) << " <-> "
        << join(t.remote_ts) << "\n";
    }
    for (const auto& g : l.firewall.address_groups)
      o << "    group " << g.name << ": " << g.prefixes.size() << " prefix(es)\n";
    for (const auto& r : l.firewall.allow) o << "    allow " << describe(r) << "\n";
  }
  o << "  roles: admin " << join(c.roles.admin) << "; audit " << join(c.roles.audit) << "; update "
    << join(c.roles.update) << "\n";
  return o.str();
}

}  // namespace rempart::gateway
