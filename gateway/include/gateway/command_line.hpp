// The CLI's word splitter for command lines that arrive over SSH (SSH_ORIGINAL_COMMAND and the
// interactive prompt). It is deliberately not a shell: it only separates words. Blanks (space,
// tab) separate words; '...' keeps its content literally; "..." keeps its content literally
// except for \" and \\; a backslash outside quotes makes the next character literal. Nothing is
// ever expanded or interpreted: $, `, *, ?, ;, |, &, <, >, (, ), ~ and # are plain characters
// inside words, so `status;` stays one word that rempartd refuses as an unknown command. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway {

inline constexpr size_t kMaxCommandLineBytes = 64 * 1024;

// The words of `line`. Fails (kInvalidInput, or kLimit for size) on: more than
// kMaxCommandLineBytes, bytes that are not valid UTF-8, control characters other than tab (a
// trailing newline is allowed), an unterminated quote, or a trailing backslash.
[[nodiscard]] Result<std::vector<std::string>> splitCommandLine(std::string_view line);

}  // namespace rempart::gateway
