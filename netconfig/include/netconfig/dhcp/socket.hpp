// The DHCP client's sockets, created inside a given network namespace without moving the
// calling thread: a packet socket (AF_PACKET/SOCK_DGRAM, BPF filter for UDP port 68,
// PACKET_AUXDATA for TP_STATUS_CSUMNOTREADY) used until an address is bound, and a UDP socket
// bound to the interface for unicast RENEW. All fds are CLOEXEC and non-blocking. Any thread.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace rempart::netconfig::dhcp {

// Creates socket(domain, type, protocol) inside the network namespace `netns_fd` (an fd of
// /proc/PID/ns/net or /run/netns/NAME; -1 means the caller's namespace). A short-lived helper
// thread enters the namespace, so the calling thread's namespace never changes.
[[nodiscard]] Result<UniqueFd> socketInNetns(int netns_fd, int domain, int type, int protocol);

struct InterfaceInfo {
  int ifindex = 0;
  std::array<uint8_t, 6> mac{};
};
// Looks `name` up in the namespace of `any_socket` (ioctls act in the socket's namespace).
// Fails with kNotFound, or kInvalidInput for a non-Ethernet interface.
[[nodiscard]] Result<InterfaceInfo> interfaceInfo(int any_socket, const std::string& name);

class RawDhcpSocket {
 public:
  static Result<RawDhcpSocket> open(int netns_fd, int ifindex);
  int fd() const { return fd_.get(); }
  // Broadcasts a DHCP payload from `source`:68 to 255.255.255.255:67 (Ethernet broadcast).
  Result<void> sendBroadcast(std::span<const uint8_t> payload, const IpAddress& source);
  // Reads one datagram. nullopt: nothing (more) to read, or a frame that is not ours (bad
  // checksum, outgoing copy...), which `dropped` then describes.
  Result<std::optional<std::vector<uint8_t>>> receive(std::string* dropped);

 private:
  RawDhcpSocket(UniqueFd fd, int ifindex) : fd_(std::move(fd)), ifindex_(ifindex) {}
  UniqueFd fd_;
  int ifindex_;
};

class UdpDhcpSocket {
 public:
  // 0.0.0.0:68 with SO_BINDTODEVICE `interface` (and SO_REUSEADDR), in `netns_fd`.
  static Result<UdpDhcpSocket> open(int netns_fd, const std::string& interface);
  int fd() const { return fd_.get(); }
  Result<void> sendTo(std::span<const uint8_t> payload, const IpAddress& server);
  Result<std::optional<std::vector<uint8_t>>> receive();

 private:
  explicit UdpDhcpSocket(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace rempart::netconfig::dhcp
