// Test fixtures for real charon-systemd instances: network namespaces (removed even when a
// test fails), commands run inside them (runner: test_support.hpp), and a charon with a
// generated STRONGSWAN_CONF (explicit plugin list, vici socket in a temp dir, journal off,
// filelog to a file), stopped with SIGTERM (charon ignores SIGINT). Test-only; needs root.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace rempart::test {

// Owns network namespaces: each is created on add() and deleted by the destructor.
class Netns {
 public:
  Netns() = default;
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  // Creates `name` with lo up.
  void add(const std::string& name);
  // Runs argv inside `ns`.
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv);

 private:
  std::vector<std::string> names_;
};

// One charon-systemd in a namespace. Its files live in `dir`; the vici socket is
// dir/charon.vici. The constructor waits until vici accepts connections.
class Charon {
 public:
  Charon(std::string ns, std::string dir, std::string extra_settings = {});
  ~Charon();  // SIGTERM, wait (SIGKILL after 5 s)
  Charon(const Charon&) = delete;
  Charon& operator=(const Charon&) = delete;

  std::string socketPath() const { return dir_ + "/charon.vici"; }
  std::string logPath() const { return dir_ + "/charon.log"; }
  std::string log() const;
  pid_t pid() const { return pid_; }
  // SIGTERM, wait (SIGKILL after 5 s). Idempotent.
  void stop();

 private:
  std::string ns_;
  std::string dir_;
  pid_t pid_ = -1;
};

// The plugin list that works on Debian's 5.9.8 (see the strongSwan notes).
extern const char* const kCharonPlugins;

}  // namespace rempart::test
