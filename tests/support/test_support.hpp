// Helpers shared by the test binaries: running tools (with or without a shell), unique
// per-process names, a network namespace and a temp directory removed even when a test fails,
// and /proc/<pid>/status parsing. Test-only; the namespace helpers need root.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace rempart::test {

struct CommandResult {
  int status = -1;  // exit code, or -1 when it did not exit normally (or could not start)
  std::string out;  // stdout and stderr
};
// Runs argv (no shell, PATH lookup) and collects its output.
CommandResult runCommand(const std::vector<std::string>& argv);
// Runs argv; throws std::runtime_error (failing the test) with the output when it exits non-zero.
// Returns the output.
std::string mustRunCommand(const std::vector<std::string>& argv);

// Runs `script` with bash; returns its exit status (-1 when it did not exit normally). Its
// stdout goes to `out` when given (append 2>&1 to the script for stderr), else is discarded
// together with stderr.
int runShell(const std::string& script, std::string* out = nullptr);

// A unique name per process and call: "<prefix><pid>n<counter>".
std::string uniqueName(const std::string& prefix);

// `ip netns add <name>`; deleted in the destructor (after killing what still runs in it when
// kill_pids is set).
class ScopedNetns {
 public:
  explicit ScopedNetns(std::string name, bool kill_pids = false);
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  const std::string& name() const { return name_; }
  std::filesystem::path path() const { return "/run/netns/" + name_; }
  bool ok() const { return ok_; }
  // The output of a failed `ip netns add`.
  const std::string& error() const { return error_; }

 private:
  std::string name_;
  bool kill_pids_ = false;
  bool ok_ = false;
  std::string error_;
};

// A fresh directory /tmp/<uniqueName(prefix)>, removed recursively in the destructor.
class ScopedTempDir {
 public:
  explicit ScopedTempDir(const std::string& prefix);
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The "Key:\tvalue" lines of /proc/<pid>/status; empty when the process is gone.
std::map<std::string, std::string> procStatus(pid_t pid);

}  // namespace rempart::test
