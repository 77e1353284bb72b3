#include "charon_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace rempart::test {

const char* const kCharonPlugins =
    "random nonce openssl pem pkcs1 x509 revocation constraints pubkey hmac kdf gcm aes sha1 "
    "sha2 curve25519 vici kernel-libipsec kernel-netlink socket-default updown error-notify";

namespace {

std::vector<char*> cArgs(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Netns::~Netns() {
  for (const auto& n : names_) runCommand({"ip", "netns", "del", n});
}

void Netns::add(const std::string& name) {
  mustRunCommand({"ip", "netns", "add", name});
  names_.push_back(name);
  mustRunCommand({"ip", "-n", name, "link", "set", "lo", "up"});
}

std::vector<std::string> Netns::in(const std::string& ns, std::vector<std::string> argv) {
  std::vector<std::string> out = {"ip", "netns", "exec", ns};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Charon::Charon(std::string ns, std::string dir, std::string extra)
    : ns_(std::move(ns)), dir_(std::move(dir)) {
  std::string conf = dir_ + "/strongswan.conf";
  {
    std::ofstream out(conf);
    out << "charon-systemd {\n"
        << "  load = " << kCharonPlugins << "\n"
        << "  plugins {\n"
        << "    vici { socket = unix://" << socketPath() << " }\n"
        << "    error-notify { socket = unix://" << dir_ << "/error-notify.sock }\n"
        << "  }\n"
        << "  journal { default = -1 }\n"
        << "  filelog { test { path = " << logPath() << "\n"
        << "      default = 1\n      flush_line = yes\n      ike_name = yes } }\n"
        << extra << "}\n";
  }
  std::string env_conf = "STRONGSWAN_CONF=" + conf;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) == 0) continue;
    if (std::strncmp(*e, "STRONGSWAN_CONF=", 16) == 0) continue;
    env_strings.emplace_back(*e);
  }
  env_strings.push_back(env_conf);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv = {"/usr/sbin/ip", "netns", "exec", ns_,
                                   "/usr/sbin/charon-systemd"};
  auto args = cArgs(argv);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  std::string out_path = dir_ + "/stdout";
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0)
    throw std::runtime_error("spawning charon-systemd: " + std::string(std::strerror(rc)));

  // `ip netns exec` execs charon in place, so pid_ is charon's. Ready when vici accepts.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socketPath().c_str(), sizeof addr.sun_path - 1);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) break;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("charon-systemd exited at start: " + log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();  // the destructor will not run for a throwing constructor
      throw std::runtime_error("charon-systemd: vici not ready within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Charon::~Charon() {
  stop();
}

void Charon::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string Charon::log() const {
  std::ifstream in(logPath());
  std::stringstream ss;
  ss << in.rdbuf();
  std::ifstream out(dir_ + "/stdout");
  ss << out.rdbuf();
  return ss.str();
}

}  // namespace rempart::test
