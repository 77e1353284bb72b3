// libFuzzer target for the VICI decoder: any frame payload must decode to a packet or a
// clean error, and whatever decodes must re-encode to a payload that decodes to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "gateway/vici/codec.hpp"
#include "gateway/vici/sa.hpp"

using namespace rempart::gateway::vici;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  if (size >= 4) (void)decodeFrameLength(std::span<const uint8_t, 4>(in.first<4>()));
  auto packet = decodePacket(in);
  if (!packet) return 0;
  // Typed parsers see decoded events in the client; exercise them on the same input.
  (void)parseUpdownEvent(packet->message);
  (void)parseListSaEvent(packet->message);
  (void)parseIkeRekeyEvent(packet->message);
  (void)parseChildRekeyEvent(packet->message);
  (void)parseLogEvent(packet->message);
  auto again = encodePacket(*packet);
  if (!again) abort();  // a decoded packet is always within the limits
  auto back = decodePacket(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(again->data()), again->size()));
  if (!back || back->type != packet->type || back->name != packet->name ||
      !(back->message == packet->message))
    abort();
  return 0;
}
