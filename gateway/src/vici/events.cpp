#include "gateway/vici/events.hpp"

namespace rempart::gateway::vici {

namespace {

template <typename T, typename Fn>
void deliver(const Result<T>& parsed, const Fn& callback, const TypedEventHandlers& h,
             const std::string& name) {
  if (parsed) {
    if (callback) callback(*parsed);
  } else if (h.malformed) {
    h.malformed(parsed.error().wrap("event " + name));
  }
}

}  // namespace

bool dispatchEvent(const Event& event, const TypedEventHandlers& h) {
  const std::string& n = event.name;
  if (n == "ike-updown") {
    deliver(parseUpdownEvent(event.message), h.ike_updown, h, n);
  } else if (n == "child-updown") {
    deliver(parseUpdownEvent(event.message), h.child_updown, h, n);
  } else if (n == "ike-rekey") {
    deliver(parseIkeRekeyEvent(event.message), h.ike_rekey, h, n);
  } else if (n == "child-rekey") {
    deliver(parseChildRekeyEvent(event.message), h.child_rekey, h, n);
  } else if (n == "log") {
    if (h.log) h.log(parseLogEvent(event.message));
  } else {
    return false;
  }
  return true;
}

}  // namespace rempart::gateway::vici
