#include "commands.hpp"

#include <algorithm>

namespace rempart::gateway {

void CommandTable::add(CommandSpec spec) {
  specs_.push_back(std::move(spec));
}

namespace {

bool allowed(const CommandSpec& s, const Caller& c) {
  if (!c.role) return false;
  return s.roles.empty() || std::find(s.roles.begin(), s.roles.end(), *c.role) != s.roles.end();
}

std::string joinWords(const std::vector<std::string>& w) {
  std::string out;
  for (const auto& s : w) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

void CommandTable::dispatch(const Caller& caller, const ControlRequest& request,
                            const PeerCredentials& peer,
                            std::shared_ptr<PendingReply> reply) const {
  const auto& words = request.words;
  const CommandSpec* best = nullptr;
  for (const auto& s : specs_) {
    if (s.words.size() > words.size()) continue;
    if (!std::equal(s.words.begin(), s.words.end(), words.begin())) continue;
    if (!best || s.words.size() > best->words.size()) best = &s;
  }
  if (!best) {
    std::string what = words.empty() ? std::string("no command given")
                                     : "unknown command '" + joinWords(words) + "'";
    return reply->send(ControlResponse{kExitUsage, "", "rempart: " + what + "; try 'help'\n"});
  }
  if (!caller.role) {
    return reply->send(ControlResponse{
        kExitDenied, "", "rempart: user " + caller.user + " has no role on this gateway\n"});
  }
  if (!allowed(*best, caller)) {
    std::string roles;
    for (auto r : best->roles)
      roles += (roles.empty() ? "" : " or ") + std::string(config::toString(r));
    return reply->send(ControlResponse{kExitDenied, "",
                                       "rempart: '" + joinWords(best->words) + "' needs the " +
                                           roles + " role; " + caller.user + " has " +
                                           std::string(config::toString(*caller.role)) + "\n"});
  }
  CommandContext ctx{caller, request, peer, {}, false};
  for (size_t i = best->words.size(); i < words.size(); ++i) {
    if (words[i] == "--json")
      ctx.json = true;
    else
      ctx.args.push_back(words[i]);
  }
  if (best->max_args && ctx.args.size() > *best->max_args) {
    return reply->send(ControlResponse{
        kExitUsage, "",
        "rempart: '" + joinWords(best->words) + "' takes " +
            (*best->max_args == 0 ? std::string("no arguments")
                                  : "at most " + std::to_string(*best->max_args) + " arguments") +
            "; unexpected '" + ctx.args[*best->max_args] + "'\n"});
  }
  if (best->run_async) return best->run_async(ctx, std::move(reply));
  reply->send(best->run(ctx));
}

std::vector<std::vector<std::string>> CommandTable::commandsFor(const Caller& caller) const {
  std::vector<std::vector<std::string>> out;
  for (const auto& s : specs_)
    if (allowed(s, caller)) out.push_back(s.words);
  return out;
}

std::string CommandTable::help(const Caller& caller) const {
  std::string out = "Commands for " + caller.user +
                    (caller.role ? " (" + std::string(config::toString(*caller.role)) + ")" : "") +
                    ":\n";
  size_t width = 0;
  for (const auto& s : specs_)
    if (allowed(s, caller)) width = std::max(width, joinWords(s.words).size());
  for (const auto& s : specs_) {
    if (!allowed(s, caller)) continue;
    std::string w = joinWords(s.words);
    out += "  " + w + std::string(width - w.size() + 2, ' ') + s.summary + "\n";
  }
  return out;
}

}  // namespace rempart::gateway
