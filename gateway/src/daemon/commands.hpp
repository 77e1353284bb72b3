// The commands rempartd answers on its control socket, and the role each needs. Every request
// is checked against the caller's role before anything runs; refusals say which role is needed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gateway/control_protocol.hpp"
#include "gateway/roles.hpp"

namespace rempart::gateway {

struct CommandContext {
  const Caller& caller;
  const ControlRequest& request;
  std::vector<std::string> args;  // the words after the command's own words
  bool json = false;              // --json was given
};

struct CommandSpec {
  std::vector<std::string> words;  // e.g. {"show", "status"}
  std::string summary;
  std::vector<config::Role> roles;  // who may run it; empty means every role
  std::function<ControlResponse(const CommandContext&)> run;
};

class CommandTable {
 public:
  void add(CommandSpec spec);

  // Finds the longest matching command, checks the caller's role, and runs it. Unknown
  // commands and refusals give exit status 2 and 3 with a message naming the problem.
  ControlResponse dispatch(const Caller& caller, const ControlRequest& request) const;

  std::string help(const Caller& caller) const;

 private:
  std::vector<CommandSpec> specs_;
};

inline constexpr int kExitUsage = 2;
inline constexpr int kExitDenied = 3;

}  // namespace rempart::gateway
