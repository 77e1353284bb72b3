// rempartd's control socket: accepts CLI connections on a Unix stream socket, learns the peer's
// uid from the kernel (SO_PEERCRED), decodes one request, hands it to the handler, writes the
// response and closes. Runs on rempartd's io_context thread; the handler runs there too.
// A slow or hostile client cannot block others: reading the request has a deadline and size
// caps. The handler may answer at once or later (a command that waits on charon, or a
// commit-confirm hold that lasts as long as the client's connection); meanwhile the server
// watches the connection and tells the handler when the client goes away.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

#include "common/result.hpp"
#include "gateway/control_protocol.hpp"

namespace rempart::gateway {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The answer to one request, to be sent exactly once, now or later (later calls are ignored).
class PendingReply {
 public:
  virtual ~PendingReply() = default;
  virtual void send(ControlResponse response) = 0;
  // `f` runs once if the client closes its connection (or dies) before send(). Replaces any
  // earlier callback.
  virtual void onPeerClosed(std::function<void()> f) = 0;
  // False once the response was sent or the client went away.
  virtual bool open() const = 0;
};

using ControlHandler = std::function<void(const ControlRequest&, const PeerCredentials&,
                                          std::shared_ptr<PendingReply>)>;
// Told about every request the server refuses itself (too large, undecodable), with the
// error message sent to the client; for the admin trail.
using RefusalHandler = std::function<void(const PeerCredentials&, const std::string& why)>;

class ControlServer {
 public:
  // Binds `path` (replacing a stale socket file), mode 0666: anyone may connect, and every
  // request is authorized by uid in the handler. Fails if the path cannot be bound.
  static Result<std::unique_ptr<ControlServer>> create(boost::asio::io_context& io,
                                                       const std::filesystem::path& path,
                                                       ControlHandler handler,
                                                       RefusalHandler on_refused = {});
  ~ControlServer();

  static constexpr std::chrono::seconds kRequestDeadline{10};

 private:
  ControlServer(boost::asio::io_context& io, std::filesystem::path path, ControlHandler handler,
                RefusalHandler on_refused);
  void accept();

  boost::asio::io_context& io_;
  std::filesystem::path path_;
  ControlHandler handler_;
  RefusalHandler on_refused_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
};

}  // namespace rempart::gateway
