// The commit machinery behind `config commit`, `config rollback` and commit-confirm.
//
// Order of a commit, chosen so that a crash at any point leaves old or new, never a mix:
//   1. with --confirm, confirm.pending records the previous config (a crash from here on, until
//      `config confirm`, brings the previous config back at the next start);
//   2. active.yaml is replaced by one rename: the commit point;
//   3. Daemon::reconfigure applies it; a crash during it is repaired by the restart, which
//      brings up what active.yaml says;
//   4. on success the history gets the new entry and the candidate is cleared; on failure the
//      previous config is reconfigured and stored again, and the failure is reported.
#include "config_commit.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <ctime>

#include "command_args.hpp"
#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "common/log.hpp"
#include "daemon.hpp"
#include "gateway/config_text.hpp"

namespace rempart::gateway {

namespace {

void logIfFailed(const char* what, const Result<void>& r) {
  if (!r) log::error(what, {{"error", r.error().message()}});
}

}  // namespace

void Daemon::commitConfig(const CommitRequest& rq, std::shared_ptr<PendingReply> reply) {
  auto& st = *config_commit_;
  if (st.applying)
    return reply->send(failure(1, "another change is being applied; try again in a moment"));
  if (st.pending) {
    return reply->send(failure(1, "a commit by " + st.pending->armed_by +
                                      " is waiting for 'config confirm'; confirm it or let it "
                                      "roll back first; nothing changed"));
  }
  auto active = store_->active();
  if (!active) return reply->send(failure(1, active.error().message()));
  if (rq.text == *active) {
    return reply->send(failure(
        1, (rq.what == "commit" ? std::string("the candidate is") : "that history entry is") +
               " the same as the active config; nothing to commit"));
  }
  auto next = config::parseConfig(rq.text, "candidate");
  if (!next) {
    std::string all;
    for (const auto& d : next.error()) all += d.format() + "\n";
    return reply->send(ControlResponse{1, "", all + "rempart: not valid; nothing changed\n"});
  }
  // The previous config from the store's text (the same as what runs), not from config_, so
  // that this code does not depend on how the daemon holds its config.
  auto parsed_previous = config::parseConfig(*active, "active");
  if (!parsed_previous)
    return reply->send(
        failure(1, "the active config in the store does not parse; nothing changed"));
  auto previous = std::make_shared<config::Config>(std::move(*parsed_previous));
  std::string diff = redactedConfigDiff(*active, rq.text, "active", "new");

  if (rq.confirm_minutes) {
    PendingConfirm record;
    record.previous = *active;
    record.armed_by = rq.who;
    record.minutes = *rq.confirm_minutes;
    record.deadline_unix =
        static_cast<int64_t>(std::time(nullptr)) + static_cast<int64_t>(*rq.confirm_minutes * 60);
    if (auto r = store_->setPending(record); !r)
      return reply->send(failure(
          1, "recording the pending confirm: " + r.error().message() + "; nothing changed"));
  }
  if (auto r = store_->setActive(rq.text); !r) {
    logIfFailed("removing the pending confirm", store_->clearPending());
    return reply->send(
        failure(1, "storing the new config: " + r.error().message() + "; nothing changed"));
  }
  st.applying = true;
  log::notice("applying config", {{"what", rq.what}, {"user", rq.who}});
  auto previous_text = std::make_shared<std::string>(std::move(*active));
  reconfigure(std::move(*next), [this, rq, reply, diff, previous,
                                 previous_text](Result<void> applied) {
    if (!applied) {
      // The same log lines as Daemon::reloadFrom, whatever started the change.
      log::error("configuration not applied",
                 {{"what", rq.what}, {"error", applied.error().message()}});
      log::warning("going back to the previous configuration", {{"what", rq.what}});
      // The store leads, as in a commit: it names the previous config before it is re-applied.
      logIfFailed("storing the previous config again", store_->setActive(*previous_text));
      auto restore_store = [this, rq, reply, diff, previous_text](const Error& error,
                                                                  Result<void> restored) {
        config_commit_->applying = false;
        logIfFailed("removing the pending confirm", store_->clearPending());
        std::string err = "rempart: " + rq.what + " failed: " + error.message() +
                          "\nrempart: the previous config is in force; nothing changed\n";
        if (restored) log::notice("previous configuration restored", {{"what", rq.what}});
        if (!restored) {
          log::error("cannot restore the previous configuration",
                     {{"error", restored.error().message()}});
          err += "rempart: restoring it also failed: " + restored.error().message() +
                 "; restart rempartd to bring the stored config up\n";
        }
        reply->send(ControlResponse{1, "", err, rq.what + " failed, not applied:\n" + diff});
      };
      // Refused because another reconfiguration runs (e.g. SIGHUP): nothing was touched.
      if (applied.error().code == ErrorCode::kConflict)
        return restore_store(applied.error(), Result<void>{});
      reconfigure(*previous, [restore_store, error = applied.error()](Result<void> restored) {
        restore_store(error, std::move(restored));
      });
      return;
    }
    auto& st = *config_commit_;
    st.applying = false;
    unsigned number = 0;
    if (auto n = store_->appendHistory(rq.text, rq.who, rq.comment))
      number = *n;
    else
      log::error("recording the config history", {{"error", n.error().message()}});
    if (auto cand = store_->candidate(); cand && *cand && **cand == rq.text)
      logIfFailed("clearing the candidate", store_->clearCandidate());
    std::string note = rq.what + " by " + rq.who + " (history " + std::to_string(number) + ")" +
                       (rq.comment.empty() ? "" : ": " + rq.comment) + "\n" + diff;
    log::notice("config committed",
                {{"what", rq.what}, {"user", rq.who}, {"history", std::to_string(number)}});
    if (!rq.confirm_minutes) {
      return reply->send(
          ControlResponse{0, "committed: history " + std::to_string(number) + "\n", "", note});
    }
    ConfigCommitState::Pending p;
    p.id = st.next_id++;
    p.previous = *previous_text;
    p.armed_by = rq.who;
    p.minutes = *rq.confirm_minutes;
    p.history = number;
    p.reply = reply;
    p.audit_note = note;
    const uint64_t id = p.id;
    st.pending = std::move(p);
    if (!reply->open()) {
      // The arming client left while the commit was being applied.
      boost::asio::post(io_, [this] { rollBackUnconfirmed("the session that armed it ended"); });
      return;
    }
    reply->onPeerClosed([this, id] {
      auto& s = *config_commit_;
      if (s.pending && s.pending->id == id) rollBackUnconfirmed("the session that armed it ended");
    });
    st.timer.expires_after(
        std::chrono::milliseconds(static_cast<int64_t>(*rq.confirm_minutes * 60'000)));
    st.timer.async_wait([this, id, minutes = *rq.confirm_minutes](boost::system::error_code ec) {
      auto& s = *config_commit_;
      if (ec || !s.pending || s.pending->id != id) return;
      rollBackUnconfirmed("not confirmed within " + minutesText(minutes) + " minutes");
    });
    log::notice(
        "commit waits for 'config confirm'",
        {{"history", std::to_string(number)}, {"minutes", minutesText(*rq.confirm_minutes)}});
  });
}

namespace {

// Where the outcome of a commit nobody waits for goes: rempartd's log.
class LoggedOutcome : public PendingReply {
 public:
  explicit LoggedOutcome(std::string what) : what_(std::move(what)) {}
  void send(ControlResponse r) override {
    if (sent_) return;
    sent_ = true;
    if (r.exit_status == 0)
      log::notice("configuration reloaded", {{"what", what_}, {"result", r.out}});
    else
      log::error("configuration not reloaded", {{"what", what_}, {"error", r.err}});
  }
  void onPeerClosed(std::function<void()>) override {}
  bool open() const override { return !sent_; }

 private:
  std::string what_;
  bool sent_ = false;
};

}  // namespace

void Daemon::commitFile(const std::filesystem::path& path) {
  const std::string what = "reload of " + path.string();
  const std::string file = path.string();
  if (path.empty()) return log::error("configuration not reloaded: rempartd has no --config");
  if (config_commit_->applying) {
    // Several SIGHUPs during one apply become one reload, once it is over.
    if (config_commit_->reload_waiting) return;
    config_commit_->reload_waiting = true;
    log::notice("SIGHUP during a change: the reload waits for it to end", {{"file", file}});
    auto retry = std::make_shared<boost::asio::steady_timer>(io_);
    std::function<void()> poll;
    auto again = [this, retry, path](auto&& self) -> void {
      retry->expires_after(std::chrono::milliseconds(200));
      retry->async_wait([this, retry, path, self](const boost::system::error_code& ec) {
        if (ec) return;
        if (config_commit_->applying) return self(self);
        config_commit_->reload_waiting = false;
        commitFile(path);
      });
    };
    again(again);
    return;
  }
  auto text = readFile(path, config::kMaxConfigBytes);
  if (!text) {
    return log::error("configuration not reloaded: cannot read it",
                      {{"file", file}, {"error", text.error().message()}});
  }
  auto model = config::parseConfig(*text, file);
  if (!model) {
    for (const auto& d : model.error())
      log::error("configuration not reloaded: invalid", {{"error", d.format()}});
    return log::error("configuration unchanged", {{"file", file}});
  }
  if (auto active = store_->active(); active && *active == *text)
    return log::info("configuration unchanged: the file is the active config", {{"file", file}});
  log::notice("reloading the configuration", {{"file", file}});
  CommitRequest rq;
  rq.text = std::move(*text);
  rq.who = "rempartd";
  rq.comment = "reloaded from " + path.string();
  rq.what = what;
  commitConfig(rq, std::make_shared<LoggedOutcome>(what));
}

void Daemon::rollBackUnconfirmed(const std::string& reason) {
  auto& st = *config_commit_;
  if (!st.pending) return;
  auto p = std::move(*st.pending);
  st.pending.reset();
  st.timer.cancel();
  p.reply->onPeerClosed({});
  auto previous = config::parseConfig(p.previous, "previous");
  if (!previous) {
    // Cannot happen (it ran before); keep the new config rather than guess.
    log::error("commit-confirm: the previous config no longer parses; keeping the new one");
    logIfFailed("removing the pending confirm", store_->clearPending());
    return;
  }
  log::warning(
      "commit-confirm: rolling back to the previous config",
      {{"reason", reason}, {"armed_by", p.armed_by}, {"history", std::to_string(p.history)}});
  st.applying = true;
  // The store leads (the pending record stays until the end: a crash meanwhile still rolls
  // back at the next start).
  logIfFailed("storing the previous config", store_->setActive(p.previous));
  reconfigure(std::move(*previous), [this, p, reason](Result<void> restored) {
    config_commit_->applying = false;
    auto n = store_->appendHistory(p.previous, "rempartd", "automatic rollback: " + reason);
    if (!n) log::error("recording the rollback in the history", {{"error", n.error().message()}});
    logIfFailed("removing the pending confirm", store_->clearPending());
    if (restored) {
      log::notice("commit-confirm: previous config restored",
                  {{"reason", reason}, {"history", n ? std::to_string(*n) : "?"}});
    } else {
      log::error("commit-confirm: restoring the previous config failed",
                 {{"error", restored.error().message()}});
    }
    p.reply->send(ControlResponse{
        1, "",
        "rempart: rolled back: " + reason + "; the previous config is active again" +
            (restored ? ""
                      : " in the store, but applying it failed: " + restored.error().message()) +
            "\n",
        "automatic rollback of history " + std::to_string(p.history) + ": " + reason});
  });
}

void Daemon::stopConfigCommands() {
  if (!config_commit_) return;
  auto& st = *config_commit_;
  st.timer.cancel();
  if (!st.pending) return;
  // The pending record stays in the store: the next start rolls back (ConfigStore::prepare).
  auto p = std::move(*st.pending);
  st.pending.reset();
  p.reply->onPeerClosed({});
  log::warning(
      "rempartd stops with a commit waiting for 'config confirm'; it will be rolled "
      "back at the next start");
  p.reply->send(failure(1,
                        "rempartd is stopping; the unconfirmed commit will be rolled back "
                        "when it starts again"));
}

}  // namespace rempart::gateway
