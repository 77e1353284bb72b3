// The client state machine, driven through fakes: each RFC 2131 transition, the reply checks
// and the CVE-2020-13529 (FORCERENEW) case.
#include <catch2/catch.hpp>

#include "fakes.hpp"
#include "packet_builder.hpp"

using namespace rempart;
using namespace rempart::netconfig::dhcp;
using namespace rempart::netconfig::dhcp::test;
using namespace std::chrono_literals;
using Kind = Event::Kind;

namespace {

const IpAddress kServer = *IpAddress::parse("10.0.0.1");
const IpAddress kOther = *IpAddress::parse("10.0.0.2");
const IpAddress kAddr = *IpAddress::parse("10.0.0.5");

struct Harness {
  FakeTransport transport;
  FakeClock clock;
  MemoryLeaseStore store;
  FixedRandom random;
  ClientConfig config = [] {
    ClientConfig c;
    c.mac = kMac;
    return c;
  }();
  Client client{config, transport, clock, store, random};

  Message reply(MessageType type, IpAddress server = kServer, uint32_t lease = 120) {
    Message m;
    m.op = kBootReply;
    m.xid = client.xid();
    std::copy(kMac.begin(), kMac.end(), m.chaddr.begin());
    m.options.message_type = type;
    m.options.server_id = server;
    if (type != MessageType::kNak) {
      m.yiaddr = kAddr;
      m.options.subnet_mask = *IpAddress::parse("255.255.255.0");
      m.options.routers = {kServer};
      m.options.lease_time = lease;
    }
    return m;
  }
  std::vector<Event> feed(const Message& m) { return client.onPacket(*serializeMessage(m)); }
  std::vector<Event> fire() {
    REQUIRE(client.deadline());
    clock.now = *client.deadline();
    return client.onTimer();
  }
  void bind() {
    client.start();
    feed(reply(MessageType::kOffer));
    auto ev = feed(reply(MessageType::kAck));
    REQUIRE(client.state() == State::kBound);
  }
};

bool has(const std::vector<Event>& ev, Kind kind) {
  for (const auto& e : ev)
    if (e.kind == kind) return true;
  return false;
}
MessageType typeOf(const Sent& s) {
  return *s.message.options.message_type;
}

}  // namespace

TEST_CASE("dhcp client: INIT -> SELECTING -> REQUESTING -> BOUND", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  CHECK(h.client.state() == State::kSelecting);
  REQUIRE(h.transport.sent.size() == 1);
  const Sent& discover = h.transport.last();
  CHECK(typeOf(discover) == MessageType::kDiscover);
  CHECK_FALSE(discover.unicast);
  CHECK(discover.peer.isUnspecified());
  CHECK(discover.message.options.rapid_commit);
  CHECK(discover.message.options.client_id == std::vector<uint8_t>{1, 2, 0, 0, 0, 0, 1});
  uint32_t xid = discover.message.xid;

  auto ev = h.feed(h.reply(MessageType::kOffer));
  CHECK(ev.empty());
  CHECK(h.client.state() == State::kRequesting);
  const Sent& request = h.transport.last();
  CHECK(typeOf(request) == MessageType::kRequest);
  CHECK(request.message.xid == xid);
  CHECK(request.message.options.server_id == kServer);
  CHECK(request.message.options.requested_ip == kAddr);

  ev = h.feed(h.reply(MessageType::kAck));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::kBound);
  CHECK(ev[0].lease->address.str() == "10.0.0.5/24");
  CHECK(h.client.state() == State::kBound);
  CHECK(h.store.stored == ev[0].lease);
  CHECK(h.transport.modes.back() == Transport::Listen::kUdp);
  CHECK(h.client.deadline() == h.clock.now + 60s);  // T1 = lease/2, zero jitter
}

TEST_CASE("dhcp client: rapid commit ACK binds straight from SELECTING", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  Message ack = h.reply(MessageType::kAck);
  ack.options.rapid_commit = true;
  auto ev = h.feed(ack);
  CHECK(has(ev, Kind::kBound));
  CHECK(h.client.state() == State::kBound);
  CHECK(h.transport.sent.size() == 1);

  SECTION("without option 80 an ACK in SELECTING is ignored") {
    Harness g;
    g.client.start();
    CHECK(has(g.feed(g.reply(MessageType::kAck)), Kind::kRejected));
    CHECK(g.client.state() == State::kSelecting);
  }
}

TEST_CASE("dhcp client: BOUND -> RENEWING (unicast) -> BOUND", "[unit][dhcp]") {
  Harness h;
  h.bind();
  Millis bound_at = h.clock.now;
  h.fire();
  CHECK(h.clock.now == bound_at + 60s);
  CHECK(h.client.state() == State::kRenewing);
  const Sent& renew = h.transport.last();
  CHECK(typeOf(renew) == MessageType::kRequest);
  CHECK(renew.unicast);
  CHECK(renew.peer == kServer);
  CHECK(renew.message.ciaddr == kAddr);
  CHECK_FALSE(renew.message.options.server_id);
  CHECK_FALSE(renew.message.options.requested_ip);

  SECTION("an ACK from another server is refused while renewing") {
    CHECK(has(h.feed(h.reply(MessageType::kAck, kOther)), Kind::kRejected));
    CHECK(h.client.state() == State::kRenewing);
  }
  auto ev = h.feed(h.reply(MessageType::kAck));
  REQUIRE(has(ev, Kind::kRenewed));
  CHECK(h.client.state() == State::kBound);
  CHECK(h.client.deadline() == h.clock.now + 60s);
  CHECK(h.store.saves == 2);
}

TEST_CASE("dhcp client: RENEWING -> REBINDING (broadcast) -> BOUND via any server",
          "[unit][dhcp]") {
  Harness h;
  h.bind();
  Millis bound_at = h.clock.now;
  h.fire();                                               // T1
  while (h.client.state() == State::kRenewing) h.fire();  // retransmits, then T2
  CHECK(h.clock.now == bound_at + 105s);
  CHECK(h.client.state() == State::kRebinding);
  const Sent& rebind = h.transport.last();
  CHECK_FALSE(rebind.unicast);
  CHECK(rebind.peer == kAddr);  // broadcast from our address
  CHECK(rebind.message.ciaddr == kAddr);
  CHECK(h.transport.modes.back() == Transport::Listen::kRaw);
  CHECK(has(h.feed(h.reply(MessageType::kAck, kOther)), Kind::kRenewed));
  CHECK(h.client.state() == State::kBound);
}

TEST_CASE("dhcp client: REBINDING -> expiry removes the lease and restarts", "[unit][dhcp]") {
  Harness h;
  h.bind();
  Millis bound_at = h.clock.now;
  std::vector<Event> ev;
  while (!has(ev, Kind::kLost)) ev = h.fire();
  CHECK(h.clock.now == bound_at + 120s);
  for (const auto& e : ev)
    if (e.kind == Kind::kLost) CHECK(e.lease->address.str() == "10.0.0.5/24");
  CHECK_FALSE(h.store.stored);
  CHECK(h.client.state() == State::kSelecting);
  CHECK(typeOf(h.transport.last()) == MessageType::kDiscover);
}

TEST_CASE("dhcp client: NAK handling and back-off", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  h.feed(h.reply(MessageType::kOffer));
  SECTION("a NAK from a server we did not select is ignored") {
    CHECK(has(h.feed(h.reply(MessageType::kNak, kOther)), Kind::kRejected));
    CHECK(h.client.state() == State::kRequesting);
  }
  SECTION("a NAK from the selected server restarts after 1 s, then 2 s") {
    h.feed(h.reply(MessageType::kNak));
    CHECK(h.client.state() == State::kInit);
    CHECK(h.client.deadline() == h.clock.now + 1s);
    h.fire();
    CHECK(h.client.state() == State::kSelecting);
    h.feed(h.reply(MessageType::kOffer));
    h.feed(h.reply(MessageType::kNak));
    CHECK(h.client.deadline() == h.clock.now + 2s);
  }
  SECTION("a NAK while renewing drops the address") {
    h.feed(h.reply(MessageType::kAck));
    h.fire();
    REQUIRE(h.client.state() == State::kRenewing);
    auto ev = h.feed(h.reply(MessageType::kNak));
    CHECK(has(ev, Kind::kLost));
    CHECK_FALSE(h.store.stored);
    CHECK(h.client.state() == State::kInit);
  }
}

TEST_CASE("dhcp client: INIT-REBOOT reuses a stored lease", "[unit][dhcp]") {
  Harness h;
  Lease stored = *leaseFromAck(h.reply(MessageType::kAck), h.clock.realtimeSeconds() - 10);
  h.store.stored = stored;
  h.client.start();
  CHECK(h.client.state() == State::kRebooting);
  const Sent& req = h.transport.last();
  CHECK(typeOf(req) == MessageType::kRequest);
  CHECK(req.message.options.requested_ip == kAddr);
  CHECK_FALSE(req.message.options.server_id);
  CHECK(req.message.ciaddr.isUnspecified());

  SECTION("ACK binds") {
    CHECK(has(h.feed(h.reply(MessageType::kAck)), Kind::kBound));
    CHECK(h.client.state() == State::kBound);
  }
  SECTION("NAK clears the store and restarts") {
    h.feed(h.reply(MessageType::kNak, kOther));
    CHECK_FALSE(h.store.stored);
    CHECK(h.client.state() == State::kInit);
  }
  SECTION("no answer falls back to INIT") {
    while (h.client.state() == State::kRebooting) h.fire();
    CHECK(h.client.state() == State::kSelecting);
    CHECK(typeOf(h.transport.last()) == MessageType::kDiscover);
  }
}

TEST_CASE("dhcp client: an expired or corrupt stored lease starts from INIT", "[unit][dhcp]") {
  Harness h;
  SECTION("expired") {
    h.store.stored = *leaseFromAck(h.reply(MessageType::kAck), h.clock.realtimeSeconds() - 121);
    h.client.start();
    CHECK(h.client.state() == State::kSelecting);
  }
  SECTION("corrupt") {
    h.store.corrupt = true;
    auto ev = h.client.start();
    REQUIRE(has(ev, Kind::kRejected));
    CHECK(ev[0].detail.find("lease file ignored") != std::string::npos);
    CHECK(h.client.state() == State::kSelecting);
  }
}

TEST_CASE("CVE-2020-13529: FORCERENEW is ignored in BOUND", "[unit][dhcp][cve]") {
  Harness h;
  h.bind();
  size_t sent = h.transport.sent.size();
  auto deadline = h.client.deadline();
  Message force = h.reply(MessageType::kForceRenew);
  auto ev = h.feed(force);
  REQUIRE(has(ev, Kind::kRejected));
  CHECK(ev[0].detail.find("FORCERENEW") != std::string::npos);
  CHECK(h.client.state() == State::kBound);
  CHECK(h.transport.sent.size() == sent);
  CHECK(h.client.deadline() == deadline);
  SECTION("any other message in BOUND is ignored too") {
    CHECK(has(h.feed(h.reply(MessageType::kNak)), Kind::kRejected));
    CHECK(h.client.state() == State::kBound);
  }
}

TEST_CASE("dhcp client: replies for someone else are rejected", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  Message offer = h.reply(MessageType::kOffer);
  SECTION("xid mismatch") {
    offer.xid ^= 1;
  }
  SECTION("chaddr mismatch") {
    offer.chaddr[5] ^= 1;
  }
  SECTION("bad op") {
    offer.op = kBootRequest;
  }
  SECTION("bad htype") {
    offer.htype = 6;
  }
  SECTION("hlen") {
    offer.hlen = 16;
  }
  SECTION("offer without server id") {
    offer.options.server_id.reset();
  }
  SECTION("offer of 0.0.0.0") {
    offer.yiaddr = IpAddress::v4(0);
  }
  SECTION("offer with lease time 0") {
    offer.options.lease_time = 0;
  }
  SECTION("offer without mask") {
    offer.options.subnet_mask.reset();
  }
  CHECK(has(h.feed(offer), Kind::kRejected));
  CHECK(h.client.state() == State::kSelecting);
  CHECK(h.transport.sent.size() == 1);
}

TEST_CASE("dhcp client: a malformed packet is rejected with a reason", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  RawPacket bad(2, h.client.xid());
  bad.type(2).raw({51, 9, 0});
  auto ev = h.client.onPacket(bad.bytes);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Kind::kRejected);
  CHECK(ev[0].detail.find("malformed DHCP packet: option 51") != std::string::npos);
  RawPacket cookie(2, h.client.xid());
  cookie.bytes[236] = 0;
  CHECK(has(h.client.onPacket(cookie.bytes), Kind::kRejected));
  CHECK(h.client.state() == State::kSelecting);
}

TEST_CASE("dhcp client: retransmission back-off and REQUESTING give-up", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  uint32_t xid = h.client.xid();
  Millis t0 = h.clock.now;
  h.fire();
  CHECK(h.clock.now == t0 + 4s);
  h.fire();
  CHECK(h.clock.now == t0 + 12s);
  CHECK(h.transport.sent.size() == 3);
  CHECK(h.transport.last().message.xid == xid);
  CHECK(h.transport.last().message.secs == 12);
  h.feed(h.reply(MessageType::kOffer));
  while (h.client.state() == State::kRequesting) h.fire();
  CHECK(h.client.state() == State::kSelecting);
  CHECK(h.client.xid() != xid);
  size_t requests = 0;
  for (const auto& s : h.transport.sent) requests += typeOf(s) == MessageType::kRequest;
  CHECK(requests == h.config.request_attempts);
}

TEST_CASE("dhcp client: infinite lease never renews", "[unit][dhcp]") {
  Harness h;
  h.client.start();
  h.feed(h.reply(MessageType::kOffer, kServer, kInfiniteLease));
  auto ev = h.feed(h.reply(MessageType::kAck, kServer, kInfiniteLease));
  REQUIRE(has(ev, Kind::kBound));
  CHECK(ev[0].lease->infinite());
  CHECK_FALSE(h.client.deadline());
}
