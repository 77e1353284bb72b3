// `show interfaces` (every role): the links of the core namespace and of each level's
// namespace, read from the kernel over rtnetlink in that namespace (state, MTU, addresses).
#include <net/if.h>

#include <algorithm>

#include "command_args.hpp"
#include "daemon.hpp"
#include "gateway/audit/json.hpp"
#include "netconfig/rtnl.hpp"

namespace rempart::gateway {

namespace {

struct InterfaceRow {
  std::string where, name, state;
  unsigned mtu = 0;
  std::vector<std::string> addresses;
};

std::string linkState(const netconfig::LinkState& l) {
  if (!l.up()) return "down";
  return l.carrier() ? "up" : "no-carrier";
}

Result<std::vector<InterfaceRow>> readNamespace(const std::string& where, int netns_fd) {
  auto rtnl = TRY(netconfig::openRtnl(netns_fd));
  auto state = TRY(rtnl->dump());
  std::vector<InterfaceRow> rows;
  for (const auto& l : state.links) {
    InterfaceRow r{where, l.name, linkState(l), l.mtu, {}};
    for (const auto& a : state.addresses)
      if (a.ifindex == l.ifindex) r.addresses.push_back(a.address.str());
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string table(const std::vector<InterfaceRow>& rows) {
  std::vector<std::vector<std::string>> cells = {{"NAMESPACE", "INTERFACE", "STATE", "MTU"}};
  for (const auto& r : rows) cells.push_back({r.where, r.name, r.state, std::to_string(r.mtu)});
  std::vector<size_t> width(4, 0);
  for (const auto& c : cells)
    for (size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], c[i].size());
  std::string out;
  for (size_t k = 0; k < cells.size(); ++k) {
    const auto& c = cells[k];
    for (size_t i = 0; i < 4; ++i) {
      // MTU right-aligned, the rest left-aligned.
      std::string pad(width[i] - c[i].size(), ' ');
      out += i == 3 ? pad + c[i] : c[i] + pad;
      out += "  ";
    }
    if (k == 0) {
      out += "ADDRESSES";
    } else {
      const auto& a = rows[k - 1].addresses;
      if (a.empty()) out += "-";
      for (size_t j = 0; j < a.size(); ++j) out += (j ? " " : "") + a[j];
    }
    out += "\n";
  }
  return out;
}

std::string json(const std::vector<InterfaceRow>& rows) {
  std::string out = "[";
  for (size_t i = 0; i < rows.size(); ++i) {
    audit::JsonObject o;
    o.set("namespace", rows[i].where).set("interface", rows[i].name);
    o.set("state", rows[i].state).set("mtu", rows[i].mtu).set("addresses", rows[i].addresses);
    out += (i ? "," : "") + o.toJson();
  }
  return out + "]\n";
}

}  // namespace

void Daemon::registerInterfaceCommands() {
  commands_.add(
      {{"show", "interfaces"},
       "show the interfaces of the core and of each level: state, MTU, addresses",
       {},
       [this](const CommandContext& c) {
         auto args = parseArgs(c.args, {}, {}, 0, 0, "show interfaces [--json]");
         if (!args) return usageError(args.error().message());
         if (!running_) return failure("the gateway is not running");
         std::vector<InterfaceRow> rows;
         std::string errors;
         auto add = [&](const std::string& where, int fd) {
           auto r = readNamespace(where, fd);
           if (!r) {
             errors += "rempart: " + where + ": " + r.error().message() + "\n";
             return;
           }
           rows.insert(rows.end(), r->begin(), r->end());
         };
         add("core", running_->coreNetns());
         for (size_t i = 0; i < topology_.levels.size(); ++i)
           add(topology_.levels[i].name, running_->levelNetns(i));
         return ControlResponse{errors.empty() ? 0 : 1, c.json ? json(rows) : table(rows), errors};
       }});
}

}  // namespace rempart::gateway
