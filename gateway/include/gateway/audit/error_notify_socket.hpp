// Connecting to charon's error-notify socket (plugins.error-notify.socket). The daemon's event
// loop adopts the returned fd and feeds what it reads to an ErrorNotifyDecoder.
#pragma once

#include <filesystem>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace rempart::gateway::audit {

// Connects a SOCK_STREAM unix socket to `path`, CLOEXEC and non-blocking. kInvalidInput when the
// path does not fit in sockaddr_un; kSystem (with errno) when the connect fails, e.g. ENOENT or
// ECONNREFUSED while charon is not up yet: the caller retries with backoff. Any thread.
[[nodiscard]] Result<UniqueFd> connectErrorNotify(const std::filesystem::path& path);

}  // namespace rempart::gateway::audit
