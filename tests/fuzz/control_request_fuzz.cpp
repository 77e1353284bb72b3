// libFuzzer target for the control protocol decoders: rempartd decodes requests from any local
// user. Checks that decoding never crashes and that an accepted request or response re-encodes
// to exactly the input bytes (the format has one encoding per value), and that every accepted
// word and context value obeys the documented rules.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/control_protocol.hpp"

using namespace rempart::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = decodeRequest(in)) {
    if (encodeRequest(*r) != in) std::abort();
    if (r->words.size() > kMaxWords || r->context.size() > kMaxContextEntries) std::abort();
    for (const auto& w : r->words) {
      if (!isValidUtf8(w)) std::abort();
      for (char c : w)
        if (static_cast<uint8_t>(c) < 0x20) std::abort();
    }
  }
  if (auto r = decodeResponse(in)) {
    if (encodeResponse(*r) != in) std::abort();
  }
  return 0;
}
