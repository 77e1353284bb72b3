// Encoding and strict decoding of VICI packets and frames. The decoder accepts only
// well-formed packets within the protocol limits (message.hpp) and returns a located error
// for anything else; it never reads out of bounds, whatever the input. Any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/result.hpp"
#include "gateway/vici/message.hpp"

namespace rempart::gateway::vici {

enum class PacketType : uint8_t {
  kCmdRequest = 0,
  kCmdResponse = 1,
  kCmdUnknown = 2,
  kEventRegister = 3,
  kEventUnregister = 4,
  kEventConfirm = 5,
  kEventUnknown = 6,
  kEvent = 7,
};

std::string_view toString(PacketType type);
// Whether a packet of this type carries a name (command or event name).
bool isNamed(PacketType type);
// Whether a packet of this type carries a message (the others are the type byte, + name).
bool hasMessage(PacketType type);

struct Packet {
  PacketType type = PacketType::kCmdRequest;
  std::string name;  // for named types only
  Section message;   // for CMD_REQUEST, CMD_RESPONSE and EVENT only
};

// Serializes a message body (elements only). kLimit when a name, value or the whole body
// exceeds the protocol limits; kInvalidInput for an empty name or a section nested too deep.
Result<std::string> encodeMessage(const Section& message);
// Serializes a packet payload (type byte, name, message), without the length prefix.
Result<std::string> encodePacket(const Packet& packet);
// A full frame: 4-byte big-endian length, then the payload. kLimit above kMaxSegmentSize.
Result<std::string> encodeFrame(const Packet& packet);

// Parses a message body. kProtocol (with the byte offset) for malformed input, kLimit for
// a body above kMaxSegmentSize or nesting beyond kMaxSectionDepth.
Result<Section> decodeMessage(std::span<const uint8_t> body);
// Parses one frame payload (without the length prefix).
Result<Packet> decodePacket(std::span<const uint8_t> payload);
// Reads a frame's 4-byte length prefix; kLimit when it announces more than kMaxSegmentSize,
// kProtocol for an empty payload.
Result<size_t> decodeFrameLength(std::span<const uint8_t, 4> header);

}  // namespace rempart::gateway::vici
