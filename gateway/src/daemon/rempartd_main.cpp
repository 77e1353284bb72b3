// rempartd: turns one configuration into a running multi-level IPsec gateway and keeps it
// running. One io_context thread owns everything; signals and timers are events on it.
#include <systemd/sd-daemon.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string_view>

#include "common/log.hpp"
#include "daemon.hpp"

namespace {

using namespace rempart;

constexpr std::string_view kUsage =
    "usage: rempartd [--config FILE] [--runtime-dir DIR] [--state-dir DIR] [--control-socket PATH]\n"
    "                [--charon-uid-base UID] [--sshd PATH] [--cli PATH] [--no-sshd]\n"
    "  --config seeds the config store (<state-dir>/config) on first start; afterwards the\n"
    "  store's active config runs (change it with 'rempart config load' and 'config commit').\n";

int usage(std::string_view why) {
  std::cerr << "rempartd: " << why << "\n" << kUsage;
  return 2;
}

// Pets systemd's watchdog at half its interval, when systemd asked for one.
void armWatchdog(boost::asio::steady_timer& timer, std::chrono::microseconds interval) {
  timer.expires_after(interval / 2);
  timer.async_wait([&timer, interval](const boost::system::error_code& ec) {
    if (ec) return;
    sd_notify(0, "WATCHDOG=1");
    armWatchdog(timer, interval);
  });
}

}  // namespace

int main(int argc, char** argv) {
  // REMPART_LOG_LEVEL=debug adds charon's own log lines (test boots set it; see the image).
  const char* level = std::getenv("REMPART_LOG_LEVEL");
  log::configure(log::Sink::kAuto, level && std::string_view(level) == "debug" ? log::Level::kDebug
                                                                               : log::Level::kInfo);
  gateway::DaemonOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    const char* v = nullptr;
    if (a == "--config" && (v = value(a)))
      options.config_path = v;
    else if (a == "--runtime-dir" && (v = value(a)))
      options.paths.runtime_dir = v;
    else if (a == "--state-dir" && (v = value(a)))
      options.paths.state_dir = v;
    else if (a == "--control-socket" && (v = value(a)))
      options.control_socket = v;
    else if (a == "--sshd" && (v = value(a)))
      options.sshd = v;
    else if (a == "--cli" && (v = value(a)))
      options.cli = v;
    else if (a == "--no-sshd")
      options.run_sshd = false;
    else if (a == "--charon-uid-base" && (v = value(a)))
      options.charon_uid_base = static_cast<uid_t>(std::strtoul(v, nullptr, 10));
    else
      return usage("unknown or incomplete argument '" + std::string(a) + "'");
  }

  boost::asio::io_context io;
  auto daemon = gateway::Daemon::create(io, options);
  if (!daemon) {
    log::error("cannot start", {{"error", daemon.error().message()}});
    return 1;
  }
  // SIGHUP: re-read --config and commit it through the config store. Registered before
  // start() so that an early SIGHUP does not kill us.
  boost::asio::signal_set hup(io, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      log::notice("SIGHUP: reloading the configuration");
      (*daemon)->commitFile(options.config_path);
      wait_hup();
    });
  };
  wait_hup();
  if (auto r = (*daemon)->start(); !r) {
    log::error("cannot bring the gateway up", {{"error", r.error().message()}});
    (*daemon)->stop([&io] { io.stop(); });
    io.run();
    return 1;
  }

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::info("signal received, shutting down", {{"signal", std::to_string(signo)}});
    sd_notify(0, "STOPPING=1");
    hup.cancel();  // no reconfiguration while shutting down
    (*daemon)->stop([&io] { io.stop(); });
  });
  boost::asio::steady_timer watchdog(io);
  uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
    armWatchdog(watchdog, std::chrono::microseconds(watchdog_usec));
  }
  sd_notify(0, "READY=1");
  log::notice("rempart: ready");
  io.run();
  return 0;
}
