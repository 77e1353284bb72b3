// What confines one level's charon, as plain values: its uid/gid, the capabilities it starts
// and runs with, and its seccomp allow-list. Pure except compileSeccomp(), which only builds a
// BPF program in memory. The launcher (launcher.hpp) applies them.
//
// uid scheme: level i of a gateway runs as uid = gid = uid_base + i, with no /etc/passwd entry.
// The default base, 60600, lies in 60578-61183, a range that neither Debian (UID_MAX 60000)
// nor systemd (homed 60001-60513, container bind-user 60514-60577, DynamicUser 61184-65519)
// hands out. Two gateways on one machine (tests, demo) pass different bases.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"

namespace rempart::gateway::charon {

inline constexpr uid_t kDefaultUidBase = 60600;
inline constexpr uid_t kUidRangeSize = config::kMaxLevels;

struct LevelIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  auto operator<=>(const LevelIdentity&) const = default;
};

// uid/gid of level `index`. Fails (kInvalidInput) when index >= kUidRangeSize, when base is
// below 1000 (system users) or when the range would wrap past 2^32-2.
[[nodiscard]] Result<LevelIdentity> levelIdentity(uid_t base, size_t index);

// Capability bit masks (bit n = capability n, as in /proc/<pid>/status).
inline constexpr uint64_t capBit(int cap) {
  return uint64_t{1} << cap;
}
// Ambient, inheritable, permitted and bounding sets at exec: CAP_NET_ADMIN (XFRM/TUN/routes)
// and CAP_NET_BIND_SERVICE (UDP 500). charon drops the latter once its sockets are bound.
uint64_t launchCapabilities();
// What charon keeps once running: CapEff must equal this.
uint64_t runningCapabilities();

// The seccomp policy. Syscalls in `allow` pass; `kill` ones kill the whole process (they have
// no use in charon and are what an exploit reaches for: namespaces, mounts, ptrace, module and
// key management, uid changes, new processes); any other syscall fails with EPERM, so that a
// rarely taken path we did not observe degrades into an error charon reports rather than a
// dead level. socket() is allowed only for `socket_families`; clone() only with CLONE_THREAD
// (threads, never processes), and clone3 returns ENOSYS so that glibc falls back to clone().
struct SeccompPolicy {
  std::vector<std::string> allow;
  std::vector<std::string> kill;
  std::vector<int> socket_families;
};
const SeccompPolicy& charonSeccompPolicy();

// A compiled filter: the BPF instructions for SECCOMP_SET_MODE_FILTER (native arch only;
// other arches, including x32, are killed).
struct SeccompProgram {
  std::vector<sock_filter> instructions;
};

// Compiles with libseccomp. Fails (kInvalidInput) on an unknown syscall name or when a name is
// both allowed and killed. Call in the parent: the child of a fork must not allocate.
[[nodiscard]] Result<SeccompProgram> compileSeccomp(const SeccompPolicy& policy);

}  // namespace rempart::gateway::charon
