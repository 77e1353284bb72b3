#include "names.hpp"

namespace rempart::firewall::detail {

std::string l4protoName(uint8_t proto) {
  switch (proto) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 50:
      return "esp";
    case 58:
      return "ipv6-icmp";
  }
  return std::to_string(proto);
}

std::string icmpTypeName(bool v6, uint8_t t) {
  if (!v6) {
    switch (t) {
      case 0:
        return "echo-reply";
      case 3:
        return "destination-unreachable";
      case 8:
        return "echo-request";
      case 11:
        return "time-exceeded";
    }
  } else {
    switch (t) {
      case 1:
        return "destination-unreachable";
      case 2:
        return "packet-too-big";
      case 128:
        return "echo-request";
      case 129:
        return "echo-reply";
      case 133:
        return "nd-router-solicit";
      case 134:
        return "nd-router-advert";
      case 135:
        return "nd-neighbor-solicit";
      case 136:
        return "nd-neighbor-advert";
    }
  }
  return std::to_string(t);
}

}  // namespace rempart::firewall::detail
