// Runs one DHCPv4 Client on a Boost.Asio io_context: real sockets in the target network
// namespace, a CLOCK_BOOTTIME timerfd for the client's deadlines, and a handler that receives
// every Event (the caller applies or removes the lease and logs). Everything runs on the
// io_context's thread; create, start and destroy the runner there too.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "netconfig/dhcp/client.hpp"
#include "netconfig/dhcp/socket.hpp"

namespace rempart::netconfig::dhcp {

// The real clock: CLOCK_BOOTTIME and CLOCK_REALTIME.
class SystemClock final : public Clock {
 public:
  Millis boottime() const override;
  int64_t realtimeSeconds() const override;
};

// getrandom()-backed.
class SystemRandom final : public Random {
 public:
  uint32_t next() override;
};

struct RunnerOptions {
  std::string interface;
  int netns_fd = -1;  // borrowed; only used during create() and listen switches
  bool rapid_commit = true;
  bool request_routes = true;
};

class ClientRunner final : private Transport {
 public:
  using EventHandler = std::function<void(const Event&)>;

  // Looks the interface up (in the namespace), opens the timerfd. `clock` and `store` must
  // outlive the runner. Fails with kNotFound for a missing interface, kSystem on socket errors.
  static Result<std::unique_ptr<ClientRunner>> create(boost::asio::io_context& io,
                                                      RunnerOptions options, const Clock& clock,
                                                      LeaseStore& store, EventHandler handler);
  ~ClientRunner() override;

  void start();
  // Re-arms the timer from the client's deadline; call after the clock jumped (tests).
  void reschedule();
  const Client& client() const { return *client_; }
  const InterfaceInfo& interfaceInfo() const { return info_; }

 private:
  ClientRunner(boost::asio::io_context& io, RunnerOptions options, InterfaceInfo info,
               const Clock& clock, LeaseStore& store, EventHandler handler, UniqueFd timer);

  Result<void> sendBroadcast(std::span<const uint8_t> payload, const IpAddress& source) override;
  Result<void> sendUnicast(std::span<const uint8_t> payload, const IpAddress& server) override;
  Result<void> listen(Listen mode) override;

  void deliver(std::vector<Event> events);
  void waitRaw();
  void waitUdp();
  void waitTimer();

  boost::asio::io_context& io_;
  RunnerOptions options_;
  InterfaceInfo info_;
  const Clock& clock_;
  EventHandler handler_;
  SystemRandom random_;
  std::unique_ptr<Client> client_;
  std::optional<RawDhcpSocket> raw_;
  std::optional<UdpDhcpSocket> udp_;
  UniqueFd timer_fd_;
  // Asio views of the fds above; each is release()d before its fd closes (never double-closed).
  std::unique_ptr<boost::asio::posix::stream_descriptor> raw_io_, udp_io_, timer_io_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rempart::netconfig::dhcp
