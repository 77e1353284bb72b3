// Finding and exporting the files of the audit logs in a directory: what `log verify DIR` checks
// and what `log export` (issue 6) streams to an auditor.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway::audit {

// The log files of `dir` grouped by log name ("admin", "connections"), each group in chain
// order. kNotFound when there are none; kSystem when the directory cannot be listed.
[[nodiscard]] Result<std::map<std::string, std::vector<std::filesystem::path>>> listLogFiles(
    const std::filesystem::path& dir);

// Writes the files of log `name` in `dir`, in order, to `out_fd`: the raw chained lines that
// `rempart log verify -` checks on any machine. Reads each file as it is; a record appended
// meanwhile may or may not be included, but the output is always a prefix-closed chain unless
// the last line is mid-write (the verifier then reports it as incomplete).
[[nodiscard]] Result<void> exportLog(const std::filesystem::path& dir, std::string_view name,
                                     int out_fd);

}  // namespace rempart::gateway::audit
