// IPv4+UDP framing for the DHCP client's packet socket (AF_PACKET, SOCK_DGRAM: the kernel adds
// and strips the Ethernet header). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"

namespace rempart::netconfig::dhcp {

// An IPv4 header (no options, TTL 64, DF clear) plus UDP header and payload, both checksummed.
std::vector<uint8_t> buildUdpFrame(const IpAddress& source, const IpAddress& destination,
                                   uint16_t source_port, uint16_t destination_port,
                                   std::span<const uint8_t> payload);

// Validates a received IPv4 datagram carrying UDP to `port` and returns its payload (a view
// into `frame`). Fails with kProtocol on a truncated or non-IPv4 header, a bad header checksum,
// a fragment, a non-UDP protocol, a wrong port, a UDP length that disagrees with the IP length,
// or a bad UDP checksum. `checksum_ready` is false when the kernel reported
// TP_STATUS_CSUMNOTREADY (the sender offloaded it, e.g. on veth): the UDP checksum is then
// partial by design and is not verified.
[[nodiscard]] Result<std::span<const uint8_t>> decodeUdpFrame(std::span<const uint8_t> frame,
                                                              uint16_t port, bool checksum_ready);

}  // namespace rempart::netconfig::dhcp
