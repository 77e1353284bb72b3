// The commands rempartd answers on its control socket, and the role each needs. Every request
// is checked against the caller's role before anything runs; refusals say which role is needed.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/control_protocol.hpp"
#include "gateway/control_server.hpp"
#include "gateway/roles.hpp"

namespace rempart::gateway {

// Everything a command sees. Owned copies, so that an asynchronous command may keep it.
struct CommandContext {
  Caller caller;
  ControlRequest request;
  PeerCredentials peer;
  std::vector<std::string> args;  // the words after the command's own words, without --json
  bool json = false;              // --json was given
};

struct CommandSpec {
  std::vector<std::string> words;  // e.g. {"show", "status"}
  std::string summary;
  std::vector<config::Role> roles;  // who may run it; empty means every role
  // Exactly one of these is set: `run` answers at once; `run_async` answers through the reply,
  // now or later (it must eventually send, or the client waits until it gives up).
  std::function<ControlResponse(const CommandContext&)> run;
  std::function<void(const CommandContext&, std::shared_ptr<PendingReply>)> run_async = {};
  // At most this many arguments after the command words (--json not counted); more are
  // refused with kExitUsage, so that `show status | sh` is an error, not `show status`.
  // Unset: the command checks its arguments itself.
  std::optional<size_t> max_args = {};
};

class CommandTable {
 public:
  void add(CommandSpec spec);

  // Finds the longest matching command, checks the caller's role, and runs it; the answer goes
  // to `reply`. Unknown commands and refusals give exit status 2 and 3 with a message naming
  // the problem.
  void dispatch(const Caller& caller, const ControlRequest& request, const PeerCredentials& peer,
                std::shared_ptr<PendingReply> reply) const;

  // The command words of every command the caller may run (for completion and help).
  std::vector<std::vector<std::string>> commandsFor(const Caller& caller) const;

  std::string help(const Caller& caller) const;

 private:
  std::vector<CommandSpec> specs_;
};

inline constexpr int kExitUsage = 2;
inline constexpr int kExitDenied = 3;

}  // namespace rempart::gateway
