// rempart-dhcp-probe: runs the DHCPv4 client on one interface (optionally inside a network
// namespace) until a lease is bound and applied through the reconciler, prints the lease in
// lease-file form on stdout and exits 0. With --stay it keeps running (renew, rebind, expiry)
// until SIGINT/SIGTERM. Used by the integration tests and bench/dhcp.
#include <fcntl.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "common/log.hpp"
#include "netconfig/dhcp/lease_applier.hpp"
#include "netconfig/dhcp/runner.hpp"

using namespace rempart;
using namespace rempart::netconfig;
using namespace rempart::netconfig::dhcp;

namespace {

struct Args {
  std::string interface;
  std::string netns;
  std::string state_dir;
  int timeout_seconds = 30;
  bool stay = false;
  bool rapid_commit = true;
  bool ignore_routes = false;
  std::vector<IpPrefix> protect;
};

int usage(const std::string& why) {
  std::cerr
      << "rempart-dhcp-probe: " << why << "\n"
      << "usage: rempart-dhcp-probe IFACE --state DIR [--netns PATH] [--timeout SEC] [--stay]\n"
      << "       [--no-rapid-commit] [--ignore-classless-routes] [--protect PREFIX]...\n";
  return 2;
}

std::optional<Args> parseArgs(int argc, char** argv, std::string& err) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (s == "--netns" || s == "--state" || s == "--timeout" || s == "--protect") {
      auto v = value();
      if (!v) return err = s + " needs a value", std::nullopt;
      if (s == "--netns") a.netns = *v;
      if (s == "--state") a.state_dir = *v;
      if (s == "--timeout") {
        try {
          a.timeout_seconds = std::stoi(*v);
        } catch (...) {
          return err = "invalid --timeout", std::nullopt;
        }
      }
      if (s == "--protect") {
        auto p = IpPrefix::parse(*v);
        if (!p) return err = "invalid --protect prefix " + *v, std::nullopt;
        a.protect.push_back(p->network());
      }
    } else if (s == "--stay") {
      a.stay = true;
    } else if (s == "--no-rapid-commit") {
      a.rapid_commit = false;
    } else if (s == "--ignore-classless-routes") {
      a.ignore_routes = true;
    } else if (!s.empty() && s[0] != '-' && a.interface.empty()) {
      a.interface = s;
    } else {
      return err = "unexpected argument " + s, std::nullopt;
    }
  }
  if (a.interface.empty()) return err = "no interface given", std::nullopt;
  if (a.state_dir.empty()) return err = "--state is required", std::nullopt;
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  log::configure(log::Sink::kStderr, log::Level::kInfo);
  std::string err;
  auto args = parseArgs(argc, argv, err);
  if (!args) return usage(err);

  UniqueFd netns;
  if (!args->netns.empty()) {
    netns.reset(::open(args->netns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) {
      log::error("cannot open network namespace",
                 {{"path", args->netns}, {"error", std::strerror(errno)}});
      return 1;
    }
  }
  auto rtnl = openRtnl(netns ? netns.get() : -1);
  if (!rtnl) {
    log::error("cannot open rtnetlink", {{"error", rtnl.error().message()}});
    return 1;
  }
  Reconciler reconciler(**rtnl);
  auto store = FileLeaseStore::create(args->state_dir, args->interface);
  if (!store) {
    log::error("bad lease store", {{"error", store.error().message()}});
    return 1;
  }
  SystemClock clock;
  LeasePolicy policy;
  policy.interface = args->interface;
  policy.ignore_classless_routes = args->ignore_routes;
  policy.protected_prefixes = args->protect;
  LeaseApplier applier(reconciler, policy, clock);

  boost::asio::io_context io;
  int status = 1;
  auto handler = [&](const Event& e) {
    switch (e.kind) {
      case Event::Kind::kRejected:
        log::warning("DHCP input rejected", {{"interface", args->interface}, {"reason", e.detail}});
        return;
      case Event::Kind::kError:
        log::error("DHCP client error", {{"interface", args->interface}, {"error", e.detail}});
        return;
      default:
        break;
    }
    auto outcome = applier.onEvent(e);
    if (!outcome) {
      log::error("applying DHCP event failed", {{"error", outcome.error().message()}});
      return;
    }
    for (const auto& r : outcome->refused) log::warning("DHCP route refused", {{"reason", r}});
    for (const auto& f : outcome->report.failures)
      log::error("kernel refused", {{"error", f.message()}});
    const char* what = e.kind == Event::Kind::kBound     ? "bound"
                       : e.kind == Event::Kind::kRenewed ? "renewed"
                                                         : "lost";
    log::info("DHCP lease " + std::string(what), {{"interface", args->interface},
                                                  {"address", e.lease->address.str()},
                                                  {"server", e.lease->server_id.str()},
                                                  {"detail", e.detail}});
    if (e.kind != Event::Kind::kLost) {
      std::cout << "event=" << what << "\n"
                << formatLeaseFile(*e.lease, args->interface) << std::flush;
      if (!args->stay && outcome->report.complete()) {
        status = 0;
        io.stop();
      }
    } else {
      std::cout << "event=lost\n" << std::flush;
    }
  };

  RunnerOptions options;
  options.interface = args->interface;
  options.netns_fd = netns ? netns.get() : -1;
  options.rapid_commit = args->rapid_commit;
  options.request_routes = !args->ignore_routes;
  auto runner = ClientRunner::create(io, options, clock, *store, handler);
  if (!runner) {
    log::error("cannot start DHCP client",
               {{"interface", args->interface}, {"error", runner.error().message()}});
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) {
    if (args->stay) status = 0;
    io.stop();
  });
  boost::asio::steady_timer deadline(io);
  if (!args->stay) {
    deadline.expires_after(std::chrono::seconds(args->timeout_seconds));
    deadline.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      log::error("no lease before the timeout", {{"interface", args->interface}});
      io.stop();
    });
  }
  (*runner)->start();
  io.run();
  return status;
}
