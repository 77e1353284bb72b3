// nft's names for the numeric values we use, shared by renderer and tests.
#pragma once

#include <cstdint>
#include <string>

namespace rempart::firewall::detail {

std::string l4protoName(uint8_t proto);        // "tcp", "esp", "ipv6-icmp" or the number
std::string icmpTypeName(bool v6, uint8_t t);  // "echo-request", "nd-neighbor-solicit", ...

}  // namespace rempart::firewall::detail
