// Crash-safe file replacement: after writeFileAtomic returns success, `path` holds exactly
// `content`; after a crash at any point it holds either the old or the new content, never a mix.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace rempart {

// Writes `content` to a temporary file beside `path` (O_CLOEXEC, mode `mode`), fsyncs it,
// renames it over `path`, then fsyncs the directory. On failure the temporary file is removed
// and `path` is untouched. Thread-safe for distinct paths.
[[nodiscard]] Result<void> writeFileAtomic(const std::filesystem::path& path,
                                           std::string_view content, mode_t mode = 0600);

// Reads a whole regular file of at most `max_bytes`; larger files are refused (kLimit) so that
// a hostile file cannot exhaust memory.
[[nodiscard]] Result<std::string> readFile(const std::filesystem::path& path,
                                           size_t max_bytes = 16 * 1024 * 1024);

// Creates `path` and any missing parents, then sets `path`'s mode to exactly `mode` (whatever
// the umask); an existing directory gets its mode corrected.
[[nodiscard]] Result<void> makeDirectory(const std::filesystem::path& path, mode_t mode);

}  // namespace rempart
