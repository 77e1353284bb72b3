#include "gateway/control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace rempart::gateway {

namespace asio = boost::asio;
using Stream = asio::local::stream_protocol;

namespace {

// One client connection: read the length, then the payload, hand it to the handler, write the
// response when it comes, close. The deadline timer closes the socket if the client stalls
// while sending its request. While the handler works, a one-byte read watches for the client
// closing (a well-behaved client sends nothing more, so any byte or EOF means it is gone).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, Stream::socket socket, const ControlHandler& handler,
          const RefusalHandler& on_refused)
      : socket_(std::move(socket)), timer_(io), handler_(handler), on_refused_(on_refused) {}

  void start() {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return;
    peer_ = PeerCredentials{cred.pid, cred.uid, cred.gid};
    timer_.expires_after(ControlServer::kRequestDeadline);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->socket_.close();
    });
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](auto ec, size_t) { self->onHeader(ec); });
  }

  void send(const ControlResponse& r) {
    if (state_ != State::kWaiting) return;
    state_ = State::kSending;
    peer_closed_ = nullptr;
    reply_ = frame(encodeResponse(r));
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this()](auto, size_t) { self->finish(); });
  }

  void onPeerClosed(std::function<void()> f) { peer_closed_ = std::move(f); }
  bool open() const { return state_ == State::kWaiting; }

 private:
  enum class State { kReading, kWaiting, kSending, kDone };

  void onHeader(const boost::system::error_code& ec) {
    if (ec) return finish();
    uint32_t n = uint32_t{header_[0]} << 24 | uint32_t{header_[1]} << 16 |
                 uint32_t{header_[2]} << 8 | uint32_t{header_[3]};
    if (n > kMaxRequestBytes) {
      state_ = State::kWaiting;
      return refuse("request too large (limit " + std::to_string(kMaxRequestBytes) + " bytes)");
    }
    payload_.resize(n);
    asio::async_read(socket_, asio::buffer(payload_),
                     [self = shared_from_this()](auto ec2, size_t) { self->onPayload(ec2); });
  }

  void onPayload(const boost::system::error_code& ec) {
    if (ec) return finish();
    timer_.cancel();
    state_ = State::kWaiting;
    auto request = decodeRequest(payload_);
    if (!request) return refuse(request.error().message());
    watchPeer();
    handler_(*request, peer_, makeReply());
  }

  void watchPeer() {
    socket_.async_read_some(asio::buffer(probe_), [self = shared_from_this()](auto ec, size_t) {
      if (ec == asio::error::operation_aborted || self->state_ != State::kWaiting) return;
      self->state_ = State::kDone;
      auto f = std::move(self->peer_closed_);
      self->finish();
      if (f) f();
    });
  }

  std::shared_ptr<PendingReply> makeReply();

  void refuse(const std::string& why) {
    if (on_refused_) on_refused_(peer_, why);
    send(ControlResponse{2, "", "rempart: " + why + "\n"});
  }

  void finish() {
    state_ = State::kDone;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  Stream::socket socket_;
  asio::steady_timer timer_;
  ControlHandler handler_;
  RefusalHandler on_refused_;
  PeerCredentials peer_;
  State state_ = State::kReading;
  std::array<uint8_t, 4> header_{};
  std::array<char, 1> probe_{};
  std::string payload_;
  std::string reply_;
  std::function<void()> peer_closed_;
};

class SessionReply : public PendingReply {
 public:
  explicit SessionReply(std::shared_ptr<Session> s) : session_(std::move(s)) {}
  void send(ControlResponse response) override { session_->send(response); }
  void onPeerClosed(std::function<void()> f) override { session_->onPeerClosed(std::move(f)); }
  bool open() const override { return session_->open(); }

 private:
  std::shared_ptr<Session> session_;
};

std::shared_ptr<PendingReply> Session::makeReply() {
  return std::make_shared<SessionReply>(shared_from_this());
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path path,
                             ControlHandler handler, RefusalHandler on_refused)
    : io_(io),
      path_(std::move(path)),
      handler_(std::move(handler)),
      on_refused_(std::move(on_refused)),
      acceptor_(io) {}

ControlServer::~ControlServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

Result<std::unique_ptr<ControlServer>> ControlServer::create(asio::io_context& io,
                                                             const std::filesystem::path& path,
                                                             ControlHandler handler,
                                                             RefusalHandler on_refused) {
  std::unique_ptr<ControlServer> s(
      new ControlServer(io, path, std::move(handler), std::move(on_refused)));
  boost::system::error_code ec;
  ::unlink(path.c_str());
  s->acceptor_.open(Stream(), ec);
  if (!ec) s->acceptor_.bind(Stream::endpoint(path.string()), ec);
  if (!ec) s->acceptor_.listen(16, ec);
  if (ec) return failErrno(ec.value(), "binding control socket " + path.string());
  if (::chmod(path.c_str(), 0666) != 0) return failErrno("chmod " + path.string());
  s->accept();
  return s;
}

void ControlServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, Stream::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(io_, std::move(socket), handler_, on_refused_)->start();
    accept();
  });
}

}  // namespace rempart::gateway
