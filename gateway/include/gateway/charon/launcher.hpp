// Starts one program (charon-systemd, or a test probe) inside a level's network namespace,
// confined: a private mount namespace where / is read-only and only `writable_dir` is
// writable, `hidden_dirs` covered by empty tmpfs (other levels' runtime dirs, the keystore),
// its own uid/gid, only `capabilities` (ambient, so they survive exec), no_new_privs and a
// seccomp filter. fork + setns + unshare + mount + capset + prctl + seccomp + execve, no shell.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "gateway/charon/confinement.hpp"

namespace rempart::gateway::charon {

struct ConfinementSpec {
  std::filesystem::path executable;  // absolute
  std::vector<std::string> argv;     // argv[0] included
  std::vector<std::string> env;      // the complete environment, "KEY=value"
  std::filesystem::path netns;       // e.g. /run/netns/<name> or /proc/<pid>/ns/net
  LevelIdentity identity;            // never uid/gid 0
  uint64_t capabilities = 0;         // bounding = permitted = inheritable = ambient
  // Must exist, be absolute and free of symlinks. Bound read-write; if it lies under a hidden
  // dir it is re-created there and bound on top, so it stays reachable at the same path.
  std::filesystem::path writable_dir;
  std::vector<std::filesystem::path> hidden_dirs;  // absolute, existing directories
  const SeccompProgram* seccomp = nullptr;         // required
};

struct ConfinedProcess {
  pid_t pid = -1;
  UniqueFd pidfd;   // the child's pidfd (readable once it exits); caller reaps with waitid
  UniqueFd output;  // read end of the pipe holding the child's stdout and stderr
};

// Spawns the process and waits until execve succeeded. On failure no process is left and the
// error names the confinement step that failed ("mounting tmpfs over /run/x: ..."). The child
// gets SIGKILL if the calling thread exits (PR_SET_PDEATHSIG). Any thread may call; blocking
// for as long as the fork and exec take (a few ms).
[[nodiscard]] Result<ConfinedProcess> spawnConfined(const ConfinementSpec& spec);

}  // namespace rempart::gateway::charon
