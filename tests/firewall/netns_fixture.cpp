#include "netns_fixture.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

namespace rempart::firewall::test {
using rempart::test::runShell;

namespace {

std::string tmpFile() {
  return "/tmp/" + rempart::test::uniqueName("rempart-fw-");
}

}  // namespace

void must(const std::string& cmd) {
  std::string out;
  int rc = runShell(cmd + " 2>&1", &out);
  INFO("command: " << cmd << "\noutput: " << out);
  REQUIRE(rc == 0);
}

Netns::Netns(const std::string& prefix, const std::vector<std::string>& names)
    : prefix_(prefix + std::to_string(getpid()) + "-") {
  for (const std::string& n : names) {
    auto ns = std::make_unique<rempart::test::ScopedNetns>(name(n), /*kill_pids=*/true);
    INFO("ip netns add " << name(n) << ": " << ns->error());
    REQUIRE(ns->ok());
    namespaces_.push_back(std::move(ns));
    must("ip -n " + name(n) + " link set lo up");
  }
}

Netns::~Netns() = default;

std::string Netns::name(const std::string& short_name) const {
  return prefix_ + short_name;
}

std::string Netns::exec(const std::string& short_name) const {
  return "ip netns exec " + name(short_name) + " ";
}

void Netns::link(const std::string& a, const std::string& ifa, const std::string& addr_a,
                 const std::string& b, const std::string& ifb, const std::string& addr_b) const {
  must("ip link add tmp" + std::to_string(getpid()) + " netns " + name(a) + " type veth peer tmq" +
       std::to_string(getpid()) + " netns " + name(b));
  must("ip -n " + name(a) + " link set tmp" + std::to_string(getpid()) + " name " + ifa);
  must("ip -n " + name(b) + " link set tmq" + std::to_string(getpid()) + " name " + ifb);
  if (!addr_a.empty()) must("ip -n " + name(a) + " addr add " + addr_a + " dev " + ifa);
  if (!addr_b.empty()) must("ip -n " + name(b) + " addr add " + addr_b + " dev " + ifb);
  must("ip -n " + name(a) + " link set " + ifa + " up");
  must("ip -n " + name(b) + " link set " + ifb + " up");
}

bool tcpPasses(const Netns& ns, const std::string& from, const std::string& listener_ns,
               const std::string& dst, int port, const std::string& source) {
  std::string file = tmpFile();
  std::string p = std::to_string(port);
  std::string script =
      ns.exec(listener_ns) + "timeout 5 nc -l -p " + p + " > " + file + " 2>/dev/null & lp=$!\n" +
      "for i in $(seq 100); do " + ns.exec(listener_ns) + "ss -Hltn 'sport = :" + p +
      "' | grep -q . && break; sleep 0.02; done\n" + "echo token-" + p + " | " + ns.exec(from) +
      "timeout 3 nc -N -w 1 " + (source.empty() ? "" : "-s " + source + " ") + dst + " " + p +
      " 2>/dev/null\n" + "for i in $(seq 50); do grep -q token-" + p + " " + file +
      " && break; sleep 0.02; done\n" + "kill $lp 2>/dev/null; wait $lp 2>/dev/null\n" +
      "grep -q token-" + p + " " + file + "; rc=$?; rm -f " + file + "; exit $rc";
  return runShell(script) == 0;
}

bool udpPasses(const Netns& ns, const std::string& from, const std::string& listener_ns,
               const std::string& dst, int port, const std::string& source) {
  std::string file = tmpFile();
  std::string p = std::to_string(port);
  std::string script =
      ns.exec(listener_ns) + "timeout 5 nc -u -l -p " + p + " > " + file +
      " 2>/dev/null & lp=$!\n" + "for i in $(seq 100); do " + ns.exec(listener_ns) +
      "ss -Hlun 'sport = :" + p + "' | grep -q . && break; sleep 0.02; done\n" + "echo token-" + p +
      " | " + ns.exec(from) + "timeout 2 nc -u -w 1 " +
      (source.empty() ? "" : "-s " + source + " ") + dst + " " + p + " 2>/dev/null\n" +
      "for i in $(seq 50); do grep -q token-" + p + " " + file + " && break; sleep 0.02; done\n" +
      "kill $lp 2>/dev/null; wait $lp 2>/dev/null\n" + "grep -q token-" + p + " " + file +
      "; rc=$?; rm -f " + file + "; exit $rc";
  return runShell(script) == 0;
}

bool pingPasses(const Netns& ns, const std::string& from, const std::string& dst,
                const std::string& source) {
  return runShell(ns.exec(from) + "ping -n -q -c 1 -W 1 " +
                  (source.empty() ? "" : "-I " + source + " ") + dst) == 0;
}

}  // namespace rempart::firewall::test
