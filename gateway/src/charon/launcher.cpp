#include "gateway/charon/launcher.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include "pidfd.hpp"

namespace rempart::gateway::charon {
namespace {

namespace fs = std::filesystem;

// The steps the child takes, in order; a failing step is reported to the parent by index.
enum Step : int {
  kSetns,
  kUnshareMounts,
  kMakePrivate,
  kReadOnlyRoot,
  kHideDir,
  kMkdirWritable,
  kBindWritable,
  kRemountWritable,
  kSealHidden,
  kChdir,
  kDropBounding,
  kSetgroups,
  kKeepCaps,
  kSetgid,
  kSetuid,
  kCapset,
  kAmbient,
  kNoCore,
  kStdio,
  kCloseFds,
  kDeathSignal,
  kNoNewPrivs,
  kSeccomp,
  kExec,
  kStepCount
};

constexpr std::array<const char*, kStepCount> kStepNames = {
    "joining the network namespace",
    "creating the mount namespace",
    "making mounts private",
    "making / read-only",
    "mounting tmpfs over a hidden directory",
    "re-creating the writable directory",
    "binding the writable directory",
    "making the writable directory writable",
    "making a hidden directory's tmpfs read-only",
    "changing to /",
    "dropping the capability bounding set",
    "clearing supplementary groups",
    "keeping capabilities across setuid",
    "setting the gid",
    "setting the uid",
    "setting capabilities",
    "raising ambient capabilities",
    "disabling core dumps",
    "setting up stdio",
    "closing inherited descriptors",
    "setting the parent-death signal",
    "setting no_new_privs",
    "installing the seccomp filter",
    "executing",
};

struct ChildReport {
  int step;
  int err;
  int detail;  // index of the hidden dir, when relevant
};

// Everything the child needs, computed before fork: after fork in a possibly multi-threaded
// parent, the child may only make system calls (no allocation, no locks).
struct Plan {
  const ConfinementSpec* spec;
  int netns_fd;
  int devnull_fd;
  int output_w;
  int report_w;
  pid_t parent;
  int cap_last;
  std::vector<std::string> hidden;  // tmpfs targets
  std::vector<std::string> mkdirs;  // dirs to re-create inside hidden tmpfs
  std::vector<std::string> argv_store, env_store;
  std::vector<char*> argv, envp;
  sock_fprog prog;
};

[[noreturn]] void childFail(int report_fd, int step, int detail = 0) {
  const ChildReport r{step, errno, detail};
  [[maybe_unused]] ssize_t n = write(report_fd, &r, sizeof r);
  _exit(127);
}

// Writes `v` (>= 0) in decimal, NUL-terminated; `out` has room for 11 bytes.
void formatInt(char* out, int v) {
  char digits[12];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\0';
}

[[noreturn]] void runChild(const Plan& p) {
  const ConfinementSpec& s = *p.spec;
  int report = p.report_w;
  if (setns(p.netns_fd, CLONE_NEWNET) != 0) childFail(report, kSetns);
  if (unshare(CLONE_NEWNS) != 0) childFail(report, kUnshareMounts);
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    childFail(report, kMakePrivate);
  mount_attr ro{};
  ro.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0)
    childFail(report, kReadOnlyRoot);
  // A handle on the writable dir taken in this namespace (a bind source must belong to the
  // caller's mount namespace) before the tmpfs covers it; its /proc path is formatted by hand
  // because the child must not allocate.
  const int dir_fd = open(s.writable_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) childFail(report, kBindWritable);
  char proc_path[32] = "/proc/self/fd/";
  formatInt(proc_path + 14, dir_fd);
  for (size_t i = 0; i < p.hidden.size(); ++i)
    if (mount("tmpfs", p.hidden[i].c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=0755,size=64k") != 0)
      childFail(report, kHideDir, static_cast<int>(i));
  for (const auto& dir : p.mkdirs)
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) childFail(report, kMkdirWritable);
  const char* writable = s.writable_dir.c_str();
  if (mount(proc_path, writable, nullptr, MS_BIND, nullptr) != 0) childFail(report, kBindWritable);
  if (mount(nullptr, writable, nullptr, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            nullptr) != 0)
    childFail(report, kRemountWritable);
  for (size_t i = 0; i < p.hidden.size(); ++i)
    if (mount(nullptr, p.hidden[i].c_str(), nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      childFail(report, kSealHidden, static_cast<int>(i));
  if (chdir("/") != 0) childFail(report, kChdir);

  for (int cap = 0; cap <= p.cap_last; ++cap)
    if ((s.capabilities & capBit(cap)) == 0 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      childFail(report, kDropBounding);
  // Raw syscalls: they change only this thread's credentials, and this is the only thread.
  if (syscall(SYS_setgroups, 0, nullptr) != 0) childFail(report, kSetgroups);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) childFail(report, kKeepCaps);
  const gid_t gid = s.identity.gid;
  const uid_t uid = s.identity.uid;
  if (syscall(SYS_setresgid, gid, gid, gid) != 0) childFail(report, kSetgid);
  if (syscall(SYS_setresuid, uid, uid, uid) != 0) childFail(report, kSetuid);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    const auto word = static_cast<uint32_t>(s.capabilities >> (32 * i));
    data[i].effective = data[i].permitted = data[i].inheritable = word;
  }
  if (syscall(SYS_capset, &header, data) != 0) childFail(report, kCapset);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) childFail(report, kAmbient);
  for (int cap = 0; cap <= p.cap_last; ++cap)
    if ((s.capabilities & capBit(cap)) != 0 &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
      childFail(report, kAmbient);
  const rlimit no_core{0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) childFail(report, kNoCore);

  if (dup2(p.devnull_fd, 0) < 0 || dup2(p.output_w, 1) < 0 || dup2(p.output_w, 2) < 0)
    childFail(report, kStdio);
  // Keep only stdio and the report pipe (moved to fd 3, close-on-exec).
  if (p.report_w != 3 && dup3(p.report_w, 3, O_CLOEXEC) < 0) childFail(report, kCloseFds);
  report = 3;
  if (close_range(4, ~0U, 0) != 0) childFail(report, kCloseFds);
  // Set after the uid change, which would clear it; then make sure the parent did not exit
  // in between, or the signal would never come.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) childFail(report, kDeathSignal);
  if (getppid() != p.parent) _exit(127);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) childFail(report, kNoNewPrivs);
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p.prog) != 0) childFail(report, kSeccomp);
  execve(s.executable.c_str(), p.argv.data(), p.envp.data());
  childFail(report, kExec);
}

bool isUnder(const fs::path& inner, const fs::path& outer) {
  auto rel = inner.lexically_relative(outer);
  return !rel.empty() && rel != "." && *rel.begin() != "..";
}

Result<void> checkDir(const fs::path& dir, const std::string& what) {
  if (!dir.is_absolute())
    return fail(ErrorCode::kInvalidInput, what + " '" + dir.string() + "' is not absolute");
  std::error_code ec;
  const fs::path canonical = fs::canonical(dir, ec);
  if (ec) return failErrno(ec.value(), what + " '" + dir.string() + "'");
  if (canonical != dir.lexically_normal())
    return fail(ErrorCode::kInvalidInput,
                what + " '" + dir.string() + "' is not canonical " + "(symlink or dot components)");
  if (!fs::is_directory(canonical, ec))
    return fail(ErrorCode::kInvalidInput, what + " '" + dir.string() + "' is not a directory");
  return {};
}

Result<void> validate(const ConfinementSpec& s) {
  if (!s.executable.is_absolute() || s.argv.empty())
    return fail(ErrorCode::kInvalidInput, "confined program needs an absolute path and argv[0]");
  if (s.identity.uid == 0 || s.identity.gid == 0)
    return fail(ErrorCode::kInvalidInput, "confined program must not run as uid or gid 0");
  if (s.seccomp == nullptr || s.seccomp->instructions.empty())
    return fail(ErrorCode::kInvalidInput, "confined program needs a seccomp program");
  TRY(checkDir(s.writable_dir, "writable directory"));
  for (const auto& h : s.hidden_dirs) {
    TRY(checkDir(h, "hidden directory"));
    if (h.lexically_normal() == s.writable_dir.lexically_normal() || isUnder(h, s.writable_dir))
      return fail(ErrorCode::kInvalidInput,
                  "hidden directory '" + h.string() + "' would hide the writable directory");
    for (const auto& other : s.hidden_dirs)
      if (isUnder(h, other))
        return fail(ErrorCode::kInvalidInput,
                    "hidden directories '" + h.string() + "' and '" + other.string() + "' nest");
  }
  return {};
}

int readCapLast() {
  char buf[16] = {};
  UniqueFd fd(open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC));
  if (!fd || read(fd.get(), buf, sizeof buf - 1) <= 0) return CAP_LAST_CAP;
  return std::atoi(buf);
}

}  // namespace

Result<ConfinedProcess> spawnConfined(const ConfinementSpec& spec) {
  TRY(validate(spec));

  UniqueFd netns(open(spec.netns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns) return failErrno("opening network namespace '" + spec.netns.string() + "'");
  if (ioctl(netns.get(), NS_GET_NSTYPE) != CLONE_NEWNET)
    return fail(ErrorCode::kInvalidInput,
                "'" + spec.netns.string() + "' is not a network namespace");
  UniqueFd devnull(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull) return failErrno("opening /dev/null");

  int out[2], report[2];
  if (pipe2(out, O_CLOEXEC) != 0) return failErrno("creating the output pipe");
  UniqueFd out_r(out[0]), out_w(out[1]);
  // The child never blocks on a slow reader: a full pipe drops log lines rather than stall
  // charon's threads inside its logger.
  if (fcntl(out_w.get(), F_SETFL, O_NONBLOCK) != 0) return failErrno("setting O_NONBLOCK");
  fcntl(out_w.get(), F_SETPIPE_SZ, 1 << 20);  // best effort; the default 64 KiB also works
  if (pipe2(report, O_CLOEXEC) != 0) return failErrno("creating the report pipe");
  UniqueFd report_r(report[0]), report_w(report[1]);

  Plan plan;
  plan.spec = &spec;
  plan.netns_fd = netns.get();
  plan.devnull_fd = devnull.get();
  plan.output_w = out_w.get();
  plan.report_w = report_w.get();
  plan.parent = getpid();
  plan.cap_last = readCapLast();
  for (const auto& h : spec.hidden_dirs) {
    plan.hidden.push_back(h.lexically_normal().string());
    if (!isUnder(spec.writable_dir, h)) continue;
    fs::path cur = h.lexically_normal();
    for (const auto& part : spec.writable_dir.lexically_normal().lexically_relative(cur)) {
      cur /= part;
      plan.mkdirs.push_back(cur.string());
    }
  }
  plan.argv_store = spec.argv;
  plan.env_store = spec.env;
  for (auto& a : plan.argv_store) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env_store) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.prog.len = static_cast<unsigned short>(spec.seccomp->instructions.size());
  plan.prog.filter = const_cast<sock_filter*>(spec.seccomp->instructions.data());

  const pid_t pid = fork();
  if (pid < 0) return failErrno("forking the confined process");
  if (pid == 0) runChild(plan);

  // Until execve succeeds the child holds the only other copy of report_w; EOF means exec.
  report_w.reset();
  out_w.reset();
  ChildReport r{};
  ssize_t n;
  do {
    n = read(report_r.get(), &r, sizeof r);
  } while (n < 0 && errno == EINTR);
  if (n != 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (n != static_cast<ssize_t>(sizeof r) || r.step < 0 || r.step >= kStepCount)
      return fail(ErrorCode::kSystem, "confined process died before exec");
    std::string what = kStepNames[static_cast<size_t>(r.step)];
    if (r.step == kHideDir || r.step == kSealHidden)
      what += " (" + plan.hidden.at(static_cast<size_t>(r.detail)) + ")";
    if (r.step == kExec) what += " " + spec.executable.string();
    return failErrno(r.err, "confining " + spec.executable.filename().string() + ": " + what);
  }

  UniqueFd pidfd(pidfdOpen(pid));
  if (!pidfd) {
    const int err = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return failErrno(err, "pidfd_open for the confined process");
  }
  return ConfinedProcess{pid, std::move(pidfd), std::move(out_r)};
}

}  // namespace rempart::gateway::charon
