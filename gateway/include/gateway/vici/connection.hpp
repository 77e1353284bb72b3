// One VICI session over a unix stream socket, driven by a Boost.Asio io_context (no threads
// of its own). VICI has no request ids, so requests are queued and sent one at a time; EVENT
// packets, which may arrive before the running command's response, are demultiplexed: those
// of a running streaming command are collected, the others go to the event handler.
//
// Contract: every request has a timeout. A timeout, a malformed or oversize frame, or a
// peer close kills the connection (its request/response pairing can no longer be trusted):
// the running and queued requests then fail with that error and the close handler runs
// once. Completion handlers always run from the io_context, never inside the call that
// queued them. A dead connection stays dead; the owner connects a new one.
// Thread: every member must be called from the io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "gateway/vici/codec.hpp"

namespace rempart::gateway::vici {

struct Event {
  std::string name;
  Section message;
};

// The response of a command, plus the events a streaming command produced, in order.
struct Reply {
  Section response;
  std::vector<Section> events;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Millis = std::chrono::milliseconds;
  using ReplyHandler = std::function<void(Result<Reply>)>;
  using DoneHandler = std::function<void(Result<void>)>;
  using EventHandler = std::function<void(const Event&)>;
  using CloseHandler = std::function<void(const Error&)>;
  using ConnectHandler = std::function<void(Result<std::shared_ptr<Connection>>)>;

  // Connects to the vici socket at `path`. kTimeout when not connected within `timeout`,
  // kSystem (with errno) when the socket is absent or refuses.
  static void connect(boost::asio::io_context& io, const std::string& path, Millis timeout,
                      ConnectHandler done);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Events outside a running streaming command. Set before registering events.
  void setEventHandler(EventHandler handler) { on_event_ = std::move(handler); }
  // Runs once when the connection dies, after the pending requests have failed. Not run by
  // close().
  void setCloseHandler(CloseHandler handler) { on_close_ = std::move(handler); }

  // Sends CMD_REQUEST `command` with `args`. Success is any CMD_RESPONSE (check `success`
  // yourself); CMD_UNKNOWN gives kNotFound; an argument message above the limits gives
  // kLimit without harming the connection.
  void command(std::string command, Section args, Millis timeout, ReplyHandler done);
  // A streaming command: registers `event`, sends the command, collects the events named
  // `event` until the response, unregisters. All within one `timeout`.
  void stream(std::string command, Section args, std::string event, Millis timeout,
              ReplyHandler done);
  // EVENT_REGISTER / EVENT_UNREGISTER; EVENT_UNKNOWN gives kNotFound.
  void registerEvent(std::string event, Millis timeout, DoneHandler done);
  void unregisterEvent(std::string event, Millis timeout, DoneHandler done);

  // Closes the socket; pending requests fail with kSystem "connection closed". Idempotent.
  void close();
  bool isOpen() const { return !dead_; }
  // Requests queued or running.
  size_t pending() const { return queue_.size() + (current_ ? 1 : 0); }

 private:
  struct Op;
  explicit Connection(boost::asio::io_context& io);

  void enqueue(std::unique_ptr<Op> op);
  void startNext();
  void sendStep();
  void readHeader();
  void readBody(size_t length);
  void onPacket(Packet packet);
  void onReply(Packet packet);
  void finishCurrent();
  void die(Error error, bool notify);
  void postFailure(std::unique_ptr<Op> op, Error error);

  boost::asio::io_context& io_;
  boost::asio::local::stream_protocol::socket socket_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<Op> current_;
  std::deque<std::unique_ptr<Op>> queue_;
  std::array<uint8_t, 4> header_{};
  std::vector<uint8_t> body_;
  EventHandler on_event_;
  CloseHandler on_close_;
  uint64_t generation_ = 0;  // identifies the running op, so stale timer expiries are ignored
  bool dead_ = false;
};

}  // namespace rempart::gateway::vici
