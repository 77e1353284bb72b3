// The `rempart log ...` commands that need no daemon: today `log verify`, which checks the
// hash chain of audit log files or of an export on stdin, offline, on any machine.
#pragma once

#include <ostream>
#include <string_view>
#include <vector>

namespace rempart::gateway::audit {

// Where rempartd keeps its audit logs when no path is given.
inline constexpr std::string_view kDefaultLogDir = "/var/lib/rempart/log";

inline constexpr std::string_view kLogUsage =
    "usage: rempart log verify [--partial] [--head HASH] [FILE...|DIR|-]\n"
    "  Checks the hash chain of an audit log: the files of one log in order, a directory of\n"
    "  logs, or an export on stdin (-), here, offline. Without FILE, rempartd checks the\n"
    "  device's own logs (audit and admin roles). Names the first bad\n"
    "  record as FILE:LINE. --partial accepts a log that starts after its first record;\n"
    "  --head HASH requires the record with that hash (the last hash of an earlier check).\n"
    "  Exits 0 when every chain is intact, 1 when one is not, 2 on a usage error.\n"
    "       rempart log export [connections|admin]\n"
    "  Prints a log of the device as stored (raw chained JSON Lines), for `log verify -`.\n";

// Runs `log <args>` (args exclude "log"); writes results to `out`, problems to `err`, and
// returns the exit status. Never throws.
int runLogCommand(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err);

}  // namespace rempart::gateway::audit
