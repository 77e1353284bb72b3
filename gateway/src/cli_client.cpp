#include "gateway/cli_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"

namespace rempart::gateway {

namespace {

Result<void> writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failErrno("sending the request to rempartd");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<void> readExactly(int fd, char* buf, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, buf, n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return failErrno("reading rempartd's response");
    if (r == 0) return fail(ErrorCode::kProtocol, "rempartd closed the connection early");
    buf += r;
    n -= static_cast<size_t>(r);
  }
  return {};
}

// Waits until `fd` has the response's first bytes. Gives up (kCancelled-like kSystem error) when
// `hangup_fd` reports that the other end of the session went away.
Result<void> awaitResponse(int fd, int hangup_fd) {
  if (hangup_fd < 0 || ::fcntl(hangup_fd, F_GETFD) < 0) return {};
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {hangup_fd, 0, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failErrno("waiting for rempartd");
    if (fds[0].revents) return {};
    if (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL))
      return fail(ErrorCode::kSystem, "the session ended before rempartd answered");
  }
}

}  // namespace

Result<ControlResponse> callDaemon(const std::filesystem::path& socket_path,
                                   const ControlRequest& request, int hangup_fd) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.native().size() >= sizeof addr.sun_path) {
    return fail(ErrorCode::kInvalidInput,
                "control socket path is too long: " + socket_path.string());
  }
  std::strcpy(addr.sun_path, socket_path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return failErrno("creating a Unix socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return failErrno("connecting to rempartd at " + socket_path.string());
  }
  std::string payload = encodeRequest(request);
  if (payload.size() > kMaxRequestBytes) {
    return fail(ErrorCode::kLimit,
                "request exceeds " + std::to_string(kMaxRequestBytes) + " bytes");
  }
  TRY(writeAll(fd.get(), frame(payload)));
  TRY(awaitResponse(fd.get(), hangup_fd));
  char header[4];
  TRY(readExactly(fd.get(), header, 4));
  auto b = [&](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(header[i])); };
  uint32_t n = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
  if (n > kMaxResponseBytes * 2 + 12) return fail(ErrorCode::kProtocol, "response too large");
  std::string body(n, '\0');
  TRY(readExactly(fd.get(), body.data(), n));
  return decodeResponse(body);
}

}  // namespace rempart::gateway
