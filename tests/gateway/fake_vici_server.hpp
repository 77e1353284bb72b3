// A scripted VICI server on a unix socket, driven by the test's io_context (no threads).
// Each received packet is recorded and handed to `script`, which returns raw frames to send
// back (possibly malformed, oversize, or none at all for silence). Events can be pushed to
// every session that registered them. Test-only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gateway/vici/codec.hpp"

namespace rempart::test {

// A well-formed frame for `packet`.
std::string frameOf(const gateway::vici::Packet& packet);
// A frame with an arbitrary payload.
std::string rawFrame(std::string_view payload);

class FakeViciServer {
 public:
  struct Session;
  using Script = std::function<std::vector<std::string>(Session&, const gateway::vici::Packet&)>;

  FakeViciServer(boost::asio::io_context& io, std::string path);
  ~FakeViciServer();

  // Default: EVENT_REGISTER/UNREGISTER -> EVENT_CONFIRM, CMD_REQUEST -> CMD_RESPONSE {}.
  Script script;
  std::vector<gateway::vici::Packet> received;
  int accepted = 0;
  // Most requests seen unanswered at once on one session (1 for a well-behaved client).
  int max_in_flight = 0;

  // Sends `frame` to every live session that registered `event`; returns how many.
  int sendToRegistered(const std::string& event, const std::string& frame);
  void closeAll();
  const std::string& path() const { return path_; }

 private:
  void accept();

  boost::asio::io_context& io_;
  std::string path_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::vector<std::shared_ptr<Session>> sessions_;
};

struct FakeViciServer::Session : std::enable_shared_from_this<Session> {
  boost::asio::local::stream_protocol::socket socket;
  FakeViciServer* server;
  std::set<std::string> registered;
  std::array<uint8_t, 4> header{};
  std::vector<uint8_t> body;
  int unanswered = 0;
  bool open = true;

  Session(boost::asio::io_context& io, FakeViciServer* s) : socket(io), server(s) {}
  void read();
  void send(const std::string& frame);
  void writeNext();
  std::deque<std::string> outq;
};

}  // namespace rempart::test
