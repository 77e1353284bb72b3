// `tunnel up|down|reset NAME [--level LEVEL]` (admin). Each answers once charon reported the
// outcome through its events, or after kTunnelWait with a message saying what is still pending.
// `down` holds until `up`, across the tunnel's start action, the peer's retries and restarts of
// charon (runtime state in LevelTunnels, shown as "down (admin)").
#include <chrono>
#include <variant>

#include "command_args.hpp"
#include "daemon.hpp"

namespace rempart::gateway {

namespace {

constexpr std::chrono::milliseconds kTunnelWait{30000};

std::string spisOf(const TunnelStatus& t) {
  if (t.spi_in.empty()) return "no CHILD_SA";
  return "SPIs in " + t.spi_in + " out " + t.spi_out;
}

}  // namespace

void Daemon::registerTunnelCommands() {
  using config::Role;
  // Finds the level of tunnel NAME (--level disambiguates). Returns its index or an error reply.
  auto locate = [this](const CommandContext& c, const std::string& verb,
                       std::string& name) -> std::variant<size_t, ControlResponse> {
    const std::string usage = "tunnel " + verb + " NAME [--level LEVEL]";
    auto args = parseArgs(c.args, {"--level"}, {}, 1, 1, usage);
    if (!args) return usageError(args.error().message());
    name = args->positional[0];
    std::vector<size_t> found;
    if (args->has("--level")) {
      auto index = levelIndex(args->value("--level"));
      if (!index) return usageError("unknown level '" + shownWord(args->value("--level")) + "'");
      if (!config_->levels[*index].findTunnel(name))
        return usageError("level " + config_->levels[*index].name + " has no tunnel '" +
                          shownWord(name) + "'");
      found.push_back(*index);
    } else {
      for (size_t i = 0; i < config_->levels.size(); ++i)
        if (config_->levels[i].findTunnel(name)) found.push_back(i);
      if (found.empty()) return usageError("no tunnel '" + shownWord(name) + "' in any level");
      if (found.size() > 1)
        return usageError("tunnel '" + name + "' exists in several levels; add --level LEVEL");
    }
    if (found[0] >= tunnels_.size()) return failure("the gateway is not running");
    return found[0];
  };
  auto statusOf = [this](size_t index, const std::string& name) {
    for (auto& s : tunnels_[index]->status())
      if (s.tunnel == name) return s;
    return TunnelStatus{};
  };

  commands_.add(
      {{"tunnel", "up"},
       "bring a tunnel up (and end a 'tunnel down')",
       {Role::kAdmin},
       {},
       [this, locate, statusOf](const CommandContext& c, std::shared_ptr<PendingReply> reply) {
         std::string name;
         auto where = locate(c, "up", name);
         if (auto* r = std::get_if<ControlResponse>(&where)) return reply->send(std::move(*r));
         const size_t index = std::get<size_t>(where);
         const std::string label = "tunnel " + name + " (level " + config_->levels[index].name + ")";
         tunnels_[index]->bringUp(name, kTunnelWait, [=, this](Result<void> r) {
           if (!r) return reply->send(failure(label + " is not up: " + r.error().message()));
           reply->send(ControlResponse{0, label + " is up, " + spisOf(statusOf(index, name)) + "\n",
                                       "", label + " brought up"});
         });
       }});

  commands_.add(
      {{"tunnel", "down"},
       "take a tunnel down and keep it down until 'tunnel up'",
       {Role::kAdmin},
       {},
       [this, locate](const CommandContext& c, std::shared_ptr<PendingReply> reply) {
         std::string name;
         auto where = locate(c, "down", name);
         if (auto* r = std::get_if<ControlResponse>(&where)) return reply->send(std::move(*r));
         const size_t index = std::get<size_t>(where);
         const std::string label = "tunnel " + name + " (level " + config_->levels[index].name + ")";
         tunnels_[index]->takeDown(name, kTunnelWait, [=](Result<unsigned> n) {
           if (!n)
             return reply->send(failure(
                 label +
                 " is marked down, but terminating its SAs failed: " + n.error().message()));
           reply->send(ControlResponse{0,
                                       label + " is down (" + std::to_string(*n) +
                                           " IKE_SA terminated); it stays down until 'tunnel up'\n",
                                       "", label + " taken down"});
         });
       }});

  commands_.add(
      {{"tunnel", "reset"},
       "tear a tunnel's SAs down and negotiate them again (new keys and SPIs)",
       {Role::kAdmin},
       {},
       [this, locate, statusOf](const CommandContext& c, std::shared_ptr<PendingReply> reply) {
         std::string name;
         auto where = locate(c, "reset", name);
         if (auto* r = std::get_if<ControlResponse>(&where)) return reply->send(std::move(*r));
         const size_t index = std::get<size_t>(where);
         const std::string label = "tunnel " + name + " (level " + config_->levels[index].name + ")";
         const std::string before = spisOf(statusOf(index, name));
         tunnels_[index]->reset(name, kTunnelWait, [=](Result<vici::ChildSa> r) {
           if (!r) return reply->send(failure(label + " reset failed: " + r.error().message()));
           reply->send(ControlResponse{0,
                                       label + " was reset: before " + before + ", now SPIs in " +
                                           r->spi_in + " out " + r->spi_out + "\n",
                                       "", label + " reset"});
         });
       }});
}

}  // namespace rempart::gateway
