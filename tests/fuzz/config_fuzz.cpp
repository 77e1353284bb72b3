// libFuzzer target for the configuration parser: any byte string must give either a model or
// located diagnostics, never a crash, a leak, undefined behaviour or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = rempart::config::parseConfig(text, "fuzz.yaml");
  if (result) {
    // A valid model satisfies the schema's basic promises.
    if (result->levels.empty() || result->levels.size() > rempart::config::kMaxLevels)
      __builtin_trap();
    return 0;
  }
  if (result.error().empty()) __builtin_trap();  // a failure always says why
  for (const auto& d : result.error()) {
    if (d.message.empty() || d.line < 0 || d.column < 0) __builtin_trap();
    if (d.format().empty()) __builtin_trap();
  }
  return 0;
}
