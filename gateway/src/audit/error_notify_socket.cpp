#include "gateway/audit/error_notify_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace rempart::gateway::audit {

Result<UniqueFd> connectErrorNotify(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.empty() || p.size() >= sizeof addr.sun_path) {
    return fail(ErrorCode::kInvalidInput, "error-notify socket path '" + p + "' is too long");
  }
  std::memcpy(addr.sun_path, p.data(), p.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return failErrno("creating a unix socket for " + p);
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) break;
    if (errno == EINTR) continue;
    // A unix stream connect does not return EINPROGRESS unless the backlog is full; treat it
    // as a failure to retry rather than a half-open socket.
    return failErrno("connecting to error-notify socket " + p);
  }
  return fd;
}

}  // namespace rempart::gateway::audit
