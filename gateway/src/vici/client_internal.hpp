// Private to the VICI client: the initiate/terminate outcome tracker shared by client.cpp
// (connection handling and commands) and client_outcomes.cpp (initiate, terminate, events).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <charconv>
#include <optional>

#include "gateway/vici/client.hpp"

namespace rempart::gateway::vici {

// An initiate or terminate following its outcome on the event connection. Registered
// before the command is sent, since events may overtake the response.
struct Client::Waiter {
  enum class Kind { kInitiate, kTerminate } kind;
  std::string ike;
  std::string child;
  boost::asio::steady_timer timer;
  Handler<ChildSa> on_child;         // kInitiate
  Handler<unsigned> on_count;        // kTerminate
  unsigned downs = 0;                // kTerminate: down events seen so far
  std::optional<unsigned> expected;  // kTerminate: matches reported by charon
  bool done = false;

  Waiter(boost::asio::io_context& io, Kind k) : kind(k), timer(io) {}
};

inline Error clientClosed() {
  return Error{ErrorCode::kSystem, ECONNABORTED, "vici: client closed", {}};
}

inline Error notConnected(std::string_view what) {
  return Error{
      ErrorCode::kSystem, ENOTCONN, "vici " + std::string(what) + ": not connected to charon", {}};
}

// A decimal field, 0 when absent or malformed (for counters charon always sends).
inline uint64_t toNumber(const std::string* v) {
  uint64_t n = 0;
  if (v != nullptr) std::from_chars(v->data(), v->data() + v->size(), n);
  return n;
}

}  // namespace rempart::gateway::vici
