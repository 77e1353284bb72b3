// libFuzzer target for the lease file parser: anything it accepts must format back to a file
// that parses to the same lease.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "netconfig/dhcp/lease.hpp"

using namespace rempart::netconfig::dhcp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lease = parseLeaseFile(text, "wan0");
  if (!lease) return 0;
  auto again = parseLeaseFile(formatLeaseFile(*lease, "wan0"), "wan0");
  if (!again || !(*again == *lease)) std::abort();
  return 0;
}
