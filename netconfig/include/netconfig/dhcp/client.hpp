// The DHCPv4 client state machine (RFC 2131 section 4.4). Pure: it talks to the world only
// through the injected Transport, Clock, LeaseStore and Random, and reports what the caller must
// do as Events (apply a lease, remove an address, log a rejected packet). A driver feeds it
// received payloads and calls onTimer() when deadline() is reached. Single-threaded: every call
// must come from the thread that owns the client.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"
#include "netconfig/dhcp/lease.hpp"
#include "netconfig/dhcp/packet.hpp"

namespace rempart::netconfig::dhcp {

using Millis = std::chrono::milliseconds;

// CLOCK_BOOTTIME for timers (keeps counting in suspend) and wall-clock seconds for lease files.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis boottime() const = 0;
  virtual int64_t realtimeSeconds() const = 0;
};

class Random {
 public:
  virtual ~Random() = default;
  virtual uint32_t next() = 0;
};

// How the client sends and listens. Before an address is bound only the raw (packet) path
// works; once bound, RENEWING unicasts from the leased address over UDP.
class Transport {
 public:
  enum class Listen { kRaw, kUdp };
  virtual ~Transport() = default;
  // To 255.255.255.255:67 from `source`:68 (0.0.0.0 when we have no address).
  virtual Result<void> sendBroadcast(std::span<const uint8_t> payload, const IpAddress& source) = 0;
  // To server:67 from our bound address over the UDP socket.
  virtual Result<void> sendUnicast(std::span<const uint8_t> payload, const IpAddress& server) = 0;
  // Switches the receive path; kUdp is only requested while an address is bound.
  virtual Result<void> listen(Listen mode) = 0;
};

enum class State {
  kInit,
  kSelecting,
  kRequesting,
  kBound,
  kRenewing,
  kRebinding,
  kInitReboot,
  kRebooting,
};
std::string_view toString(State s);

struct ClientConfig {
  std::array<uint8_t, 6> mac{};
  bool rapid_commit = true;       // offer RFC 4039 rapid commit in DISCOVER
  bool request_routes = true;     // ask for options 121/33 (false when the config ignores them)
  Millis first_retransmit{4000};  // RFC 2131: 4 s, doubling to 64 s, +-1 s
  unsigned request_attempts = 4;  // REQUEST tries in REQUESTING before going back to INIT
  unsigned reboot_attempts = 2;   // REQUEST tries in REBOOTING before going back to INIT
  Millis nak_backoff_min{1000};   // restart delay after a NAK, doubling
  Millis nak_backoff_max{30 * 60 * 1000};
};

struct Event {
  enum class Kind {
    kBound,     // a new lease: apply it (address, routes, MTU)
    kRenewed,   // the same address, new lifetimes: re-apply
    kLost,      // NAK or expiry: remove `lease`'s address and routes
    kRejected,  // a packet was dropped; `detail` says why (log it)
    kError,     // a send or store failure; `detail` says what (log it); the client carries on
  };
  Kind kind;
  std::optional<Lease> lease;
  std::string detail;
};

class Client {
 public:
  Client(ClientConfig config, Transport& transport, const Clock& clock, LeaseStore& store,
         Random& random);

  // Starts from INIT-REBOOT when the store holds an unexpired lease, from INIT otherwise.
  std::vector<Event> start();
  // One received UDP payload (already checked for IP/UDP framing and port 68).
  std::vector<Event> onPacket(std::span<const uint8_t> payload);
  // Call when clock.boottime() >= deadline(); early calls do nothing.
  std::vector<Event> onTimer();

  std::optional<Millis> deadline() const;
  State state() const { return state_; }
  const std::optional<Lease>& lease() const { return lease_; }
  uint32_t xid() const { return xid_; }

 private:
  Message baseMessage(MessageType type) const;
  void send(const Message& m, std::vector<Event>& out);
  void sendDiscover(std::vector<Event>& out);
  void sendRequest(std::vector<Event>& out);
  void enterInit(Millis delay, std::vector<Event>& out);
  void bind(const Message& ack, std::vector<Event>& out);
  void loseLease(std::string why, std::vector<Event>& out);
  void onNak(const Message& nak, std::vector<Event>& out);
  void armRetransmit();
  Millis jitter(Millis base);
  std::optional<std::string> checkReply(const Message& m) const;

  ClientConfig config_;
  Transport& transport_;
  const Clock& clock_;
  LeaseStore& store_;
  Random& random_;

  State state_ = State::kInit;
  uint32_t xid_ = 0;
  unsigned attempt_ = 0;     // sends of the current message
  Millis attempt_start_{0};  // for the secs field
  std::optional<Millis> retransmit_at_;
  std::optional<Millis> init_at_;  // INIT waiting after a NAK
  unsigned naks_ = 0;
  std::optional<IpAddress> offered_;  // SELECTING -> REQUESTING
  std::optional<IpAddress> selected_server_;
  std::optional<Lease> lease_;      // bound (BOUND, RENEWING, REBINDING)
  std::optional<Lease> rebooting_;  // the stored lease being confirmed in REBOOTING
  Millis t1_at_{0}, t2_at_{0}, expiry_at_{0};
};

}  // namespace rempart::netconfig::dhcp
