// Network namespaces for the [netns] tests: created with a per-test prefix that includes the
// pid, removed by the guard's destructor even when the test fails.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace rempart::firewall::test {

// Runs a shell command (rempart::test::runShell) and REQUIREs success.
void must(const std::string& cmd);

class Netns {
 public:
  // Creates namespaces "<prefix><pid>-<name>" for each name; lo is brought up.
  Netns(const std::string& prefix, const std::vector<std::string>& names);
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  std::string name(const std::string& short_name) const;
  std::string path(const std::string& short_name) const { return "/run/netns/" + name(short_name); }
  // "ip netns exec <ns> "
  std::string exec(const std::string& short_name) const;
  // A veth pair a:ifa <-> b:ifb with addresses (CIDR, may be empty), both up.
  void link(const std::string& a, const std::string& ifa, const std::string& addr_a,
            const std::string& b, const std::string& ifb, const std::string& addr_b) const;

 private:
  std::string prefix_;
  std::vector<std::unique_ptr<rempart::test::ScopedNetns>> namespaces_;
};

// True if a TCP connection from `from` (optionally bound to `source`) reaches `dst:port`,
// where `listener_ns` runs an `nc -l` that records what it receives.
bool tcpPasses(const Netns& ns, const std::string& from, const std::string& listener_ns,
               const std::string& dst, int port, const std::string& source = "");
bool udpPasses(const Netns& ns, const std::string& from, const std::string& listener_ns,
               const std::string& dst, int port, const std::string& source = "");
bool pingPasses(const Netns& ns, const std::string& from, const std::string& dst,
                const std::string& source = "");

}  // namespace rempart::firewall::test
