#include "netns_fixture.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <stdexcept>

namespace rempart::netconfig::testing {

namespace {
std::atomic<int> counter{0};

int run(const std::string& command, std::string* out) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf;
  std::string text;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
  int status = ::pclose(p);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}
}  // namespace

TestNetns::TestNetns(const std::string& tag) {
  name_ = "rp-nc-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + tag;
  std::string out;
  if (run("ip netns add " + name_, &out) != 0)
    throw std::runtime_error("ip netns add " + name_ + ": " + out);
  fd_.reset(::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) {
    run("ip netns del " + name_, nullptr);
    throw std::runtime_error("cannot open /run/netns/" + name_);
  }
  ip("link set lo up");
}

TestNetns::~TestNetns() {
  fd_.reset();
  run("ip netns del " + name_, nullptr);
}

std::string TestNetns::ip(const std::string& args) const {
  std::string out;
  if (run("ip -n " + name_ + " " + args, &out) != 0)
    throw std::runtime_error("ip -n " + name_ + " " + args + ": " + out);
  return out;
}

int TestNetns::sh(const std::string& command, std::string* out) const {
  return run("NS=" + name_ + "; " + command, out);
}

}  // namespace rempart::netconfig::testing
