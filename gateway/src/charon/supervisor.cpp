#include "gateway/charon/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "common/atomic_file.hpp"
#include "common/unique_fd.hpp"
#include "gateway/charon/launcher.hpp"
#include "pidfd.hpp"

namespace rempart::gateway::charon {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;
using Clock = std::chrono::steady_clock;

namespace {
constexpr size_t kMaxLogLine = 4096;
constexpr size_t kMaxNotifyMessage = 4096;
}  // namespace

// One charon process and what watches it. Descriptors own their fds.
struct CharonSupervisor::Run {
  explicit Run(asio::io_context& io) : pidfd(io), notify(io), output(io), ready_timer(io) {}
  pid_t pid = -1;
  uint64_t generation = 0;
  bool ready = false;
  bool reaped = false;
  Clock::time_point ready_at;
  Descriptor pidfd, notify, output;
  asio::steady_timer ready_timer;
  std::unique_ptr<asio::steady_timer> kill_timer;
  std::string partial;  // incomplete log line
  std::array<char, 8192> buffer;
};

std::string CharonExit::describe() const {
  if (signaled)
    return "killed by signal " + std::to_string(status) + " (" + strsignal(status) + ")";
  return "exited with status " + std::to_string(status);
}

CharonSupervisor::CharonSupervisor(asio::io_context& io, SupervisorOptions options,
                                   Callbacks callbacks)
    : io_(io),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      backoff_(options_.backoff_initial) {}

Result<std::unique_ptr<CharonSupervisor>> CharonSupervisor::create(asio::io_context& io,
                                                                   SupervisorOptions options,
                                                                   Callbacks callbacks) {
  if (options.identity.uid == 0 || options.identity.gid == 0)
    return fail(ErrorCode::kInvalidInput, "charon for level " + options.level + " as uid 0");
  if (!options.runtime_dir.is_absolute() || !options.netns.is_absolute() ||
      !options.executable.is_absolute())
    return fail(ErrorCode::kInvalidInput,
                "charon for level " + options.level + ": paths must be absolute");
  if (options.backoff_initial.count() <= 0 || options.backoff_max < options.backoff_initial)
    return fail(ErrorCode::kInvalidInput, "charon restart backoff: 0 < initial <= max");
  auto settings = defaultSettings(options.level, options.dataplane, options.runtime_dir);
  settings.log_level = options.log_level;
  std::string text = TRY(renderStrongswanConf(settings));
  SeccompProgram program = TRY(compileSeccomp(charonSeccompPolicy()));
  std::unique_ptr<CharonSupervisor> s(
      new CharonSupervisor(io, std::move(options), std::move(callbacks)));
  s->paths_ = settings.paths;
  s->conf_text_ = std::move(text);
  s->seccomp_ = std::move(program);
  return s;
}

CharonSupervisor::~CharonSupervisor() {
  alive_.reset();
  if (run_ && !run_->reaped) {
    const int fd = run_->pidfd.native_handle();
    pidfdSignal(fd, SIGKILL);
    // Asio made the pidfd non-blocking, and waitid on a non-blocking pidfd returns EAGAIN
    // until the process is gone: wait for readability first.
    pollfd pfd{fd, POLLIN, 0};
    while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
    }
    siginfo_t info{};
    waitid(P_PIDFD, static_cast<id_t>(fd), &info, WEXITED);
  }
  run_.reset();
  if (state_ != State::kStopped) removeFiles();
}

pid_t CharonSupervisor::pid() const {
  return run_ && !run_->reaped ? run_->pid : -1;
}

void CharonSupervisor::start() {
  if (state_ != State::kStopped) return;
  backoff_ = options_.backoff_initial;
  launch();
}

Result<void> CharonSupervisor::prepareRuntimeDir() {
  const auto& dir = paths_.runtime_dir;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return failErrno("creating " + dir.string());
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return failErrno("opening " + dir.string());
  if (fchown(fd.get(), options_.identity.uid, options_.identity.gid) != 0 ||
      fchmod(fd.get(), 0700) != 0)
    return failErrno("handing " + dir.string() + " to uid " +
                     std::to_string(options_.identity.uid));
  // Stale sockets from a previous run: charon unlinks its own, but not the notify socket.
  for (const auto& p : {paths_.vici(), paths_.errorNotify(), paths_.notify()}) unlink(p.c_str());
  TRY(writeFileAtomic(paths_.conf(), conf_text_, 0644));
  return {};
}

void CharonSupervisor::launch() {
  auto fail_start = [this](const Error& e) {
    run_.reset();
    if (callbacks_.on_start_failed) callbacks_.on_start_failed(e);
    scheduleRestart();
  };
  ++generation_;
  state_ = State::kStarting;
  if (auto r = prepareRuntimeDir(); !r) return fail_start(r.error());

  // The notify socket: a datagram socket charon may write to (owned by its uid, mode 0600);
  // SO_PASSCRED lets us accept READY only from charon's own pid.
  UniqueFd notify(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string notify_path = paths_.notify().string();
  std::memcpy(addr.sun_path, notify_path.c_str(), notify_path.size() + 1);
  const int one = 1;
  if (!notify || bind(notify.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      setsockopt(notify.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
      lchown(notify_path.c_str(), options_.identity.uid, options_.identity.gid) != 0 ||
      chmod(notify_path.c_str(), 0600) != 0)
    return fail_start(failErrno("setting up the notify socket " + notify_path).value());

  ConfinementSpec spec;
  spec.executable = options_.executable;
  spec.argv = {options_.executable.filename().string()};
  spec.env = {"STRONGSWAN_CONF=" + paths_.conf().string(), "NOTIFY_SOCKET=" + notify_path,
              "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"};
  spec.netns = options_.netns;
  spec.identity = options_.identity;
  spec.capabilities = launchCapabilities();
  spec.writable_dir = paths_.runtime_dir;
  spec.hidden_dirs = options_.hidden_dirs;
  spec.seccomp = &seccomp_;
  auto spawned = spawnConfined(spec);
  if (!spawned)
    return fail_start(spawned.error().wrap("starting charon for level " + options_.level));

  run_ = std::make_unique<Run>(io_);
  run_->pid = spawned->pid;
  run_->generation = generation_;
  run_->pidfd.assign(spawned->pidfd.release());
  run_->notify.assign(notify.release());
  run_->output.assign(spawned->output.release());
  armExitWatch();
  armNotify();
  armOutput();
  std::weak_ptr<int> alive = alive_;
  const uint64_t gen = generation_;
  run_->ready_timer.expires_after(options_.ready_timeout);
  run_->ready_timer.async_wait([this, alive, gen](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !run_ || run_->generation != gen) return;
    onReadyTimeout();
  });
}

void CharonSupervisor::armExitWatch() {
  std::weak_ptr<int> alive = alive_;
  const uint64_t gen = run_->generation;
  run_->pidfd.async_wait(Descriptor::wait_read,
                         [this, alive, gen](const boost::system::error_code& ec) {
                           if (ec || alive.expired() || !run_ || run_->generation != gen) return;
                           onExited();
                         });
}

void CharonSupervisor::armNotify() {
  std::weak_ptr<int> alive = alive_;
  const uint64_t gen = run_->generation;
  run_->notify.async_wait(Descriptor::wait_read,
                          [this, alive, gen](const boost::system::error_code& ec) {
                            if (ec || alive.expired() || !run_ || run_->generation != gen) return;
                            onNotifyReadable();
                          });
}

void CharonSupervisor::onNotifyReadable() {
  for (;;) {
    char data[kMaxNotifyMessage];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{data, sizeof data - 1};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(run_->notify.native_handle(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) break;  // EAGAIN: drained
    const cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c == nullptr || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_CREDENTIALS) continue;
    ucred cred;
    std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
    if (cred.pid != run_->pid) continue;  // only the main process may report readiness
    const std::string_view text(data, static_cast<size_t>(n));
    const bool ready = text == "READY=1" || text.starts_with("READY=1\n") ||
                       text.find("\nREADY=1\n") != std::string_view::npos ||
                       text.ends_with("\nREADY=1");
    if (ready && !run_->ready) {
      run_->ready = true;
      run_->ready_at = Clock::now();
      run_->ready_timer.cancel();
      state_ = State::kRunning;
      if (callbacks_.on_ready) callbacks_.on_ready(CharonReady{run_->generation, run_->pid});
      if (!run_) return;  // the callback stopped us synchronously
    }
  }
  armNotify();
}

void CharonSupervisor::armOutput() {
  std::weak_ptr<int> alive = alive_;
  const uint64_t gen = run_->generation;
  run_->output.async_read_some(
      asio::buffer(run_->buffer),
      [this, alive, gen](const boost::system::error_code& ec, size_t n) {
        if (alive.expired() || !run_ || run_->generation != gen) return;
        if (ec) return;  // EOF or closed: charon is gone, the exit watch finishes up
        run_->partial.append(run_->buffer.data(), n);
        drainOutput(false);
        armOutput();
      });
}

void CharonSupervisor::drainOutput(bool final) {
  auto& buf = run_->partial;
  size_t start = 0;
  for (;;) {
    const size_t nl = buf.find('\n', start);
    if (nl == std::string::npos) break;
    if (callbacks_.on_log)
      callbacks_.on_log(std::string_view(buf).substr(start, std::min(nl - start, kMaxLogLine)));
    start = nl + 1;
  }
  buf.erase(0, start);
  if (buf.size() > kMaxLogLine || (final && !buf.empty())) {
    if (callbacks_.on_log) callbacks_.on_log(std::string_view(buf).substr(0, kMaxLogLine));
    buf.clear();
  }
}

void CharonSupervisor::onReadyTimeout() {
  if (callbacks_.on_start_failed)
    callbacks_.on_start_failed(Error{ErrorCode::kTimeout,
                                     0,
                                     "charon for level " + options_.level +
                                         " sent no READY=1 within " +
                                         std::to_string(options_.ready_timeout.count()) + " ms",
                                     {}});
  pidfdSignal(run_->pidfd.native_handle(), SIGKILL);
}

void CharonSupervisor::onExited() {
  siginfo_t info{};
  if (waitid(P_PIDFD, static_cast<id_t>(run_->pidfd.native_handle()), &info, WEXITED | WNOHANG) !=
          0 ||
      info.si_pid == 0) {
    armExitWatch();  // spurious wake-up
    return;
  }
  run_->reaped = true;
  // Whatever charon logged last is still in the pipe.
  for (;;) {
    const ssize_t n = read(run_->output.native_handle(), run_->buffer.data(), run_->buffer.size());
    if (n <= 0) break;
    run_->partial.append(run_->buffer.data(), static_cast<size_t>(n));
    drainOutput(false);
  }
  drainOutput(true);

  CharonExit exit;
  exit.generation = run_->generation;
  exit.pid = run_->pid;
  exit.signaled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  exit.status = info.si_status;
  const bool stable = run_->ready && Clock::now() - run_->ready_at >= options_.stable_after;
  run_.reset();  // closes the descriptors; pending handlers see a new generation

  if (state_ == State::kStopping) {
    if (callbacks_.on_exit) callbacks_.on_exit(exit);
    finishStop();
    return;
  }
  if (stable) backoff_ = options_.backoff_initial;
  exit.restarting = true;
  exit.restart_in = backoff_;
  if (callbacks_.on_exit) callbacks_.on_exit(exit);
  if (state_ == State::kStopped || state_ == State::kStopping) return;  // stopped in callback
  scheduleRestart();
}

void CharonSupervisor::scheduleRestart() {
  state_ = State::kBackoff;
  const auto delay = backoff_;
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  restart_timer_ = std::make_unique<asio::steady_timer>(io_, delay);
  std::weak_ptr<int> alive = alive_;
  restart_timer_->async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || state_ != State::kBackoff) return;
    launch();
  });
}

void CharonSupervisor::stop(std::function<void()> done) {
  if (done) stop_waiters_.push_back(std::move(done));
  switch (state_) {
    case State::kStopping:
      return;
    case State::kStopped:
    case State::kBackoff:
      restart_timer_.reset();
      run_.reset();
      state_ = State::kStopping;
      asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
        if (!alive.expired() && state_ == State::kStopping && !run_) finishStop();
      });
      return;
    case State::kStarting:
    case State::kRunning:
      break;
  }
  state_ = State::kStopping;
  restart_timer_.reset();
  run_->ready_timer.cancel();
  // SIGTERM: charon's orderly shutdown (SIGINT is blocked and ignored by charon-systemd).
  pidfdSignal(run_->pidfd.native_handle(), SIGTERM);
  run_->kill_timer = std::make_unique<asio::steady_timer>(io_, options_.stop_timeout);
  std::weak_ptr<int> alive = alive_;
  const uint64_t gen = run_->generation;
  run_->kill_timer->async_wait([this, alive, gen](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !run_ || run_->generation != gen) return;
    pidfdSignal(run_->pidfd.native_handle(), SIGKILL);
  });
}

void CharonSupervisor::removeFiles() {
  for (const auto& p : {paths_.vici(), paths_.errorNotify(), paths_.notify(), paths_.conf()})
    unlink(p.c_str());
  rmdir(paths_.runtime_dir.c_str());  // only if empty: we never delete what we did not create
}

void CharonSupervisor::finishStop() {
  removeFiles();
  state_ = State::kStopped;
  auto waiters = std::move(stop_waiters_);
  stop_waiters_.clear();
  for (auto& w : waiters) w();
}

}  // namespace rempart::gateway::charon
