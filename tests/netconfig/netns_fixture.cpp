#include "netns_fixture.hpp"

#include <fcntl.h>

#include <stdexcept>

namespace rempart::netconfig::testing {

namespace {
int run(const std::string& command, std::string* out) {
  std::string text;
  const int rc = rempart::test::runShell(command + " 2>&1", &text);
  if (out) *out = text;
  return rc;
}
}  // namespace

TestNetns::TestNetns(const std::string& tag)
    : netns_(rempart::test::uniqueName("rp-nc-") + "-" + tag) {
  if (!netns_.ok()) throw std::runtime_error("ip netns add " + name() + ": " + netns_.error());
  fd_.reset(::open(netns_.path().c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd_) throw std::runtime_error("cannot open " + netns_.path().string());
  ip("link set lo up");
}

TestNetns::~TestNetns() = default;

std::string TestNetns::ip(const std::string& args) const {
  std::string out;
  if (run("ip -n " + name() + " " + args, &out) != 0)
    throw std::runtime_error("ip -n " + name() + " " + args + ": " + out);
  return out;
}

int TestNetns::sh(const std::string& command, std::string* out) const {
  return run("NS=" + name() + "; " + command, out);
}

}  // namespace rempart::netconfig::testing
