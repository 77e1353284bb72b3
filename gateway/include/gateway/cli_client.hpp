// The CLI's side of the control protocol: sends one request to rempartd and waits for the
// response. Blocking, for a short-lived process. The CLI holds no privilege; rempartd decides.
#pragma once

#include <filesystem>

#include "common/result.hpp"
#include "gateway/control_protocol.hpp"

namespace rempart::gateway {

inline constexpr const char* kDefaultControlSocket = "/run/rempart/control.sock";

// Connects to `socket_path`, sends `request`, returns the decoded response. Fails with kSystem
// when rempartd is not reachable and kProtocol on a malformed response. With `hangup_fd` (the
// CLI's standard output: sshd's pipe or the session's terminal), it also gives up as soon as
// that session goes away, so that the control connection closes with it: rempartd then knows
// the SSH connection dropped (a commit-confirm rolls back at once).
[[nodiscard]] Result<ControlResponse> callDaemon(const std::filesystem::path& socket_path,
                                                 const ControlRequest& request, int hangup_fd = -1);

}  // namespace rempart::gateway
