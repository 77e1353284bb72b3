#include "fake_vici_server.hpp"

#include <unistd.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace rempart::test {

namespace asio = boost::asio;
using namespace gateway::vici;

std::string rawFrame(std::string_view payload) {
  std::string out;
  uint32_t n = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(payload);
  return out;
}

std::string frameOf(const Packet& packet) {
  return encodeFrame(packet).value();
}

FakeViciServer::FakeViciServer(asio::io_context& io, std::string path)
    : io_(io), path_(std::move(path)), acceptor_(io) {
  ::unlink(path_.c_str());
  acceptor_.open();
  acceptor_.bind(asio::local::stream_protocol::endpoint(path_));
  acceptor_.listen();
  script = [](Session&, const Packet& p) -> std::vector<std::string> {
    if (p.type == PacketType::kCmdRequest) return {frameOf({PacketType::kCmdResponse, "", {}})};
    return {frameOf({PacketType::kEventConfirm, "", {}})};
  };
  accept();
}

FakeViciServer::~FakeViciServer() {
  closeAll();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

void FakeViciServer::accept() {
  auto session = std::make_shared<Session>(io_, this);
  acceptor_.async_accept(session->socket, [this, session](boost::system::error_code ec) {
    if (ec) return;
    ++accepted;
    sessions_.push_back(session);
    session->read();
    accept();
  });
}

void FakeViciServer::closeAll() {
  for (auto& s : sessions_) {
    s->open = false;
    boost::system::error_code ignored;
    s->socket.close(ignored);
  }
  sessions_.clear();
}

int FakeViciServer::sendToRegistered(const std::string& event, const std::string& frame) {
  int n = 0;
  for (auto& s : sessions_)
    if (s->open && s->registered.count(event)) {
      s->send(frame);
      ++n;
    }
  return n;
}

void FakeViciServer::Session::read() {
  auto self = shared_from_this();
  asio::async_read(socket, asio::buffer(header), [self](boost::system::error_code ec, size_t) {
    if (ec || !self->open) {
      self->open = false;
      return;
    }
    size_t n = (size_t{self->header[0]} << 24) | (size_t{self->header[1]} << 16) |
               (size_t{self->header[2]} << 8) | self->header[3];
    self->body.resize(n);
    asio::async_read(self->socket, asio::buffer(self->body),
                     [self](boost::system::error_code ec, size_t) {
                       if (ec || !self->open) {
                         self->open = false;
                         return;
                       }
                       auto packet = decodePacket(self->body);
                       if (!packet) {
                         self->open = false;
                         return;
                       }
                       FakeViciServer* server = self->server;
                       if (packet->type == PacketType::kEventRegister)
                         self->registered.insert(packet->name);
                       if (packet->type == PacketType::kEventUnregister)
                         self->registered.erase(packet->name);
                       server->received.push_back(*packet);
                       ++self->unanswered;
                       server->max_in_flight = std::max(server->max_in_flight, self->unanswered);
                       auto frames = server->script(*self, *packet);
                       for (const auto& f : frames) self->send(f);
                       // Any reply frame answers the request (the script decides what).
                       if (!frames.empty()) self->unanswered = 0;
                       self->read();
                     });
  });
}

void FakeViciServer::Session::send(const std::string& frame) {
  // One write at a time, so that large frames never interleave.
  outq.push_back(frame);
  if (outq.size() == 1) writeNext();
}

void FakeViciServer::Session::writeNext() {
  auto self = shared_from_this();
  asio::async_write(socket, asio::buffer(outq.front()),
                    [self](boost::system::error_code ec, size_t) {
                      self->outq.pop_front();
                      if (ec) {
                        self->outq.clear();
                        return;
                      }
                      if (!self->outq.empty()) self->writeNext();
                    });
}

}  // namespace rempart::test
