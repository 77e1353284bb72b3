// A throwaway network namespace for one test: created with a unique name (pid + counter),
// deleted by the destructor even when the test fails. Also runs iproute2 commands in it.
#pragma once

#include <string>

#include "common/unique_fd.hpp"
#include "test_support.hpp"

namespace rempart::netconfig::testing {

class TestNetns {
 public:
  explicit TestNetns(const std::string& tag);  // throws if the namespace cannot be created
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  const std::string& name() const { return netns_.name(); }
  int fd() const { return fd_.get(); }

  // Runs `ip -n <name> <args>`; throws with the output when it fails. Returns stdout.
  std::string ip(const std::string& args) const;
  // Runs a shell command with $NS set to the namespace name; returns stdout and exit status.
  int sh(const std::string& command, std::string* out = nullptr) const;

 private:
  rempart::test::ScopedNetns netns_;  // declared first: deleted after fd_ is closed
  UniqueFd fd_;
};

}  // namespace rempart::netconfig::testing
