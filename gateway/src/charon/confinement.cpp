#include "gateway/charon/confinement.hpp"

#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/unique_fd.hpp"

namespace rempart::gateway::charon {

Result<LevelIdentity> levelIdentity(uid_t base, size_t index) {
  if (index >= kUidRangeSize)
    return fail(ErrorCode::kInvalidInput, "level index " + std::to_string(index) +
                                              " outside the uid range of " +
                                              std::to_string(kUidRangeSize) + " levels");
  if (base < 1000)
    return fail(ErrorCode::kInvalidInput,
                "uid base " + std::to_string(base) + " is in the system-user range (< 1000)");
  if (base > uid_t{0xFFFFFFFE} - kUidRangeSize)
    return fail(ErrorCode::kInvalidInput, "uid base " + std::to_string(base) + " too large");
  const auto id = static_cast<uid_t>(base + index);
  return LevelIdentity{id, static_cast<gid_t>(id)};
}

uint64_t launchCapabilities() {
  return capBit(CAP_NET_ADMIN) | capBit(CAP_NET_BIND_SERVICE);
}
uint64_t runningCapabilities() {
  return capBit(CAP_NET_ADMIN);
}

const SeccompPolicy& charonSeccompPolicy() {
  // The allow-list is what strace showed charon-systemd 5.9.8 using with our plugin list, from
  // exec through IKE/CHILD establishment, rekeys, DPD, VICI commands and SIGTERM (the observed
  // set is pinned in tests/gateway/charon_seccomp_test.cpp), plus the glibc-internal calls of
  // the same families it may take on other paths (DNS lookups, stdio, sleeping, timers).
  static const SeccompPolicy policy{
      .allow =
          {
              // file descriptors and files
              "read",
              "write",
              "readv",
              "writev",
              "pread64",
              "pwrite64",
              "lseek",
              "close",
              "dup",
              "dup2",
              "dup3",
              "fcntl",
              "ioctl",
              "open",
              "openat",
              "newfstatat",
              "fstat",
              "stat",
              "lstat",
              "statx",
              "access",
              "faccessat",
              "faccessat2",
              "readlink",
              "readlinkat",
              "getdents64",
              "unlink",
              "unlinkat",
              "umask",
              "chown",
              "fchown",
              "chmod",
              "fchmod",
              "fsync",
              "fdatasync",
              "getcwd",
              "pipe2",
              // memory
              "mmap",
              "munmap",
              "mprotect",
              "mremap",
              "madvise",
              "brk",
              // threads and scheduling
              "futex",
              "set_robust_list",
              "get_robust_list",
              "rseq",
              "set_tid_address",
              "gettid",
              "getpid",
              "getppid",
              "exit",
              "exit_group",
              "sched_yield",
              "sched_getaffinity",
              // signals
              "rt_sigaction",
              "rt_sigprocmask",
              "rt_sigreturn",
              "rt_sigtimedwait",
              "sigaltstack",
              "tgkill",
              "restart_syscall",
              // time and waiting
              "clock_gettime",
              "clock_getres",
              "gettimeofday",
              "time",
              "nanosleep",
              "clock_nanosleep",
              "poll",
              "ppoll",
              "select",
              "pselect6",
              // sockets (socket() itself is filtered by family below)
              "bind",
              "listen",
              "accept",
              "accept4",
              "connect",
              "getsockname",
              "getpeername",
              "setsockopt",
              "getsockopt",
              "sendto",
              "recvfrom",
              "sendmsg",
              "recvmsg",
              "sendmmsg",
              "recvmmsg",
              "shutdown",
              "socketpair",
              // identity and capabilities: read, or drop (capset cannot raise without
              // CAP_SETPCAP, which is not in the bounding set)
              "getuid",
              "geteuid",
              "getgid",
              "getegid",
              "getresuid",
              "getresgid",
              "getgroups",
              "capget",
              "capset",
              "prctl",
              // process setup
              "uname",
              "getrandom",
              "prlimit64",
              "getrlimit",
              "arch_prctl",
              "sysinfo",
              // the launch itself: the filter is installed before execve(charon-systemd).
              // A later execve only replaces charon, with the same confinement (no_new_privs).
              "execve",
          },
      .kill =
          {
              "ptrace",
              "process_vm_readv",
              "process_vm_writev",
              "kcmp",
              "mount",
              "umount2",
              "pivot_root",
              "chroot",
              "setns",
              "unshare",
              "fsopen",
              "fsconfig",
              "fsmount",
              "fspick",
              "move_mount",
              "open_tree",
              "mount_setattr",
              "open_by_handle_at",
              "name_to_handle_at",
              "bpf",
              "perf_event_open",
              "userfaultfd",
              "init_module",
              "finit_module",
              "delete_module",
              "kexec_load",
              "kexec_file_load",
              "reboot",
              "swapon",
              "swapoff",
              "keyctl",
              "add_key",
              "request_key",
              "setuid",
              "setgid",
              "setreuid",
              "setregid",
              "setresuid",
              "setresgid",
              "setgroups",
              "setfsuid",
              "setfsgid",
              "acct",
              "settimeofday",
              "clock_settime",
              "clock_adjtime",
              "adjtimex",
              "iopl",
              "ioperm",
              "modify_ldt",
              "quotactl",
              "syslog",
              "vhangup",
              "personality",
              "uselib",
              "io_uring_setup",
              "io_uring_enter",
              "io_uring_register",
              "fork",
              "vfork",
              "execveat",
              "seccomp",
              "lookup_dcookie",
          },
      .socket_families = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK},
  };
  return policy;
}

namespace {

struct SeccompCtxDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using SeccompCtx = std::unique_ptr<void, SeccompCtxDeleter>;

Result<int> resolve(const std::string& name) {
  const int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR)
    return fail(ErrorCode::kInvalidInput, "seccomp policy: unknown syscall '" + name + "'");
  return nr;
}

Result<void> check(int rc, const std::string& what) {
  if (rc < 0) return failErrno(-rc, "seccomp: " + what);
  return {};
}

}  // namespace

Result<SeccompProgram> compileSeccomp(const SeccompPolicy& policy) {
  for (const auto& name : policy.allow)
    if (std::find(policy.kill.begin(), policy.kill.end(), name) != policy.kill.end())
      return fail(ErrorCode::kInvalidInput,
                  "seccomp policy: '" + name + "' is both allowed and killed");

  SeccompCtx ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
  if (!ctx) return fail(ErrorCode::kSystem, "seccomp_init failed");
  TRY(check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
            "setting the bad-arch action"));

  for (const auto& name : policy.allow) {
    const int nr = TRY(resolve(name));
    TRY(check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0), "allowing " + name));
  }
  for (const auto& name : policy.kill) {
    const int nr = TRY(resolve(name));
    TRY(check(seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, 0), "killing " + name));
  }
  for (int family : policy.socket_families)
    TRY(check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                               SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family))),
              "allowing socket family " + std::to_string(family)));
  // Threads only: a clone without CLONE_THREAD is a new process.
  TRY(check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)),
            "allowing thread clone"));
  TRY(check(seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)),
            "killing process clone"));
  // clone3 passes its flags in memory, out of the filter's reach.
  TRY(check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0),
            "refusing clone3"));

  UniqueFd mem(memfd_create("rempart-seccomp", MFD_CLOEXEC));
  if (!mem) return failErrno("seccomp: memfd_create");
  TRY(check(seccomp_export_bpf(ctx.get(), mem.get()), "exporting the BPF program"));
  const off_t size = lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % sizeof(sock_filter) != 0)
    return fail(ErrorCode::kSystem, "seccomp: exported BPF program has a bad size");
  SeccompProgram program;
  program.instructions.resize(static_cast<size_t>(size) / sizeof(sock_filter));
  const ssize_t n = pread(mem.get(), program.instructions.data(), static_cast<size_t>(size), 0);
  if (n != size) return failErrno("seccomp: reading the BPF program back");
  return program;
}

}  // namespace rempart::gateway::charon
