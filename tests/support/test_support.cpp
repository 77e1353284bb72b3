#include "test_support.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace rempart::test {

namespace {

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  if (argv.empty()) return result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.out = "pipe2 failed: " + std::string(std::strerror(errno));
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    result.out = "spawn failed: " + std::string(std::strerror(rc));
    return result;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) result.out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string mustRunCommand(const std::vector<std::string>& argv) {
  CommandResult r = runCommand(argv);
  if (r.status != 0) {
    std::string joined;
    for (const auto& a : argv) joined += (joined.empty() ? "" : " ") + a;
    throw std::runtime_error("'" + joined + "' failed (" + std::to_string(r.status) +
                             "): " + r.out);
  }
  return r.out;
}

int runShell(const std::string& script, std::string* out) {
  FILE* p =
      ::popen(("bash -c " + shellQuote(script) + (out ? "" : " >/dev/null 2>&1")).c_str(), "re");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    if (out) out->append(buf, n);
  }
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string uniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid()) + "n" + std::to_string(counter++);
}

ScopedNetns::ScopedNetns(std::string name, bool kill_pids)
    : name_(std::move(name)), kill_pids_(kill_pids) {
  CommandResult r = runCommand({"ip", "netns", "add", name_});
  ok_ = r.status == 0;
  if (!ok_) error_ = std::move(r.out);
}

ScopedNetns::~ScopedNetns() {
  if (!ok_) return;
  if (kill_pids_) runShell("ip netns pids " + shellQuote(name_) + " | xargs -r kill -9");
  runCommand({"ip", "netns", "del", name_});
}

ScopedTempDir::ScopedTempDir(const std::string& prefix) {
  path_ = std::filesystem::path("/tmp") / uniqueName(prefix);
  std::filesystem::create_directories(path_);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::map<std::string, std::string> procStatus(pid_t pid) {
  std::map<std::string, std::string> fields;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    fields[line.substr(0, colon)] = value;
  }
  return fields;
}

}  // namespace rempart::test
