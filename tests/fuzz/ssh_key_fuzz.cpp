// libFuzzer target for what arrives over SSH as text: authorized_keys lines (`users add-key`
// reads them from the admin's stdin), sshd's ExposeAuthInfo lines, and command lines split by
// the CLI. Checks no crash, that an accepted key re-parses from the line rempartd writes to the
// same fingerprint, that comments are printable ASCII, and that the splitter's words never
// contain a control character.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/command_line.hpp"
#include "gateway/ssh_public_key.hpp"

using namespace rempart::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto k = parsePublicKeyLine(in)) {
    for (char c : k->comment)
      if (c < 0x20 || c == 0x7f) std::abort();
    std::string line = k->authorizedKeysLine();
    auto again = parsePublicKeyLine(std::string_view(line).substr(13));  // "restrict,pty "
    if (!again || again->fingerprint != k->fingerprint || again->comment != k->comment)
      std::abort();
  }
  (void)fingerprintFromAuthInfo(in);
  if (auto words = splitCommandLine(in)) {
    for (const auto& w : *words)
      for (char c : w)
        if (static_cast<uint8_t>(c) < 0x20 && c != '\t') std::abort();
  }
  return 0;
}
