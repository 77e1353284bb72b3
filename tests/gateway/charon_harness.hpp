// Harness for tests that run real, confined charon-systemd: a gateway-like directory layout,
// one supervisor per level driven on a test io_context, and small probes (raw VICI version,
// links in a namespace). Everything it creates is removed when the Gateway goes away.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
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
#include "test_support.hpp"

namespace charon_test {

using namespace rempart;
using namespace rempart::gateway::charon;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline int pidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}
inline int pidfdSignal(int fd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0));
}

// Runs the loop until `done` holds; the bound only keeps a broken build from hanging CI.
inline bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done,
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
  std::function<void()> on_exit_hook;  // runs inside the supervisor's on_exit callback
};

// A gateway-like layout: <base>/run/levels/<level>/charon (charon runtime dirs) and
// <base>/state/keystore/<level>/ (secrets); <base>/run and <base>/state are hidden from every
// charon, which gets only its own runtime dir back.
class Gateway {
 public:
  Gateway() {
    fs::create_directories(levels_dir());
    fs::create_directories(state_dir() / "keystore");
  }
  fs::path base() const { return dir_.path(); }
  // Like rempartd's layout: <run>/levels/<level>/charon, with all of <run> hidden.
  fs::path run_dir() const { return dir_.path() / "run"; }
  fs::path levels_dir() const { return run_dir() / "levels"; }
  fs::path state_dir() const { return dir_.path() / "state"; }

  LevelUnderTest& addLevel(const std::string& name, size_t index,
                           const fs::path& executable = "/usr/sbin/charon-systemd",
                           config::Dataplane dataplane = config::Dataplane::kLibipsec,
                           const std::function<void(SupervisorOptions&)>& tweak = {}) {
    auto ns = std::make_unique<test::ScopedNetns>(test::uniqueName("rpch" + name));
    REQUIRE(ns->ok());
    auto key_dir = state_dir() / "keystore" / name;
    fs::create_directories(key_dir);
    std::ofstream(key_dir / "psk") << "not-a-real-secret";

    auto level = std::make_unique<LevelUnderTest>();
    auto identity = levelIdentity(kDefaultUidBase, index);
    REQUIRE(identity);
    level->identity = *identity;
    fs::create_directories(levels_dir() / name);
    level->runtime_dir = levels_dir() / name / "charon";
    level->netns = ns->name();
    SupervisorOptions options;
    options.level = name;
    options.dataplane = dataplane;
    options.netns = ns->path();
    options.runtime_dir = level->runtime_dir;
    options.hidden_dirs = {run_dir(), state_dir()};
    options.identity = *identity;
    options.executable = executable;
    options.backoff_initial = 200ms;
    options.backoff_max = 2000ms;
    if (tweak) tweak(options);
    LevelUnderTest* l = level.get();
    CharonSupervisor::Callbacks callbacks{
        .on_ready = [l](const CharonReady& r) { l->ready.push_back(r); },
        .on_exit =
            [l](const CharonExit& e) {
              l->exits.push_back(e);
              if (l->on_exit_hook) l->on_exit_hook();
            },
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
  test::ScopedTempDir dir_{"rpch"};
  // Declared after io and before levels_: supervisors (which kill charon) go first, then the
  // namespaces, then the directory.
  std::vector<std::unique_ptr<test::ScopedNetns>> netns_;
  std::vector<std::unique_ptr<LevelUnderTest>> levels_;

 public:
  ~Gateway() { levels_.clear(); }
};

// A minimal VICI "version" request (4-byte BE length, CMD_REQUEST=0, name length, name);
// returns the reply's key/value pairs, or nullopt when there was no well-formed CMD_RESPONSE.
inline std::optional<std::map<std::string, std::string>> viciVersion(const fs::path& socket_path) {
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

inline uint64_t hexMask(const std::string& s) {
  return std::stoull(s, nullptr, 16);
}

inline bool sameFile(const fs::path& a, const fs::path& b) {
  struct stat sa {
  }, sb{};
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

inline bool linkExists(const std::string& netns, const std::string& link) {
  auto r = test::runCommand({"ip", "-n", netns, "-j", "link", "show", "dev", link});
  return r.status == 0 && r.out.find("\"ifname\":\"" + link + "\"") != std::string::npos;
}

}  // namespace charon_test
