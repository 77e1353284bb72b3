// Typed dispatch of the events Rempart subscribes to (ike-updown, child-updown, ike-rekey,
// child-rekey, log): set the callbacks you need, register the same events in
// ClientOptions::extra_events, and pass dispatch to Client::setEventHandler. Any thread; the
// callbacks run on the caller's.
#pragma once

#include <functional>

#include "gateway/vici/connection.hpp"
#include "gateway/vici/sa.hpp"

namespace rempart::gateway::vici {

struct TypedEventHandlers {
  std::function<void(const UpdownEvent&)> ike_updown;
  std::function<void(const UpdownEvent&)> child_updown;
  std::function<void(const RekeyEvent&)> ike_rekey;
  std::function<void(const RekeyEvent&)> child_rekey;
  std::function<void(const LogEvent&)> log;
  // An event of a known name that did not parse; the event is otherwise dropped.
  std::function<void(const Error&)> malformed;
};

// Calls the matching callback, if set. Returns whether the event had a handled name.
bool dispatchEvent(const Event& event, const TypedEventHandlers& handlers);

}  // namespace rempart::gateway::vici
