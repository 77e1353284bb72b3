// libFuzzer target for untrusted DHCP input: the IPv4/UDP frame decoder, the DHCP parser, the
// serializer (parse -> serialize -> parse must be the identity), and the client state machine
// fed the packet in SELECTING and in REQUESTING.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "../netconfig/dhcp/fakes.hpp"
#include "../netconfig/dhcp/packet_builder.hpp"
#include "netconfig/dhcp/frame.hpp"
#include "netconfig/dhcp/lease_state.hpp"
#include "netconfig/dhcp/packet.hpp"

using namespace rempart;
using namespace rempart::netconfig::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  (void)decodeUdpFrame(input, kClientPort, true);
  (void)decodeUdpFrame(input, kClientPort, false);

  auto m = parseMessage(input);
  if (m) {
    auto bytes = serializeMessage(*m);
    if (bytes) {
      auto again = parseMessage(*bytes);
      if (!again || !(*again == *m)) std::abort();  // the serializer lost or changed something
    }
    if (auto lease = leaseFromAck(*m, 1700000000)) {
      LeasePolicy policy;
      policy.interface = "wan0";
      policy.protected_prefixes = {*IpPrefix::parse("10.1.0.0/16")};
      (void)leaseToDesiredState(*lease, policy, 1700000000);
      auto text = formatLeaseFile(*lease, "wan0");
      auto back = parseLeaseFile(text, "wan0");
      if (!back || !(*back == *lease)) std::abort();  // save -> load must round-trip
    }
  }

  // The state machine: the deterministic fake random makes the xid learnable.
  test::FakeTransport transport;
  test::FakeClock clock;
  test::MemoryLeaseStore store;
  test::FixedRandom random;
  ClientConfig config;
  config.mac = test::kMac;
  Client client(config, transport, clock, store, random);
  client.start();
  client.onPacket(input);
  client.onPacket(input);  // again, in whatever state the first one left
  return 0;
}
