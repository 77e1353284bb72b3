// Keeps one level's charon-systemd running, confined, on rempartd's io_context: it writes the
// level's strongswan.conf, spawns charon (launcher.hpp), learns readiness from a NOTIFY_SOCKET
// it owns, forwards charon's log lines, watches the process through its pidfd, restarts it with
// exponential backoff when it dies, and stops it with SIGTERM then SIGKILL.
//
// Threading: create(), start(), stop(), the accessors and the destructor run on the io_context
// thread; callbacks are invoked there too, never from inside start() or stop().
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "gateway/charon/confinement.hpp"
#include "gateway/charon/settings.hpp"

namespace rempart::gateway::charon {

struct SupervisorOptions {
  std::string level;
  config::Dataplane dataplane = config::Dataplane::kLibipsec;
  std::filesystem::path netns;  // the level's namespace, e.g. <runtime>/netns/<level>
  // charon's own directory (vici, error-notify and notify sockets, strongswan.conf). Created
  // if missing, owned by `identity`, mode 0700; its parent must exist. Removed on stop().
  std::filesystem::path runtime_dir;
  // Covered by an empty tmpfs in charon's mount namespace: at least the directory holding all
  // levels' runtime dirs and the keystore. runtime_dir may lie below one of them.
  std::vector<std::filesystem::path> hidden_dirs;
  LevelIdentity identity;  // from levelIdentity()
  std::filesystem::path executable = "/usr/sbin/charon-systemd";
  int log_level = 1;
  std::chrono::milliseconds ready_timeout{10000};
  std::chrono::milliseconds stop_timeout{5000};
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{10000};
  // A charon that ran this long after READY resets the backoff to backoff_initial.
  std::chrono::milliseconds stable_after{30000};
};

// charon is up and its VICI socket answers. All VICI state is gone after a restart: the
// caller pushes every connection and secret again on each call.
struct CharonReady {
  uint64_t generation = 0;  // 1 for the first start, +1 per (re)start
  pid_t pid = -1;
};

struct CharonExit {
  uint64_t generation = 0;
  pid_t pid = -1;
  bool signaled = false;
  int status = 0;  // exit code, or the signal number when `signaled`
  bool restarting = false;
  std::chrono::milliseconds restart_in{0};
  std::string describe() const;  // "killed by signal 9 (Killed)", "exited with status 66"
};

class CharonSupervisor {
 public:
  struct Callbacks {
    std::function<void(const CharonReady&)> on_ready;
    std::function<void(const CharonExit&)> on_exit;
    // A start attempt failed (spawn error, or no READY within ready_timeout); it is retried
    // with backoff.
    std::function<void(const Error&)> on_start_failed;
    // One line of charon's log (at most 4 KiB; longer lines are cut). Untrusted text.
    std::function<void(std::string_view)> on_log;
  };

  enum class State { kStopped, kStarting, kRunning, kBackoff, kStopping };

  // Validates the options, renders the settings and compiles the seccomp filter; starts
  // nothing. Fails with kInvalidInput on bad options.
  [[nodiscard]] static Result<std::unique_ptr<CharonSupervisor>> create(boost::asio::io_context& io,
                                                                        SupervisorOptions options,
                                                                        Callbacks callbacks);

  // Kills (SIGKILL) and reaps a running charon synchronously and removes its files.
  ~CharonSupervisor();
  CharonSupervisor(const CharonSupervisor&) = delete;
  CharonSupervisor& operator=(const CharonSupervisor&) = delete;

  // From kStopped: launches charon now. No effect in other states.
  void start();
  // SIGTERM, then SIGKILL after stop_timeout; no restart. `done` runs once charon is reaped
  // and its files are removed (at once, posted, when nothing runs).
  void stop(std::function<void()> done);

  State state() const { return state_; }
  pid_t pid() const;  // -1 when no charon runs
  uint64_t generation() const { return generation_; }
  const CharonPaths& paths() const { return paths_; }

 private:
  struct Run;
  CharonSupervisor(boost::asio::io_context& io, SupervisorOptions options, Callbacks callbacks);

  void launch();
  Result<void> prepareRuntimeDir();
  void armExitWatch();
  void armNotify();
  void armOutput();
  void onNotifyReadable();
  void onExited();
  void onReadyTimeout();
  void scheduleRestart();
  void drainOutput(bool final);
  void removeFiles();
  void finishStop();

  boost::asio::io_context& io_;
  SupervisorOptions options_;
  Callbacks callbacks_;
  CharonPaths paths_;
  std::string conf_text_;
  SeccompProgram seccomp_;
  State state_ = State::kStopped;
  uint64_t generation_ = 0;
  std::chrono::milliseconds backoff_;
  std::unique_ptr<Run> run_;
  std::unique_ptr<boost::asio::steady_timer> restart_timer_;
  std::vector<std::function<void()>> stop_waiters_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // handlers hold weak copies
};

}  // namespace rempart::gateway::charon
