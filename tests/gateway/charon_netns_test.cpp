// Real charon-systemd, confined, in namespaces this test creates. Each case checks what the
// kernel reports about the running process (/proc/<pid>/status, namespaces, mounts as seen by
// the process) and talks VICI to it by hand.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

#include "common/unique_fd.hpp"
#include "gateway/charon/supervisor.hpp"
#include "netns_fixture.hpp"

using namespace rempart;
using namespace rempart::gateway::charon;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

int pidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}
int pidfdSignal(int fd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0));
}

// Runs the loop until `done` holds; the bound only keeps a broken build from hanging CI.
bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done,
              std::chrono::seconds bound = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(100ms);
  }
  return true;
}

struct LevelUnderTest {
  std::unique_ptr<CharonSupervisor> supervisor;
  std::vector<CharonReady> ready;
  std::vector<CharonExit> exits;
  std::vector<std::string> failures;
  std::vector<std::string> log;
  LevelIdentity identity;
  fs::path runtime_dir;
  std::string netns;
};

// A gateway-like layout: <base>/levels/<level> (charon runtime dirs) and
// <base>/state/keystore/<level>/ (secrets), both hidden from every charon.
class Gateway {
 public:
  Gateway() {
    fs::create_directories(levels_dir());
    fs::create_directories(state_dir() / "keystore");
  }
  fs::path levels_dir() const { return dir_.path() / "levels"; }
  fs::path state_dir() const { return dir_.path() / "state"; }

  LevelUnderTest& addLevel(const std::string& name, size_t index,
                           const fs::path& executable = "/usr/sbin/charon-systemd") {
    auto ns = std::make_unique<test::ScopedNetns>(test::uniqueName("rpch" + name));
    REQUIRE(ns->ok());
    auto key_dir = state_dir() / "keystore" / name;
    fs::create_directories(key_dir);
    std::ofstream(key_dir / "psk") << "not-a-real-secret";

    auto level = std::make_unique<LevelUnderTest>();
    auto identity = levelIdentity(kDefaultUidBase, index);
    REQUIRE(identity);
    level->identity = *identity;
    level->runtime_dir = levels_dir() / name;
    level->netns = ns->name();
    SupervisorOptions options;
    options.level = name;
    options.dataplane = config::Dataplane::kLibipsec;
    options.netns = ns->path();
    options.runtime_dir = level->runtime_dir;
    options.hidden_dirs = {levels_dir(), state_dir()};
    options.identity = *identity;
    options.executable = executable;
    options.backoff_initial = 200ms;
    options.backoff_max = 2000ms;
    LevelUnderTest* l = level.get();
    CharonSupervisor::Callbacks callbacks{
        .on_ready = [l](const CharonReady& r) { l->ready.push_back(r); },
        .on_exit = [l](const CharonExit& e) { l->exits.push_back(e); },
        .on_start_failed = [l](const Error& e) { l->failures.push_back(e.message()); },
        .on_log = [l](std::string_view line) { l->log.emplace_back(line); },
    };
    auto sup = CharonSupervisor::create(io, options, callbacks);
    REQUIRE(sup);
    level->supervisor = std::move(*sup);
    netns_.push_back(std::move(ns));
    levels_.push_back(std::move(level));
    return *levels_.back();
  }

  void startAndWaitReady(LevelUnderTest& l) {
    const size_t before = l.ready.size();
    l.supervisor->start();
    const bool ready = runUntil(io, [&] { return l.ready.size() > before; });
    if (!ready) {
      for (const auto& f : l.failures) UNSCOPED_INFO("start failure: " << f);
      for (const auto& line : l.log) UNSCOPED_INFO("charon: " << line);
    }
    REQUIRE(ready);
  }

  boost::asio::io_context io;

 private:
  test::ScopedDir dir_{"rpch"};
  // Declared after io and before levels_: supervisors (which kill charon) go first, then the
  // namespaces, then the directory.
  std::vector<std::unique_ptr<test::ScopedNetns>> netns_;
  std::vector<std::unique_ptr<LevelUnderTest>> levels_;

 public:
  ~Gateway() { levels_.clear(); }
};

// A minimal VICI "version" request (4-byte BE length, CMD_REQUEST=0, name length, name);
// returns the reply's key/value pairs, or nullopt when there was no well-formed CMD_RESPONSE.
std::optional<std::map<std::string, std::string>> viciVersion(const fs::path& socket_path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  const timeval tv{5, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  const std::string name = "version";
  std::string payload = std::string(1, '\0') + static_cast<char>(name.size()) + name;
  const uint32_t len = htonl(static_cast<uint32_t>(payload.size()));
  std::string frame(reinterpret_cast<const char*>(&len), 4);
  frame += payload;
  if (write(fd.get(), frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) return {};
  auto readAll = [&](void* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = read(fd.get(), static_cast<char*>(buf) + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  };
  uint32_t reply_len = 0;
  if (!readAll(&reply_len, 4)) return {};
  reply_len = ntohl(reply_len);
  if (reply_len == 0 || reply_len > 512 * 1024) return {};
  std::string reply(reply_len, '\0');
  if (!readAll(reply.data(), reply_len) || reply[0] != 1) return {};  // CMD_RESPONSE
  std::map<std::string, std::string> kv;
  size_t i = 1;
  while (i < reply.size()) {
    if (reply[i] != 3 || i + 2 > reply.size()) return {};  // only KEY_VALUE in this reply
    const auto klen = static_cast<uint8_t>(reply[i + 1]);
    if (i + 2 + klen + 2 > reply.size()) return {};
    std::string key = reply.substr(i + 2, klen);
    const size_t vpos = i + 2 + klen;
    const size_t vlen =
        (static_cast<uint8_t>(reply[vpos]) << 8) | static_cast<uint8_t>(reply[vpos + 1]);
    if (vpos + 2 + vlen > reply.size()) return {};
    kv[key] = reply.substr(vpos + 2, vlen);
    i = vpos + 2 + vlen;
  }
  return kv;
}

uint64_t hexMask(const std::string& s) {
  return std::stoull(s, nullptr, 16);
}

bool sameFile(const fs::path& a, const fs::path& b) {
  struct stat sa {
  }, sb{};
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool linkExists(const std::string& netns, const std::string& link) {
  auto r = test::runCommand({"ip", "-n", netns, "-j", "link", "show", "dev", link});
  return r.status == 0 && r.out.find("\"ifname\":\"" + link + "\"") != std::string::npos;
}

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
