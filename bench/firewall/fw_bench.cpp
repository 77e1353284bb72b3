// Apply-time benchmark: a level policy with N allow rules, or one address group of N prefixes,
// compiled and committed through NftBackend, against `nft -f` loading the rendered text of the
// same ruleset (with the same full-replace preamble). Also a no-op re-apply, and loading the
// forwarding-benchmark rulesets. Runs inside the network namespace given by path.
//
//   fw_bench apply <rules|group> N NETNS_PATH WORKDIR   prints BENCH lines
//   fw_bench blocklist N NETNS_PATH                     loads a forward chain that looks up
//                                                       every packet in an N-address set
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/netlink_socket.hpp"
#include "firewall/compiler.hpp"
#include "firewall/nft_backend.hpp"
#include "firewall/render.hpp"

extern char** environ;

using namespace rempart;
using namespace rempart::firewall;

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRuns = 5;

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

IpPrefix prefix(uint32_t host_order, unsigned len) {
  return {IpAddress::v4(host_order), len};
}

// One level; `rules` allow rules with distinct ports and sources, or one rule whose source is
// a group of `group` /30 prefixes (non-adjacent, so none merge).
config::Config levelConfig(size_t rules, size_t group) {
  config::Config c;
  c.system.dataplane = config::Dataplane::kLibipsec;
  c.uplink.interface = "eth0";
  config::Level l;
  l.name = "bench";
  l.public_address = IpAddress::v4(0xc0000215);
  l.lans.push_back({"lan0", {prefix(0x0a010001, 24)}, std::nullopt, {}, {}});
  config::Tunnel t;
  t.name = "peer";
  t.remote_address = "198.51.100.1";
  t.remote_ts = {prefix(0x0a000000, 8)};
  l.tunnels.push_back(t);
  for (size_t i = 0; i < rules; ++i) {
    config::AllowRule r;
    r.direction = i % 2 ? config::Direction::kInbound : config::Direction::kOutbound;
    r.tunnel = "peer";
    r.protocol = config::Protocol::kTcp;
    r.ports = {{static_cast<uint16_t>(1024 + i % 60000), static_cast<uint16_t>(1024 + i % 60000)}};
    r.source.prefixes = {prefix(0x0a400000u + static_cast<uint32_t>(i) * 4, 30)};
    r.location.path = "levels[0].firewall.allow[" + std::to_string(i) + "]";
    l.firewall.allow.push_back(r);
  }
  if (group > 0) {
    config::AddressGroup g{"big", {}, {}};
    for (size_t i = 0; i < group; ++i)
      g.prefixes.push_back(prefix(0x0b000000u + static_cast<uint32_t>(i) * 8, 30));
    l.firewall.address_groups.push_back(g);
    config::AllowRule r;
    r.direction = config::Direction::kInbound;
    r.source.groups = {"big"};
    l.firewall.allow.push_back(r);
  }
  c.levels.push_back(l);
  return c;
}

Result<double> runNft(const std::string& file) {
  const char* argv[] = {"nft", "-f", file.c_str(), nullptr};
  auto t0 = Clock::now();
  pid_t pid;
  if (posix_spawnp(&pid, "nft", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
    return failErrno("spawning nft");
  }
  int status = 0;
  waitpid(pid, &status, 0);
  auto t1 = Clock::now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(ErrorCode::kSystem, "nft -f failed");
  return ms(t1 - t0);
}

void printBench(const std::string& name, double ours, double anchor) {
  std::printf("BENCH %s ours=%.2fms anchor=nft:%.2fms ratio=%.3f\n", name.c_str(), ours, anchor,
              ours / anchor);
}

int benchApply(const std::string& kind, size_t n, const std::string& workdir) {
  bool rules = kind == "rules";
  config::Config cfg = levelConfig(rules ? n : 0, rules ? 0 : n);
  Topology topo = defaultTopology(cfg);
  auto compiled = compileLevel(cfg, topo, 0);
  if (!compiled) {
    std::fprintf(stderr, "compile: %s\n", compiled.error().message().c_str());
    return 1;
  }
  std::string file = workdir + "/ruleset.nft";
  std::ofstream(file) << renderNft(*compiled, {true});
  auto backend = NftBackend::create();
  if (!backend) return 1;
  std::vector<double> ours, theirs, ours_noop, theirs_noop;
  for (int i = 0; i < kRuns; ++i) {
    // Both start from the same state: the same ruleset already loaded (a full replace each).
    backend->forgetLastCommit();
    auto t0 = Clock::now();
    auto rs = compileLevel(cfg, topo, 0);
    auto report = backend->apply(*rs);
    auto t1 = Clock::now();
    if (!report) {
      std::fprintf(stderr, "apply: %s\n", report.error().message().c_str());
      return 1;
    }
    ours.push_back(ms(t1 - t0));
    auto nft = runNft(file);
    if (!nft) return 1;
    theirs.push_back(*nft);
    // No-op: apply the same config again right after our own commit.
    backend->forgetLastCommit();
    if (!backend->apply(*rs)) return 1;
    t0 = Clock::now();
    auto again = compileLevel(cfg, topo, 0);
    auto noop = backend->apply(*again);
    t1 = Clock::now();
    if (!noop || !noop->unchanged) return 1;
    ours_noop.push_back(ms(t1 - t0));
    auto nft_again = runNft(file);
    if (!nft_again) return 1;
    theirs_noop.push_back(*nft_again);
  }
  std::string label = rules ? "firewall-apply-" + std::to_string(n) + "-rules"
                            : "firewall-apply-" + std::to_string(n) + "-prefix-group";
  printBench(label, median(ours), median(theirs));
  printBench(label + "-noop", median(ours_noop), median(theirs_noop));
  return 0;
}

int loadBlocklist(size_t n) {
  Ruleset rs;
  AddrSet set{"blocklist", Family::kV4, {}, "bench"};
  for (size_t i = 0; i < n; ++i)
    set.prefixes.push_back(
        IpPrefix::host(IpAddress::v4(0x0b000000u + static_cast<uint32_t>(i) * 2)));
  rs.sets.push_back(set);
  Chain fwd{"forward", Hook::kForward, {}};
  fwd.rules.push_back({{AddrMatch{Family::kV4, true, "blocklist", {}}, CounterStmt{}},
                       {Verdict::kDrop, {}},
                       "bench"});
  fwd.rules.push_back({{}, {Verdict::kAccept, {}}, {}});
  rs.chains.push_back(fwd);
  auto backend = NftBackend::create();
  if (!backend) return 1;
  auto report = backend->apply(rs);
  if (!report) {
    std::fprintf(stderr, "apply: %s\n", report.error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool apply = args.size() == 5 && args[0] == "apply";
  bool block = args.size() == 3 && args[0] == "blocklist";
  if (!apply && !block) {
    std::fprintf(stderr,
                 "usage: fw_bench apply rules|group N NETNS_PATH WORKDIR\n"
                 "       fw_bench blocklist N NETNS_PATH\n");
    return 2;
  }
  // A benchmark process may move itself: nft, spawned below, inherits the namespace.
  auto ns = openNetns(args[apply ? 3 : 2]);
  if (!ns || setns(ns->get(), CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "cannot enter %s\n", args[apply ? 3 : 2].c_str());
    return 1;
  }
  size_t n = std::stoul(args[apply ? 2 : 1]);
  return apply ? benchApply(args[1], n, args[4]) : loadBlocklist(n);
}
