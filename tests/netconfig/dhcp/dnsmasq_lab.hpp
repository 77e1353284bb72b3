// A DHCP lab for one test: a server and a client namespace joined by a veth pair (client side
// "wan0"), a real dnsmasq in the server namespace, and the client (ClientRunner + Reconciler +
// file lease store) running in-process on its own io_context. Everything is removed by the
// destructors, even when the test fails.
//
// Time: dnsmasq refuses leases under 2 minutes, and tests must not sleep for minutes. The
// client's Clock is a SkipClock: real CLOCK_BOOTTIME plus an offset the test advances, so T1,
// T2 and expiry arrive on demand while every packet is real. The kernel's own address lifetime
// is not skipped, so "expiry removes the address" is our client's doing, which is what we test.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../netns_fixture.hpp"
#include "netconfig/dhcp/lease_applier.hpp"
#include "netconfig/dhcp/runner.hpp"
#include "netconfig/rtnl.hpp"

namespace rempart::netconfig::dhcp::test {

class SkipClock final : public Clock {
 public:
  Millis boottime() const override { return real_.boottime() + skipped_; }
  int64_t realtimeSeconds() const override {
    return real_.realtimeSeconds() +
           std::chrono::duration_cast<std::chrono::seconds>(skipped_).count();
  }
  void skip(Millis d) { skipped_ += d; }

 private:
  SystemClock real_;
  Millis skipped_{0};
};

class Dnsmasq {
 public:
  // Starts dnsmasq in `ns` on `interface` with `extra` arguments (ranges, options).
  Dnsmasq(const testing::TestNetns& ns, const std::string& interface,
          const std::filesystem::path& dir, const std::string& extra, const std::string& tag);
  ~Dnsmasq();
  void stop();
  std::string log() const;
  int count(const std::string& word) const;  // lines of the log that contain `word`

 private:
  std::filesystem::path dir_, log_;
  int pid_ = -1;
};

class DhcpLab {
 public:
  DhcpLab();
  ~DhcpLab();

  void startServer(const std::string& extra);
  void stopServer() { server_.reset(); }
  Dnsmasq& server() { return *server_; }

  // Creates and starts a client (the previous one, if any, is destroyed first without
  // releasing its lease, like a crash or a restart).
  void startClient(LeasePolicy policy = {});
  void stopClient();
  // Runs the io_context until `done` holds; fails the test after `seconds` of real time.
  void runUntil(const std::function<bool()>& done, int seconds = 20);
  bool sawEvent(Event::Kind kind, size_t from = 0) const;
  void skip(Millis d);  // advance the client's clock and let it act

  std::string clientSh(const std::string& command) const;  // output of a command in the client ns
  std::vector<std::string> clientAddresses() const;        // IPv4 "a.b.c.d/len" on wan0 (ip -j)
  std::vector<std::string> clientRoutes() const;           // "dst via gw proto metric" (ip -j)

  testing::TestNetns server_ns{"dhs"};
  testing::TestNetns client_ns{"dhc"};
  std::string server_if;
  std::filesystem::path dir;
  SkipClock clock;
  std::vector<Event> events;
  std::vector<std::string> apply_errors;
  std::unique_ptr<ClientRunner> runner;

 private:
  boost::asio::io_context io_;
  std::unique_ptr<Dnsmasq> server_;
  std::unique_ptr<Rtnl> rtnl_;
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<FileLeaseStore> store_;
  std::unique_ptr<LeaseApplier> applier_;
};

}  // namespace rempart::netconfig::dhcp::test
