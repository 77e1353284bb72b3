// Times the reconciler applying N addresses + N routes from scratch in a given namespace, then a
// no-op re-apply (median of 7). The same objects as make-batch.sh emits for the ip -batch
// anchor.
// Usage: netconfig_static_bench <netns-name> <count>    prints: apply_ms=<x> noop_ms=<y>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/netlink_socket.hpp"
#include "netconfig/reconciler.hpp"

using namespace rempart;
using namespace rempart::netconfig;

namespace {

IpPrefix prefix(const std::string& s) {
  return *IpPrefix::parse(s);
}

// Interfaces bench0..bench3; k-th address and route as in make-batch.sh.
DesiredState benchState(int count) {
  DesiredState d;
  for (int j = 0; j < 4; ++j) d.links.push_back(LinkSpec{"bench" + std::to_string(j), true, {}});
  for (int k = 0; k < count; ++k) {
    int j = k % 4;
    std::string dev = "bench" + std::to_string(j);
    std::string a = k % 2 == 0 ? "10." + std::to_string(j) + "." + std::to_string(k / 256) + "." +
                                     std::to_string(k % 256) + "/16"
                               : "fd00:" + std::to_string(j) + "::" + std::to_string(k) + "/64";
    d.addresses.push_back(AddressSpec{dev, prefix(a), {}, {}});
    RouteSpec r;
    r.interface = dev;
    if (k % 2 == 0) {
      r.destination =
          prefix("172." + std::to_string(16 + k / 256) + "." + std::to_string(k % 256) + ".0/24");
      r.gateway = IpAddress::parse("10." + std::to_string(j) + ".255.254");
    } else {
      r.destination = prefix("fd10:" + std::to_string(k) + "::/64");
      r.gateway = IpAddress::parse("fd00:" + std::to_string(j) + "::ffff");
    }
    d.routes.push_back(r);
  }
  return d;
}

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <netns-name> <count>\n", argv[0]);
    return 2;
  }
  int count = std::atoi(argv[2]);
  auto ns = openNetns(argv[1]);
  if (!ns) {
    std::fprintf(stderr, "%s\n", ns.error().message().c_str());
    return 1;
  }
  auto rtnl = openRtnl(ns->get());
  if (!rtnl) {
    std::fprintf(stderr, "%s\n", rtnl.error().message().c_str());
    return 1;
  }
  Reconciler reconciler(**rtnl);
  DesiredState desired = benchState(count);

  auto t0 = std::chrono::steady_clock::now();
  auto applied = reconciler.apply("static", desired);
  double apply_ms = msSince(t0);
  if (!applied || !applied->complete() || applied->changes_sent != size_t(2 * count)) {
    std::fprintf(stderr, "apply failed: %s\n",
                 !applied                     ? applied.error().message().c_str()
                 : !applied->failures.empty() ? applied->failures[0].message().c_str()
                                              : "incomplete or unexpected change count");
    return 1;
  }
  // The no-op re-apply is a few milliseconds, so one scheduler hiccup on a shared machine
  // would dominate it: take the median of kNoopRepeats.
  constexpr int kNoopRepeats = 7;
  std::vector<double> noops;
  for (int i = 0; i < kNoopRepeats; ++i) {
    auto t1 = std::chrono::steady_clock::now();
    auto noop = reconciler.apply("static", desired);
    noops.push_back(msSince(t1));
    if (!noop || noop->changes_sent != 0) {
      std::fprintf(stderr, "no-op re-apply sent changes or failed\n");
      return 1;
    }
  }
  std::sort(noops.begin(), noops.end());
  double noop_ms = noops[kNoopRepeats / 2];
  std::printf("apply_ms=%.2f noop_ms=%.2f\n", apply_ms, noop_ms);
  return 0;
}
