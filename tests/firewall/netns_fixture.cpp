#include "netns_fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

namespace rempart::firewall::test {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int counter = 0;

std::string tmpFile() {
  return "/tmp/rempart-fw-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

}  // namespace

int sh(const std::string& cmd, std::string* out) {
  FILE* p = popen(("bash -c " + quote(cmd) + (out ? "" : " >/dev/null 2>&1")).c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
    if (out) out->append(buf, n);
  }
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void must(const std::string& cmd) {
  std::string out;
  int rc = sh(cmd + " 2>&1", &out);
  INFO("command: " << cmd << "\noutput: " << out);
  REQUIRE(rc == 0);
}

Netns::Netns(const std::string& prefix, const std::vector<std::string>& names)
    : prefix_(prefix + std::to_string(getpid()) + "-") {
  for (const std::string& n : names) {
    must("ip netns add " + name(n));
    names_.push_back(n);
    must("ip -n " + name(n) + " link set lo up");
  }
}

Netns::~Netns() {
  for (const std::string& n : names_) sh("ip netns pids " + name(n) + " | xargs -r kill -9");
  for (const std::string& n : names_) sh("ip netns del " + name(n));
}

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
      "timeout 4 nc -N -w 2 " + (source.empty() ? "" : "-s " + source + " ") + dst + " " + p +
      " 2>/dev/null\n" + "for i in $(seq 50); do grep -q token-" + p + " " + file +
      " && break; sleep 0.02; done\n" + "kill $lp 2>/dev/null; wait $lp 2>/dev/null\n" +
      "grep -q token-" + p + " " + file + "; rc=$?; rm -f " + file + "; exit $rc";
  return sh(script) == 0;
}

bool udpPasses(const Netns& ns, const std::string& from, const std::string& listener_ns,
               const std::string& dst, int port) {
  std::string file = tmpFile();
  std::string p = std::to_string(port);
  std::string script =
      ns.exec(listener_ns) + "timeout 5 nc -u -l -p " + p + " > " + file +
      " 2>/dev/null & lp=$!\n" + "for i in $(seq 100); do " + ns.exec(listener_ns) +
      "ss -Hlun 'sport = :" + p + "' | grep -q . && break; sleep 0.02; done\n" + "echo token-" + p +
      " | " + ns.exec(from) + "timeout 2 nc -u -w 1 " + dst + " " + p + " 2>/dev/null\n" +
      "for i in $(seq 50); do grep -q token-" + p + " " + file + " && break; sleep 0.02; done\n" +
      "kill $lp 2>/dev/null; wait $lp 2>/dev/null\n" + "grep -q token-" + p + " " + file +
      "; rc=$?; rm -f " + file + "; exit $rc";
  return sh(script) == 0;
}

bool pingPasses(const Netns& ns, const std::string& from, const std::string& dst,
                const std::string& source) {
  return sh(ns.exec(from) + "ping -n -q -c 1 -W 1 " + (source.empty() ? "" : "-I " + source + " ") +
            dst) == 0;
}

}  // namespace rempart::firewall::test
