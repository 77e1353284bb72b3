// Real charon-systemd, confined, in namespaces this test creates. Each case checks what the
// kernel reports about the running process (/proc/<pid>/status, namespaces, mounts as seen by
// the process) and talks VICI to it by hand.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "charon_harness.hpp"

using namespace charon_test;

namespace {

void checkConfined(const LevelUnderTest& l, pid_t pid) {
  INFO("charon pid " << pid);
  auto status = test::procStatus(pid);
  REQUIRE(status.count("CapEff"));
  CHECK(hexMask(status["CapEff"]) == runningCapabilities());
  CHECK(hexMask(status["CapEff"]) == 0x1000);  // CAP_NET_ADMIN, and nothing else
  CHECK(hexMask(status["CapPrm"]) == 0x1000);
  CHECK((hexMask(status["CapBnd"]) & ~launchCapabilities()) == 0);
  CHECK(status["NoNewPrivs"] == "1");
  CHECK(status["Seccomp"] == "2");
  const std::string id = std::to_string(l.identity.uid);
  CHECK(status["Uid"] == id + "\t" + id + "\t" + id + "\t" + id);
  const std::string gid = std::to_string(l.identity.gid);
  CHECK(status["Gid"] == gid + "\t" + gid + "\t" + gid + "\t" + gid);
  CHECK(status["Groups"].empty());
  CHECK(l.identity.uid != 0);
  // Its network namespace is the level's, not the test's.
  const fs::path ns = "/proc/" + std::to_string(pid) + "/ns/net";
  CHECK(sameFile(ns, "/run/netns/" + l.netns));
  CHECK_FALSE(sameFile(ns, "/proc/self/ns/net"));
  // And it has a mount namespace of its own.
  CHECK_FALSE(sameFile("/proc/" + std::to_string(pid) + "/ns/mnt", "/proc/self/ns/mnt"));
}

// What a process sees and may do inside charon's own mount namespace, with charon's uid and
// gid: forks, joins the mount namespace of `pid`, takes the level's credentials, tries `path`.
// Returns 0 when open() succeeded, else its errno.
int openAsCharon(pid_t pid, const LevelIdentity& id, const fs::path& path, int flags) {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  const pid_t child = fork();
  if (child == 0) {
    int result = -1;
    const int pfd = pidfdOpen(pid);
    if (pfd >= 0 && setns(pfd, CLONE_NEWNS) == 0 && setgroups(0, nullptr) == 0 &&
        setresgid(id.gid, id.gid, id.gid) == 0 && setresuid(id.uid, id.uid, id.uid) == 0) {
      const int fd = open(path.c_str(), flags | O_CLOEXEC, 0600);
      result = fd >= 0 ? 0 : errno;
    }
    [[maybe_unused]] ssize_t n = write(fds[1], &result, sizeof result);
    _exit(0);
  }
  close(fds[1]);
  int result = -2;
  [[maybe_unused]] ssize_t n = read(fds[0], &result, sizeof result);
  close(fds[0]);
  waitpid(child, nullptr, 0);
  return result;
}

}  // namespace

TEST_CASE(
    "confined charon signals READY with only CAP_NET_ADMIN, no_new_privs, seccomp, its "
    "own uid and its level's namespace",
    "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0);
  gw.startAndWaitReady(a);
  REQUIRE(a.ready.size() == 1);
  CHECK(a.ready[0].generation == 1);
  const pid_t pid = a.ready[0].pid;
  CHECK(pid == a.supervisor->pid());
  CHECK(a.supervisor->state() == CharonSupervisor::State::kRunning);
  checkConfined(a, pid);

  // kernel-libipsec opened /dev/net/tun through the read-only root and made ipsec0 in the
  // level's namespace only.
  CHECK(linkExists(a.netns, "ipsec0"));
  CHECK_FALSE(test::runCommand({"ip", "-j", "link", "show", "dev", "ipsec0"}).status == 0);

  // The VICI socket is in the level's runtime dir, owned by the level, and answers.
  struct stat st {};
  REQUIRE(stat(a.supervisor->paths().vici().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK(st.st_uid == a.identity.uid);
  auto version = viciVersion(a.supervisor->paths().vici());
  REQUIRE(version);
  CHECK((*version)["daemon"] == "charon-systemd");
  CHECK((*version)["version"].rfind("5.", 0) == 0);
  CHECK(stat(a.supervisor->paths().errorNotify().c_str(), &st) == 0);

  // charon logs through the pipe: the start-up lines arrived, none about failed plugins.
  bool dropped = false, failed_plugin = false;
  for (const auto& line : a.log) {
    if (line.find("dropped capabilities") != std::string::npos) dropped = true;
    if (line.find("failed to load") != std::string::npos) failed_plugin = true;
  }
  CHECK(dropped);
  CHECK_FALSE(failed_plugin);
}

TEST_CASE(
    "a level's charon cannot see another level's runtime directory or keys, and its "
    "root is read-only",
    "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0);
  auto& b = gw.addLevel("b", 1);
  gw.startAndWaitReady(a);
  gw.startAndWaitReady(b);
  const pid_t pa = a.ready.at(0).pid;
  const pid_t pb = b.ready.at(0).pid;
  checkConfined(a, pa);
  checkConfined(b, pb);
  CHECK(a.identity.uid != b.identity.uid);

  // From outside, b's directory and socket and a's keys exist: the checks below can fail.
  const fs::path b_dir = b.runtime_dir;
  const fs::path b_vici = b.supervisor->paths().vici();
  const fs::path b_keys = gw.state_dir() / "keystore" / "b" / "psk";
  const fs::path a_keys = gw.state_dir() / "keystore" / "a" / "psk";
  REQUIRE(fs::exists(b_vici));
  REQUIRE(fs::exists(b_keys));

  // Inside a's mount namespace, as a's uid: own dir usable, b's dir, socket and every key
  // absent, the root read-only.
  CHECK(openAsCharon(pa, a.identity, a.runtime_dir, O_RDONLY | O_DIRECTORY) == 0);
  CHECK(openAsCharon(pa, a.identity, a.runtime_dir / "probe", O_WRONLY | O_CREAT) == 0);
  CHECK(openAsCharon(pa, a.identity, b_dir, O_RDONLY | O_DIRECTORY) == ENOENT);
  CHECK(openAsCharon(pa, a.identity, b_vici, O_RDONLY) == ENOENT);
  CHECK(openAsCharon(pa, a.identity, b_keys, O_RDONLY) == ENOENT);
  CHECK(openAsCharon(pa, a.identity, a_keys, O_RDONLY) == ENOENT);
  CHECK(openAsCharon(pa, a.identity, "/etc/rempart-probe", O_WRONLY | O_CREAT) == EROFS);
  CHECK(openAsCharon(pa, a.identity, "/tmp/rempart-probe", O_WRONLY | O_CREAT) == EROFS);
  CHECK(openAsCharon(pa, a.identity, gw.levels_dir() / "c", O_WRONLY | O_CREAT) == EROFS);
  CHECK(openAsCharon(pa, a.identity, b_dir.parent_path(), O_RDONLY | O_DIRECTORY) == ENOENT);
  // And symmetrically for b.
  CHECK(openAsCharon(pb, b.identity, a.runtime_dir, O_RDONLY | O_DIRECTORY) == ENOENT);
  CHECK(openAsCharon(pb, b.identity, b_dir, O_RDONLY | O_DIRECTORY) == 0);

  // The same through the kernel's view of charon's root.
  const fs::path a_root = "/proc/" + std::to_string(pa) + "/root";
  CHECK(fs::exists(a_root / a.runtime_dir.relative_path()));
  CHECK_FALSE(fs::exists(a_root / b_dir.relative_path()));
  CHECK_FALSE(fs::exists(a_root / b_keys.relative_path()));

  // Without the mount namespace, b's directory would still be closed to a's uid.
  struct stat st {};
  REQUIRE(stat(b_dir.c_str(), &st) == 0);
  CHECK(st.st_uid == b.identity.uid);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE(
    "kill -9 of charon: the supervisor restarts it with backoff, confined, and it signals "
    "READY again",
    "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0);
  gw.startAndWaitReady(a);
  const pid_t first = a.ready.at(0).pid;

  REQUIRE(kill(first, SIGKILL) == 0);
  REQUIRE(runUntil(gw.io, [&] { return a.ready.size() == 2; }));
  REQUIRE(a.exits.size() == 1);
  CHECK(a.exits[0].pid == first);
  CHECK(a.exits[0].signaled);
  CHECK(a.exits[0].status == SIGKILL);
  CHECK(a.exits[0].restarting);
  CHECK(a.exits[0].restart_in == 200ms);
  CHECK(a.ready[1].generation == 2);
  const pid_t second = a.ready[1].pid;
  CHECK(second != first);
  CHECK(a.supervisor->pid() == second);
  checkConfined(a, second);
  CHECK(linkExists(a.netns, "ipsec0"));
  auto version = viciVersion(a.supervisor->paths().vici());
  REQUIRE(version);
  CHECK((*version)["daemon"] == "charon-systemd");

  // A second crash doubles the delay.
  REQUIRE(kill(second, SIGKILL) == 0);
  REQUIRE(runUntil(gw.io, [&] { return a.ready.size() == 3; }));
  REQUIRE(a.exits.size() == 2);
  CHECK(a.exits[1].restart_in == 400ms);
  CHECK(a.ready[2].generation == 3);
}

TEST_CASE("stopping charon with SIGTERM leaves no process, file, socket or TUN device behind",
          "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0);
  gw.startAndWaitReady(a);
  const pid_t pid = a.ready.at(0).pid;
  UniqueFd pidfd(pidfdOpen(pid));
  REQUIRE(pidfd);
  REQUIRE(linkExists(a.netns, "ipsec0"));
  REQUIRE(fs::exists(a.runtime_dir));

  bool stopped = false;
  a.supervisor->stop([&] { stopped = true; });
  REQUIRE(runUntil(gw.io, [&] { return stopped; }));
  CHECK(a.supervisor->state() == CharonSupervisor::State::kStopped);
  CHECK(a.supervisor->pid() == -1);
  REQUIRE(a.exits.size() == 1);
  CHECK_FALSE(a.exits[0].signaled);  // orderly exit on SIGTERM, no SIGKILL needed
  CHECK_FALSE(a.exits[0].restarting);
  CHECK(pidfdSignal(pidfd.get(), 0) == -1);
  CHECK(errno == ESRCH);
  CHECK_FALSE(fs::exists(a.runtime_dir));
  CHECK_FALSE(linkExists(a.netns, "ipsec0"));
  CHECK(a.ready.size() == 1);  // and no restart happened

  // Run the loop a little longer: still no restart.
  gw.io.restart();
  gw.io.run_for(500ms);
  CHECK(a.ready.size() == 1);
  CHECK(a.supervisor->pid() == -1);
}

TEST_CASE("a start that fails in the confined child names the failing step and is retried",
          "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0, "/usr/sbin/rempart-no-such-charon");
  a.supervisor->start();
  REQUIRE(runUntil(gw.io, [&] { return a.failures.size() >= 2; }));
  CHECK(a.failures[0].find("executing /usr/sbin/rempart-no-such-charon") != std::string::npos);
  CHECK(a.failures[0].find("No such file or directory") != std::string::npos);
  CHECK(a.ready.empty());
  bool stopped = false;
  a.supervisor->stop([&] { stopped = true; });
  REQUIRE(runUntil(gw.io, [&] { return stopped; }));
  CHECK_FALSE(fs::exists(a.runtime_dir));
}

TEST_CASE("with the kernel dataplane, confined charon starts without kernel-libipsec",
          "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0, "/usr/sbin/charon-systemd", config::Dataplane::kKernel);
  gw.startAndWaitReady(a);
  checkConfined(a, a.ready.at(0).pid);
  CHECK_FALSE(linkExists(a.netns, "ipsec0"));
  auto version = viciVersion(a.supervisor->paths().vici());
  REQUIRE(version);
  CHECK((*version)["daemon"] == "charon-systemd");
  bool netlink_loaded = false;
  for (const auto& line : a.log) {
    if (line.find("loaded plugins:") == std::string::npos) continue;
    netlink_loaded = line.find("kernel-netlink") != std::string::npos;
    CHECK(line.find("kernel-libipsec") == std::string::npos);
  }
  CHECK(netlink_loaded);
}

TEST_CASE("a confined program making a forbidden syscall is killed by seccomp and restarted",
          "[netns][charon]") {
  Gateway gw;
  // util-linux unshare(1) calls unshare(2) before anything else: a syscall the policy kills.
  auto& a = gw.addLevel("a", 0, "/usr/bin/unshare");
  a.supervisor->start();
  REQUIRE(runUntil(gw.io, [&] { return a.exits.size() >= 2; }));
  CHECK(a.ready.empty());
  CHECK(a.exits[0].signaled);
  CHECK(a.exits[0].status == SIGSYS);
  CHECK(a.exits[0].describe().find("signal 31") != std::string::npos);
  CHECK(a.exits[0].restarting);
  CHECK(a.exits[1].generation == 2);
  CHECK(a.exits[1].restart_in == 2 * a.exits[0].restart_in);
}

TEST_CASE("a program that never signals READY is killed after the ready timeout and restarted",
          "[netns][charon]") {
  Gateway gw;
  auto& a = gw.addLevel("a", 0, REMPART_TEST_HANG_BIN, config::Dataplane::kLibipsec,
                        [](SupervisorOptions& o) { o.ready_timeout = 300ms; });
  a.supervisor->start();
  REQUIRE(runUntil(gw.io, [&] { return a.exits.size() >= 1 && a.failures.size() >= 1; }));
  CHECK(a.ready.empty());
  CHECK(a.failures[0].find("no READY=1 within 300 ms") != std::string::npos);
  CHECK(a.exits[0].signaled);
  CHECK(a.exits[0].status == SIGKILL);
  CHECK(a.exits[0].restarting);
  REQUIRE_FALSE(a.log.empty());
  CHECK(a.log[0] == "hang helper started");
  bool stopped = false;
  a.supervisor->stop([&] { stopped = true; });
  REQUIRE(runUntil(gw.io, [&] { return stopped; }));
}
