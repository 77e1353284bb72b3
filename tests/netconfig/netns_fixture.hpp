// A throwaway network namespace for one test: created with a unique name (pid + counter),
// deleted by the destructor even when the test fails. Also runs iproute2 commands in it.
#pragma once

#include <string>

#include "common/unique_fd.hpp"

namespace rempart::netconfig::testing {

class TestNetns {
 public:
  explicit TestNetns(const std::string& tag);  // throws if the namespace cannot be created
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }

  // Runs `ip -n <name> <args>`; throws with the output when it fails. Returns stdout.
  std::string ip(const std::string& args) const;
  // Runs a shell command with $NS set to the namespace name; returns stdout and exit status.
  int sh(const std::string& command, std::string* out = nullptr) const;

 private:
  std::string name_;
  UniqueFd fd_;
};

}  // namespace rempart::netconfig::testing
