// The update role's commands. `update status`: the running version and what the system booted
// from (slot and dm-verity root hash, read from the kernel command line the image pins).
#include "update_commands.hpp"

#include "common/atomic_file.hpp"
#include "daemon.hpp"
#include "gateway/boot_info.hpp"

namespace rempart::gateway {

CommandSpec updateStatusCommand() {
  return {{"update", "status"},
          "update status [--json]: running version, booted slot and root hash",
          {config::Role::kUpdate, config::Role::kAdmin},
          [](const CommandContext& c) {
            if (!c.args.empty())
              return ControlResponse{kExitUsage, "", "rempart: usage: update status [--json]\n"};
            auto cmdline = readFile("/proc/cmdline", 64 * 1024);
            BootInfo boot = cmdline ? parseBootCmdline(*cmdline) : BootInfo{};
            return ControlResponse{0, updateStatusText(boot, REMPART_VERSION, c.json), ""};
          }};
}

void Daemon::registerUpdateCommands() {
  commands_.add(updateStatusCommand());
}

}  // namespace rempart::gateway
