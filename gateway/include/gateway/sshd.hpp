// sshd as the appliance runs it: rempartd renders a locked-down sshd_config (public keys only,
// strong algorithms only, no forwarding of any kind, no sftp, no user environment, and the
// restricted CLI as ForceCommand for everyone) and keeps OpenSSH's sshd running in the core
// namespace, listening only on the management address.
//
// renderSshdConfig is pure. SshdSupervisor runs on rempartd's io_context thread: create(),
// start(), stop() and the destructor are called there, and it restarts sshd itself there.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace rempart::gateway {

struct SshdSettings {
  IpAddress listen_address;
  uint16_t port = 22;
  std::vector<std::string> allow_users;  // the role users; empty: nobody may log in
  // management.allowed_sources: when set, each user may log in only from these networks
  // (AllowUsers user@prefix), a second fence behind the core firewall's own filter.
  std::vector<IpPrefix> allowed_sources;
  std::vector<std::filesystem::path> host_keys;
  std::filesystem::path authorized_keys_dir;  // holds one file per user, named after the user
  std::filesystem::path pid_file;
  std::filesystem::path cli;             // the rempart CLI, run as ForceCommand
  std::filesystem::path control_socket;  // passed to the CLI with --socket
};

// The sshd_config text. Fails (kInvalidInput, naming the value) when a path is not absolute or
// holds characters that sshd_config or a ForceCommand line would interpret (whitespace,
// quotes, '%', '#', control characters, anything outside [A-Za-z0-9/._+-]), or a user name is
// not a plain POSIX name. Never includes secrets.
[[nodiscard]] Result<std::string> renderSshdConfig(const SshdSettings& settings);

// True for names of the form [a-z_][a-z0-9_-]{0,31}.
bool isPlainUserName(std::string_view name);

struct SshdOptions {
  std::filesystem::path executable = "/usr/sbin/sshd";
  std::filesystem::path keygen = "/usr/bin/ssh-keygen";
  std::filesystem::path runtime_dir;  // <runtime>/ssh: sshd_config and the pid file
  std::filesystem::path state_dir;    // <state>/ssh: host keys and authorized_keys/
  SshdSettings settings;              // host_keys, authorized_keys_dir, pid_file filled in
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{10000};
  std::chrono::milliseconds stable_after{30000};
};

class SshdSupervisor {
 public:
  // Stops an sshd that a previous rempartd left running (named by the pid file, running
  // `executable`), creates the directories, generates the host keys on first use (ed25519 and ECDSA
  // P-384, with ssh-keygen; their content is never logged), renders the config and checks it with
  // `sshd -t`. Fails when any of that fails; nothing is started yet.
  static Result<std::unique_ptr<SshdSupervisor>> create(boost::asio::io_context& io,
                                                        SshdOptions options);
  ~SshdSupervisor();

  // Starts `sshd -D -e -f <config>` (its log goes to rempartd's stderr) and restarts it with
  // exponential backoff whenever it exits until stop().
  void start();
  // SIGTERM, then SIGKILL after 3 s; returns once sshd has exited. Sessions already open keep
  // running until they end (the CLI in them can no longer reach a stopped rempartd).
  void stop();

  pid_t pid() const { return pid_; }
  const std::filesystem::path& configPath() const { return config_path_; }

 private:
  SshdSupervisor(boost::asio::io_context& io, SshdOptions options);
  Result<void> spawn();
  void watch();
  void onExit();

  boost::asio::io_context& io_;
  SshdOptions options_;
  std::filesystem::path config_path_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd_;
  pid_t pid_ = -1;
  bool stopping_ = false;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point started_at_;
};

}  // namespace rempart::gateway
