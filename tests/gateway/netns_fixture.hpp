// Test helpers for charon netns tests: a network namespace and a scratch directory that are
// removed even when the test fails, a runner for real tools, and /proc/<pid>/status parsing.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rempart::test {

struct CommandResult {
  int status = -1;  // exit code, or -1 when it did not exit normally
  std::string out;  // stdout and stderr
};
// Runs argv (no shell) and collects its output.
CommandResult runCommand(const std::vector<std::string>& argv);

// A unique name per process and call: "<prefix><pid>n<counter>".
std::string uniqueName(const std::string& prefix);

// `ip netns add <name>`; deleted in the destructor.
class ScopedNetns {
 public:
  explicit ScopedNetns(std::string name);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  const std::string& name() const { return name_; }
  std::filesystem::path path() const { return "/run/netns/" + name_; }
  bool ok() const { return ok_; }

 private:
  std::string name_;
  bool ok_ = false;
};

// A fresh directory under /tmp, removed recursively in the destructor.
class ScopedDir {
 public:
  explicit ScopedDir(const std::string& prefix);
  ~ScopedDir();
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The "Key:\tvalue" lines of /proc/<pid>/status; empty when the process is gone.
std::map<std::string, std::string> procStatus(pid_t pid);

}  // namespace rempart::test
