// Packet and UDP sockets for the DHCP client.
#include "netconfig/dhcp/socket.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include "netconfig/dhcp/frame.hpp"
#include "netconfig/dhcp/packet.hpp"

namespace rempart::netconfig::dhcp {

Result<UniqueFd> socketInNetns(int netns_fd, int domain, int type, int protocol) {
  type |= SOCK_CLOEXEC | SOCK_NONBLOCK;
  if (netns_fd < 0) {
    int fd = ::socket(domain, type, protocol);
    if (fd < 0) return failErrno("creating socket");
    return UniqueFd(fd);
  }
  // setns() affects only the calling thread; doing it on a throwaway thread keeps every other
  // thread, including the caller, in its own namespace.
  int fd = -1, err = 0;
  const char* step = "";
  std::thread([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      err = errno;
      step = "entering network namespace";
      return;
    }
    fd = ::socket(domain, type, protocol);
    if (fd < 0) {
      err = errno;
      step = "creating socket in network namespace";
    }
  }).join();
  if (fd < 0) return failErrno(err, step);
  return UniqueFd(fd);
}

Result<InterfaceInfo> interfaceInfo(int sock, const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return fail(ErrorCode::kInvalidInput, "invalid interface name '" + name + "'");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  if (::ioctl(sock, SIOCGIFINDEX, &ifr) != 0) {
    if (errno == ENODEV) return fail(ErrorCode::kNotFound, "no interface " + name);
    return failErrno("looking up interface " + name);
  }
  InterfaceInfo info;
  info.ifindex = ifr.ifr_ifindex;
  if (::ioctl(sock, SIOCGIFHWADDR, &ifr) != 0) return failErrno("reading MAC address of " + name);
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
    return fail(ErrorCode::kInvalidInput, name + " is not an Ethernet interface");
  std::memcpy(info.mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  return info;
}

Result<RawDhcpSocket> RawDhcpSocket::open(int netns_fd, int ifindex) {
  auto fd = socketInNetns(netns_fd, AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
  if (!fd) return unexpected<Error>(fd.error().wrap("opening DHCP packet socket"));
  // The kernel hands SOCK_DGRAM filters the frame from the IP header on. Accept only unfragmented
  // IPv4/UDP to port 68; everything else never reaches user space.
  sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),  // protocol
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),  // flags + fragment offset
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),  // X = IP header length
      BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),   // UDP destination port
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kClientPort, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0xffff),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  sock_fprog prog{static_cast<unsigned short>(std::size(code)), code};
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
    return failErrno("attaching BPF filter");
  int one = 1;
  if (::setsockopt(fd->get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0)
    return failErrno("enabling PACKET_AUXDATA");
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_IP);
  sll.sll_ifindex = ifindex;
  if (::bind(fd->get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0)
    return failErrno("binding DHCP packet socket");
  return RawDhcpSocket(std::move(*fd), ifindex);
}

Result<void> RawDhcpSocket::sendBroadcast(std::span<const uint8_t> payload,
                                          const IpAddress& source) {
  auto frame = buildUdpFrame(source, IpAddress::v4(0xffffffff), kClientPort, kServerPort, payload);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_IP);
  sll.sll_ifindex = ifindex_;
  sll.sll_halen = 6;
  std::memset(sll.sll_addr, 0xff, 6);
  if (::sendto(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll),
               sizeof sll) < 0)
    return failErrno("sending DHCP broadcast");
  return {};
}

Result<std::optional<std::vector<uint8_t>>> RawDhcpSocket::receive(std::string* dropped) {
  std::vector<uint8_t> buf(kMaxMessageSize + 64);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
  sockaddr_ll from{};
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return std::optional<std::vector<uint8_t>>{};
    return failErrno("receiving on DHCP packet socket");
  }
  if (from.sll_pkttype == PACKET_OUTGOING) return std::optional<std::vector<uint8_t>>{};
  if (msg.msg_flags & MSG_TRUNC) {
    if (dropped) *dropped = "oversized frame";
    return std::optional<std::vector<uint8_t>>{};
  }
  bool checksum_ready = true;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      checksum_ready = !(aux.tp_status & TP_STATUS_CSUMNOTREADY);
    }
  }
  auto payload = decodeUdpFrame(std::span(buf.data(), size_t(n)), kClientPort, checksum_ready);
  if (!payload) {
    if (dropped) *dropped = payload.error().message();
    return std::optional<std::vector<uint8_t>>{};
  }
  return std::optional<std::vector<uint8_t>>(
      std::vector<uint8_t>(payload->begin(), payload->end()));
}

Result<UdpDhcpSocket> UdpDhcpSocket::open(int netns_fd, const std::string& interface) {
  auto fd = socketInNetns(netns_fd, AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  if (!fd) return unexpected<Error>(fd.error().wrap("opening DHCP UDP socket"));
  int one = 1;
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    return failErrno("setting SO_REUSEADDR");
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                   socklen_t(interface.size())) != 0)
    return failErrno("binding DHCP UDP socket to " + interface);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(kClientPort);
  if (::bind(fd->get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0)
    return failErrno("binding DHCP UDP socket to port 68");
  return UdpDhcpSocket(std::move(*fd));
}

Result<void> UdpDhcpSocket::sendTo(std::span<const uint8_t> payload, const IpAddress& server) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(kServerPort);
  std::memcpy(&sin.sin_addr, server.bytes.data(), 4);
  if (::sendto(fd_.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&sin),
               sizeof sin) < 0)
    return failErrno("sending DHCP unicast to " + server.str());
  return {};
}

Result<std::optional<std::vector<uint8_t>>> UdpDhcpSocket::receive() {
  std::vector<uint8_t> buf(kMaxMessageSize + 1);
  ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return std::optional<std::vector<uint8_t>>{};
    return failErrno("receiving on DHCP UDP socket");
  }
  buf.resize(size_t(n));
  return std::optional<std::vector<uint8_t>>(std::move(buf));
}

}  // namespace rempart::netconfig::dhcp
