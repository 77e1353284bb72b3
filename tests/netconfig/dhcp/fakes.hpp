// Recording fakes for the DHCP client's seams: a transport that keeps every sent message, a
// clock the test moves, an in-memory lease store and a fixed random source.
#pragma once

#include <vector>

#include "netconfig/dhcp/client.hpp"

namespace rempart::netconfig::dhcp::test {

struct Sent {
  Message message;
  bool unicast = false;
  IpAddress peer;  // broadcast: source address; unicast: server
};

class FakeTransport : public Transport {
 public:
  Result<void> sendBroadcast(std::span<const uint8_t> payload, const IpAddress& source) override {
    return record(payload, false, source);
  }
  Result<void> sendUnicast(std::span<const uint8_t> payload, const IpAddress& server) override {
    return record(payload, true, server);
  }
  Result<void> listen(Listen mode) override {
    modes.push_back(mode);
    return {};
  }
  const Sent& last() const { return sent.back(); }

  std::vector<Sent> sent;
  std::vector<Listen> modes;

 private:
  Result<void> record(std::span<const uint8_t> payload, bool unicast, const IpAddress& peer) {
    auto m = parseMessage(payload);
    if (!m) return unexpected<Error>(m.error());  // our own output must always parse
    sent.push_back({*m, unicast, peer});
    return {};
  }
};

class FakeClock : public Clock {
 public:
  Millis boottime() const override { return now; }
  int64_t realtimeSeconds() const override { return unix_base + now.count() / 1000; }
  Millis now{100000};
  int64_t unix_base = 1700000000;
};

class MemoryLeaseStore : public LeaseStore {
 public:
  Result<std::optional<Lease>> load() override {
    if (corrupt) return fail(ErrorCode::kInvalidInput, "line 3: invalid address");
    return stored;
  }
  Result<void> save(const Lease& lease) override {
    stored = lease;
    ++saves;
    return {};
  }
  Result<void> clear() override {
    stored.reset();
    return {};
  }
  std::optional<Lease> stored;
  bool corrupt = false;
  int saves = 0;
};

// next() % 2001 == 1000, so jitter is exactly zero; xids count up from there.
class FixedRandom : public Random {
 public:
  uint32_t next() override { return value_ += 2001; }

 private:
  uint32_t value_ = 1000 - 2001;
};

}  // namespace rempart::netconfig::dhcp::test
