// libFuzzer target for the strongSwan error-notify decoder: records from charon's socket carry
// text chosen by remote peers. Checks that decoding never crashes, that an accepted record
// re-encodes to the same bytes (the parser is strict about layout), and that its audit record
// is valid single-line JSON.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/audit/connection_audit.hpp"
#include "gateway/audit/error_notify.hpp"
#include "gateway/audit/json.hpp"

using namespace rempart::gateway::audit;

namespace {

void check(const ErrorNotify& n, std::string_view record) {
  if (record.size() == kErrorNotifyRecordSize) {
    std::string ip = n.peer_host;
    if (n.peer_port) ip += "[" + std::to_string(*n.peer_port) + "]";
    const std::string again =
        encodeErrorNotify(static_cast<int32_t>(n.type), n.message, n.connection, n.peer_id, ip);
    // A port with leading zeros ("[0500]") is accepted but re-encodes shorter.
    if (again != record && record.substr(0, 708) != again.substr(0, 708)) std::abort();
  }
  ConnectionAudit audit("fuzz");
  for (const auto& rec : audit.onErrorNotify(n, {})) {
    const std::string line = rec.toJson();
    if (line.find('\n') != std::string::npos || !parseJsonObject(line)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto n = parseErrorNotify(bytes)) check(*n, bytes);
  // The same bytes as a socket stream, in uneven reads.
  ErrorNotifyDecoder decoder;
  const size_t step = size ? (data[0] % 97) + 1 : 1;
  for (size_t i = 0; i < size; i += step) {
    for (auto& r : decoder.feed(bytes.substr(i, step))) {
      if (r) check(*r, {});
    }
  }
  if (decoder.buffered() >= kErrorNotifyRecordSize) std::abort();
  return 0;
}
