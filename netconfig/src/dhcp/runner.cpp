// Event-loop glue: fds -> Client -> Events, Client deadlines -> timerfd.
#include "netconfig/dhcp/runner.hpp"

#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>

#include <boost/asio/post.hpp>

namespace rempart::netconfig::dhcp {

namespace asio = boost::asio;

Millis SystemClock::boottime() const {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return Millis{int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000};
}

int64_t SystemClock::realtimeSeconds() const {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

uint32_t SystemRandom::next() {
  uint32_t v = 0;
  while (::getrandom(&v, sizeof v, 0) != sizeof v) {
  }
  return v;
}

Result<std::unique_ptr<ClientRunner>> ClientRunner::create(asio::io_context& io,
                                                           RunnerOptions options,
                                                           const Clock& clock, LeaseStore& store,
                                                           EventHandler handler) {
  auto probe = socketInNetns(options.netns_fd, AF_INET, SOCK_DGRAM, 0);
  if (!probe) return unexpected<Error>(probe.error());
  auto info = dhcp::interfaceInfo(probe->get(), options.interface);
  if (!info) return unexpected<Error>(info.error());
  int tfd = ::timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK);
  if (tfd < 0) return failErrno("creating CLOCK_BOOTTIME timerfd");
  return std::unique_ptr<ClientRunner>(new ClientRunner(io, std::move(options), *info, clock, store,
                                                        std::move(handler), UniqueFd(tfd)));
}

ClientRunner::ClientRunner(asio::io_context& io, RunnerOptions options, InterfaceInfo info,
                           const Clock& clock, LeaseStore& store, EventHandler handler,
                           UniqueFd timer)
    : io_(io),
      options_(std::move(options)),
      info_(info),
      clock_(clock),
      handler_(std::move(handler)),
      timer_fd_(std::move(timer)) {
  ClientConfig config;
  config.mac = info_.mac;
  config.rapid_commit = options_.rapid_commit;
  config.request_routes = options_.request_routes;
  Transport& transport = *this;
  client_ = std::make_unique<Client>(config, transport, clock_, store, random_);
  timer_io_ = std::make_unique<asio::posix::stream_descriptor>(io_, timer_fd_.get());
}

ClientRunner::~ClientRunner() {
  *alive_ = false;
  for (auto* d : {&raw_io_, &udp_io_, &timer_io_})
    if (*d) (*d)->release();
}

void ClientRunner::start() {
  waitTimer();
  deliver(client_->start());
}

void ClientRunner::deliver(std::vector<Event> events) {
  for (const auto& e : events) handler_(e);
  reschedule();
}

void ClientRunner::reschedule() {
  itimerspec its{};
  if (auto at = client_->deadline()) {
    Millis delay = std::max(*at - clock_.boottime(), Millis{0});
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count();
    if (ns == 0) ns = 1;  // zero would disarm
    its.it_value.tv_sec = ns / 1000000000;
    its.it_value.tv_nsec = ns % 1000000000;
  }
  ::timerfd_settime(timer_fd_.get(), 0, &its, nullptr);
}

void ClientRunner::waitTimer() {
  std::weak_ptr<bool> alive = alive_;
  timer_io_->async_wait(asio::posix::descriptor_base::wait_read,
                        [this, alive](boost::system::error_code ec) {
                          if (ec || !alive.lock() || !*alive.lock()) return;
                          uint64_t expirations = 0;
                          (void)!::read(timer_fd_.get(), &expirations, sizeof expirations);
                          auto at = client_->deadline();
                          if (at && clock_.boottime() >= *at) {
                            deliver(client_->onTimer());
                          } else {
                            reschedule();
                          }
                          waitTimer();
                        });
}

void ClientRunner::waitRaw() {
  std::weak_ptr<bool> alive = alive_;
  auto* view = raw_io_.get();
  view->async_wait(
      asio::posix::descriptor_base::wait_read, [this, alive, view](boost::system::error_code ec) {
        if (ec || !alive.lock() || !*alive.lock()) return;
        while (raw_io_.get() == view) {
          std::string dropped;
          auto packet = raw_->receive(&dropped);
          if (!packet) {
            handler_({Event::Kind::kError, std::nullopt, packet.error().message()});
            break;
          }
          if (!*packet) {
            if (dropped.empty()) break;  // drained
            handler_({Event::Kind::kRejected, std::nullopt, "frame dropped: " + dropped});
            continue;
          }
          deliver(client_->onPacket(**packet));
        }
        if (raw_io_.get() == view) waitRaw();  // a listen switch re-armed the new socket itself
      });
}

void ClientRunner::waitUdp() {
  std::weak_ptr<bool> alive = alive_;
  auto* view = udp_io_.get();
  view->async_wait(asio::posix::descriptor_base::wait_read,
                   [this, alive, view](boost::system::error_code ec) {
                     if (ec || !alive.lock() || !*alive.lock()) return;
                     while (udp_io_.get() == view) {
                       auto packet = udp_->receive();
                       if (!packet) {
                         handler_({Event::Kind::kError, std::nullopt, packet.error().message()});
                         break;
                       }
                       if (!*packet) break;
                       deliver(client_->onPacket(**packet));
                     }
                     if (udp_io_.get() == view) waitUdp();
                   });
}

Result<void> ClientRunner::listen(Listen mode) {
  if (mode == Listen::kRaw) {
    if (udp_io_) {
      udp_io_->release();
      udp_io_.reset();
      udp_.reset();
    }
    if (!raw_) {
      auto raw = RawDhcpSocket::open(options_.netns_fd, info_.ifindex);
      if (!raw) return unexpected<Error>(raw.error());
      raw_.emplace(std::move(*raw));
      raw_io_ = std::make_unique<asio::posix::stream_descriptor>(io_, raw_->fd());
      waitRaw();
    }
    return {};
  }
  if (raw_io_) {
    raw_io_->release();
    raw_io_.reset();
    raw_.reset();
  }
  if (!udp_) {
    auto udp = UdpDhcpSocket::open(options_.netns_fd, options_.interface);
    if (!udp) return unexpected<Error>(udp.error());
    udp_.emplace(std::move(*udp));
    udp_io_ = std::make_unique<asio::posix::stream_descriptor>(io_, udp_->fd());
    waitUdp();
  }
  return {};
}

Result<void> ClientRunner::sendBroadcast(std::span<const uint8_t> payload,
                                         const IpAddress& source) {
  if (!raw_) {
    // REBINDING switches back to raw first; this only happens if that reopen failed.
    auto r = listen(Listen::kRaw);
    if (!r) return r;
  }
  return raw_->sendBroadcast(payload, source);
}

Result<void> ClientRunner::sendUnicast(std::span<const uint8_t> payload, const IpAddress& server) {
  if (!udp_) return fail(ErrorCode::kSystem, "no UDP socket for unicast renew");
  return udp_->sendTo(payload, server);
}

}  // namespace rempart::netconfig::dhcp
