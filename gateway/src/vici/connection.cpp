#include "gateway/vici/connection.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>

#include "common/unique_fd.hpp"

namespace rempart::gateway::vici {

namespace asio = boost::asio;
using UnixStream = asio::local::stream_protocol;

struct Connection::Op {
  std::string what;                 // "list-sas", "register ike-updown": for messages
  std::vector<Packet> steps;        // packets sent in order, each awaiting its reply
  std::vector<std::string> frames;  // the steps encoded, by enqueue()
  size_t step = 0;
  std::string stream_event;  // collected while this op runs (streaming commands)
  Millis timeout{0};
  Reply reply;
  std::optional<Error> error;  // a step failed; remaining unregister steps still run
  ReplyHandler done;
};

Connection::Connection(asio::io_context& io) : io_(io), socket_(io), timer_(io) {}

Connection::~Connection() {
  // Handlers hold shared_ptrs, so by now nothing is in flight; just release the socket.
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void Connection::connect(asio::io_context& io, const std::string& path, Millis timeout,
                         ConnectHandler done) {
  std::shared_ptr<Connection> conn(new Connection(io));
  // Asio does not open sockets with CLOEXEC; open it ourselves and hand it over.
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    int e = errno;
    asio::post(io, [done, e] { done(failErrno(e, "vici: creating a unix socket")); });
    return;
  }
  boost::system::error_code ec;
  conn->socket_.assign(UnixStream(), fd.get(), ec);
  if (ec) {
    asio::post(io, [done, ec] { done(failErrno(ec.value(), "vici: adopting a unix socket")); });
    return;
  }
  fd.release();
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    asio::post(io, [done, path] {
      done(fail(ErrorCode::kInvalidInput, "vici: socket path too long: " + path));
    });
    return;
  }
  auto finished = std::make_shared<bool>(false);
  conn->timer_.expires_after(timeout);
  conn->timer_.async_wait([conn, finished, done, path, timeout](boost::system::error_code ec) {
    if (ec || *finished) return;
    *finished = true;
    conn->dead_ = true;
    boost::system::error_code ignored;
    conn->socket_.close(ignored);
    done(fail(ErrorCode::kTimeout, "vici: connecting to " + path + ": no answer within " +
                                       std::to_string(timeout.count()) + " ms"));
  });
  conn->socket_.async_connect(UnixStream::endpoint(path),
                              [conn, finished, done, path](boost::system::error_code ec) {
                                if (*finished) return;
                                *finished = true;
                                conn->timer_.cancel();
                                if (ec) {
                                  conn->dead_ = true;
                                  done(failErrno(ec.value(), "vici: connecting to " + path));
                                  return;
                                }
                                conn->readHeader();
                                done(conn);
                              });
}

void Connection::command(std::string command, Section args, Millis timeout, ReplyHandler done) {
  auto op = std::make_unique<Op>();
  op->what = command;
  op->steps.push_back(Packet{PacketType::kCmdRequest, std::move(command), std::move(args)});
  op->timeout = timeout;
  op->done = std::move(done);
  enqueue(std::move(op));
}

void Connection::stream(std::string command, Section args, std::string event, Millis timeout,
                        ReplyHandler done) {
  auto op = std::make_unique<Op>();
  op->what = command;
  op->steps.push_back(Packet{PacketType::kEventRegister, event, {}});
  op->steps.push_back(Packet{PacketType::kCmdRequest, std::move(command), std::move(args)});
  op->steps.push_back(Packet{PacketType::kEventUnregister, event, {}});
  op->stream_event = std::move(event);
  op->timeout = timeout;
  op->done = std::move(done);
  enqueue(std::move(op));
}

void Connection::registerEvent(std::string event, Millis timeout, DoneHandler done) {
  auto op = std::make_unique<Op>();
  op->what = "register " + event;
  op->steps.push_back(Packet{PacketType::kEventRegister, std::move(event), {}});
  op->timeout = timeout;
  op->done = [done = std::move(done)](Result<Reply> r) {
    done(r ? Result<void>{} : unexpected<Error>(r.error()));
  };
  enqueue(std::move(op));
}

void Connection::unregisterEvent(std::string event, Millis timeout, DoneHandler done) {
  auto op = std::make_unique<Op>();
  op->what = "unregister " + event;
  op->steps.push_back(Packet{PacketType::kEventUnregister, std::move(event), {}});
  op->timeout = timeout;
  op->done = [done = std::move(done)](Result<Reply> r) {
    done(r ? Result<void>{} : unexpected<Error>(r.error()));
  };
  enqueue(std::move(op));
}

void Connection::postFailure(std::unique_ptr<Op> op, Error error) {
  std::shared_ptr<Op> shared(std::move(op));
  asio::post(io_, [shared, error] { shared->done(unexpected<Error>(error)); });
}

void Connection::enqueue(std::unique_ptr<Op> op) {
  if (dead_) {
    Error e{ErrorCode::kSystem, ENOTCONN, "vici " + op->what + ": connection closed", {}};
    postFailure(std::move(op), std::move(e));
    return;
  }
  // Encode now so that an oversize request fails alone instead of killing the connection.
  for (const auto& p : op->steps) {
    auto frame = encodeFrame(p);
    if (!frame) {
      Error e = frame.error().wrap("vici " + op->what);
      postFailure(std::move(op), e);
      return;
    }
    op->frames.push_back(std::move(*frame));
  }
  queue_.push_back(std::move(op));
  if (!current_) startNext();
}

void Connection::startNext() {
  if (dead_ || current_ || queue_.empty()) return;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  ++generation_;
  timer_.expires_after(current_->timeout);
  timer_.async_wait([self = shared_from_this(), gen = generation_](boost::system::error_code ec) {
    if (ec || self->dead_ || gen != self->generation_ || !self->current_) return;
    self->die(Error{ErrorCode::kTimeout,
                    ETIMEDOUT,
                    "vici " + self->current_->what + ": no reply within " +
                        std::to_string(self->current_->timeout.count()) + " ms",
                    {}},
              true);
  });
  sendStep();
}

void Connection::sendStep() {
  // The frame is moved out of the op: a dying connection may free the op mid-write.
  auto frame = std::make_shared<std::string>(std::move(current_->frames[current_->step]));
  asio::async_write(socket_, asio::buffer(*frame),
                    [self = shared_from_this(), frame](boost::system::error_code ec, size_t) {
                      if (self->dead_) return;
                      if (ec)
                        self->die(Error{ErrorCode::kSystem, ec.value(), "vici: write", {}}, true);
                    });
}

void Connection::readHeader() {
  asio::async_read(socket_, asio::buffer(header_),
                   [self = shared_from_this()](boost::system::error_code ec, size_t) {
                     if (self->dead_) return;
                     if (ec) {
                       self->die(ec == asio::error::eof
                                     ? Error{ErrorCode::kProtocol,
                                             ECONNRESET,
                                             "vici: charon closed the connection",
                                             {}}
                                     : Error{ErrorCode::kSystem, ec.value(), "vici: read", {}},
                                 true);
                       return;
                     }
                     auto length = decodeFrameLength(std::span<const uint8_t, 4>(self->header_));
                     if (!length) {
                       self->die(length.error(), true);
                       return;
                     }
                     self->readBody(*length);
                   });
}

void Connection::readBody(size_t length) {
  body_.resize(length);
  asio::async_read(
      socket_, asio::buffer(body_),
      [self = shared_from_this()](boost::system::error_code ec, size_t) {
        if (self->dead_) return;
        if (ec) {
          self->die(
              Error{ErrorCode::kProtocol, ec.value(), "vici: connection lost inside a frame", {}},
              true);
          return;
        }
        auto packet = decodePacket(self->body_);
        if (!packet) {
          self->die(packet.error(), true);
          return;
        }
        self->onPacket(std::move(*packet));
        if (!self->dead_) self->readHeader();
      });
}

void Connection::onPacket(Packet packet) {
  switch (packet.type) {
    case PacketType::kEvent:
      if (current_ && !current_->stream_event.empty() && packet.name == current_->stream_event) {
        current_->reply.events.push_back(std::move(packet.message));
      } else if (on_event_) {
        on_event_(Event{std::move(packet.name), std::move(packet.message)});
      }
      return;
    case PacketType::kCmdResponse:
    case PacketType::kCmdUnknown:
    case PacketType::kEventConfirm:
    case PacketType::kEventUnknown:
      onReply(std::move(packet));
      return;
    default:
      die(Error{ErrorCode::kProtocol,
                0,
                "vici: unexpected " + std::string(toString(packet.type)) + " from charon",
                {}},
          true);
  }
}

void Connection::onReply(Packet packet) {
  if (!current_) {
    die(Error{ErrorCode::kProtocol,
              0,
              "vici: " + std::string(toString(packet.type)) + " with no request running",
              {}},
        true);
    return;
  }
  const Packet& sent = current_->steps[current_->step];
  bool is_command = sent.type == PacketType::kCmdRequest;
  bool matches =
      is_command
          ? (packet.type == PacketType::kCmdResponse || packet.type == PacketType::kCmdUnknown)
          : (packet.type == PacketType::kEventConfirm || packet.type == PacketType::kEventUnknown);
  if (!matches) {
    die(Error{ErrorCode::kProtocol,
              0,
              "vici " + current_->what + ": " + std::string(toString(packet.type)) +
                  " in reply to " + std::string(toString(sent.type)),
              {}},
        true);
    return;
  }
  if (packet.type == PacketType::kCmdUnknown && !current_->error) {
    current_->error = Error{
        ErrorCode::kNotFound, 0, "vici: charon does not know the command '" + sent.name + "'", {}};
  } else if (packet.type == PacketType::kEventUnknown && !current_->error) {
    current_->error = Error{
        ErrorCode::kNotFound, 0, "vici: charon does not know the event '" + sent.name + "'", {}};
  } else if (packet.type == PacketType::kCmdResponse) {
    current_->reply.response = std::move(packet.message);
  }
  ++current_->step;
  // A failed registration means nothing to unregister: stop there.
  bool register_failed =
      packet.type == PacketType::kEventUnknown && sent.type == PacketType::kEventRegister;
  if (current_->step < current_->steps.size() && !register_failed) {
    sendStep();
    return;
  }
  finishCurrent();
}

void Connection::finishCurrent() {
  std::unique_ptr<Op> op = std::move(current_);
  ++generation_;
  timer_.cancel();
  startNext();
  if (op->error)
    op->done(unexpected<Error>(*op->error));
  else
    op->done(std::move(op->reply));
}

void Connection::die(Error error, bool notify) {
  if (dead_) return;
  dead_ = true;
  ++generation_;
  timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
  std::vector<std::unique_ptr<Op>> failed;
  if (current_) failed.push_back(std::move(current_));
  while (!queue_.empty()) {
    failed.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  for (size_t i = 0; i < failed.size(); ++i) {
    Error e = error;
    if (i > 0) e.context = "vici " + failed[i]->what + ": not sent: " + error.context;
    postFailure(std::move(failed[i]), e);
  }
  if (notify && on_close_) {
    auto handler = std::move(on_close_);
    asio::post(io_, [handler, error] { handler(error); });
  }
}

void Connection::close() {
  die(Error{ErrorCode::kSystem, ECONNABORTED, "vici: connection closed", {}}, false);
}

}  // namespace rempart::gateway::vici
