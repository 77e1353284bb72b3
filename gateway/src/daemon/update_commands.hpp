// The update role's commands, as CommandSpecs (so that their roles can be checked without a
// running daemon). Daemon::registerUpdateCommands() adds them to the daemon's table.
#pragma once

#include "commands.hpp"

namespace rempart::gateway {

// `update status [--json]`: update and admin roles; refused for audit.
CommandSpec updateStatusCommand();

}  // namespace rempart::gateway
