#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "gateway/sshd.hpp"

namespace rempart::gateway {

namespace {

namespace asio = boost::asio;

int pidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

// Runs argv with a clean environment, stdout/stderr discarded, and waits for it.
Result<int> runProgram(const std::vector<std::string>& args, bool wait, bool quiet,
                       pid_t* out_pid) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (quiet) {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return failErrno(rc, "starting " + args[0]);
  if (out_pid) *out_pid = pid;
  if (!wait) return 0;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return failErrno("waiting for " + args[0]);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<void> ensureHostKey(const SshdOptions& o, const std::filesystem::path& key,
                           const std::vector<std::string>& type_args) {
  if (std::filesystem::exists(key) && std::filesystem::exists(key.string() + ".pub")) return {};
  std::filesystem::remove(key);
  std::filesystem::remove(key.string() + ".pub");
  std::vector<std::string> args{o.keygen.string(), "-q", "-N", "", "-C", "", "-f", key.string()};
  args.insert(args.end(), type_args.begin(), type_args.end());
  int rc = TRY(runProgram(args, true, true, nullptr));
  if (rc != 0) {
    return fail(ErrorCode::kSystem,
                "ssh-keygen failed (status " + std::to_string(rc) + ") generating " + key.string());
  }
  if (::chmod(key.c_str(), 0600) != 0) return failErrno("chmod " + key.string());
  return {};
}

// An sshd left by a rempartd that died without stopping it (its pid file names it, and
// /proc says it runs our executable) still holds the port: stop it before starting ours.
void stopStaleSshd(const std::filesystem::path& pid_file, const std::filesystem::path& exe) {
  auto text = readFile(pid_file, 64);
  if (!text) return;
  pid_t pid = static_cast<pid_t>(std::strtol(text->c_str(), nullptr, 10));
  if (pid <= 1) return;
  std::error_code ec;
  auto running = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  if (ec || running != std::filesystem::weakly_canonical(exe, ec)) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
  log::warning("stopped an sshd left by a previous rempartd", {{"pid", std::to_string(pid)}});
}

}  // namespace

SshdSupervisor::SshdSupervisor(asio::io_context& io, SshdOptions options)
    : io_(io), options_(std::move(options)), timer_(io), backoff_(options_.backoff_initial) {}

SshdSupervisor::~SshdSupervisor() {
  stop();
}

Result<std::unique_ptr<SshdSupervisor>> SshdSupervisor::create(asio::io_context& io,
                                                               SshdOptions o) {
  TRY(makeDirectory(o.runtime_dir, 0755));
  TRY(makeDirectory(o.state_dir, 0711));
  // sshd reads authorized keys as the user: the directory and files are root's and readable.
  TRY(makeDirectory(o.state_dir / "authorized_keys", 0755));
  // OpenSSH's privilege-separation directory.
  TRY(makeDirectory("/run/sshd", 0755));
  const auto ed = o.state_dir / "ssh_host_ed25519_key";
  const auto ec = o.state_dir / "ssh_host_ecdsa_key";
  TRY(ensureHostKey(o, ed, {"-t", "ed25519"}));
  TRY(ensureHostKey(o, ec, {"-t", "ecdsa", "-b", "384"}));
  o.settings.host_keys = {ed, ec};
  o.settings.authorized_keys_dir = o.state_dir / "authorized_keys";
  o.settings.pid_file = o.runtime_dir / "sshd.pid";
  stopStaleSshd(o.settings.pid_file, o.executable);
  auto text = TRY(renderSshdConfig(o.settings));
  auto config_path = o.runtime_dir / "sshd_config";
  TRY(writeFileAtomic(config_path, text, 0644));
  int rc = TRY(
      runProgram({o.executable.string(), "-t", "-f", config_path.string()}, true, false, nullptr));
  if (rc != 0) {
    return fail(ErrorCode::kInvalidInput, "sshd -t rejected " + config_path.string() + " (status " +
                                              std::to_string(rc) + ")");
  }
  std::unique_ptr<SshdSupervisor> s(new SshdSupervisor(io, std::move(o)));
  s->config_path_ = std::move(config_path);
  return s;
}

void SshdSupervisor::start() {
  stopping_ = false;
  if (auto r = spawn(); !r) {
    log::error("cannot start sshd", {{"error", r.error().message()}});
    onExit();
  }
}

Result<void> SshdSupervisor::spawn() {
  pid_t pid = -1;
  TRY(runProgram({options_.executable.string(), "-D", "-e", "-f", config_path_.string()}, false,
                 false, &pid));
  UniqueFd fd(pidfdOpen(pid));
  if (!fd) {
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return failErrno(err, "pidfd_open for sshd");
  }
  pid_ = pid;
  started_at_ = std::chrono::steady_clock::now();
  pidfd_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd.release());
  log::info("sshd started", {{"pid", std::to_string(pid)},
                             {"listen", options_.settings.listen_address.str() + " port " +
                                            std::to_string(options_.settings.port)}});
  watch();
  return {};
}

void SshdSupervisor::watch() {
  pidfd_->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, pid = pid_](const boost::system::error_code& ec) {
        if (ec || pid != pid_) return;
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        pidfd_.reset();
        log::warning(
            "sshd exited",
            {{"pid", std::to_string(pid)},
             {"status", WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                          : "signal " + std::to_string(WTERMSIG(status))}});
        onExit();
      });
}

void SshdSupervisor::onExit() {
  if (stopping_) return;
  if (std::chrono::steady_clock::now() - started_at_ > options_.stable_after)
    backoff_ = options_.backoff_initial;
  auto delay = backoff_;
  backoff_ = std::min(backoff_ * 2, options_.backoff_max);
  timer_.expires_after(delay);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    start();
  });
}

void SshdSupervisor::stop() {
  stopping_ = true;
  timer_.cancel();
  if (pid_ <= 0) return;
  pid_t pid = pid_;
  pid_ = -1;
  pidfd_.reset();  // cancels the wait; the handler sees pid != pid_
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      log::info("sshd stopped", {{"pid", std::to_string(pid)}});
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  log::warning("sshd killed after the stop timeout", {{"pid", std::to_string(pid)}});
}

}  // namespace rempart::gateway
