// What a commit needs and what a commit-confirm keeps while it waits; shared by the config
// commands (config_commands.cpp) and the commit machinery (config_commit.cpp). rempartd's
// io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "gateway/control_server.hpp"

namespace rempart::gateway {

inline constexpr double kMinConfirmMinutes = 0.05;  // 3 s, so that tests are fast
inline constexpr double kMaxConfirmMinutes = 60;

// "0.1", "5": a confirm delay as the operator wrote it.
inline std::string minutesText(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", m);
  return buf;
}

struct CommitRequest {
  std::string text;  // the config to make active (already in the store as candidate or history)
  std::string who;
  std::string comment;
  std::optional<double> confirm_minutes;
  std::string what;  // "commit" or "rollback to 7", for messages and the admin trail
};

struct ConfigCommitState {
  explicit ConfigCommitState(boost::asio::io_context& io) : timer(io) {}
  struct Pending {
    uint64_t id = 0;
    std::string previous;  // config text to go back to
    std::string armed_by;
    double minutes = 0;
    unsigned history = 0;                 // the history entry waiting for confirmation
    std::shared_ptr<PendingReply> reply;  // the arming client's connection, held open
    std::string audit_note;
  };
  bool applying = false;        // a reconfigure is running; other changes are refused meanwhile
  bool reload_waiting = false;  // a SIGHUP came while applying: reload once the apply ends
  std::optional<Pending> pending;
  uint64_t next_id = 1;
  boost::asio::steady_timer timer;
};

}  // namespace rempart::gateway
