// The `config ...` commands: show, load, diff, history, rollback, commit, confirm. A commit
// stores the candidate as active (the commit point), then applies it with Daemon::reconfigure;
// if that fails, the previous config is applied again and stored back, so the store's active
// config always matches what runs.
//
// Commit-confirm: `config commit --confirm MINUTES` answers only when the commit is settled.
// Its connection stays open; `config confirm` from another session keeps the commit (the held
// answer says "confirmed"). If the deadline passes, or the client that armed it goes away (its
// SSH session ended), the previous config is applied and stored again, with no reboot. A
// restart of rempartd while a confirm is pending also rolls back (ConfigStore::prepare).
#include <charconv>
#include <cstdio>
#include <ctime>

#include "command_args.hpp"
#include "common/config/parse.hpp"
#include "common/log.hpp"
#include "config_commit.hpp"
#include "daemon.hpp"
#include "gateway/audit/json.hpp"
#include "gateway/config_text.hpp"

namespace rempart::gateway {

namespace {

using config::Role;

std::string diagnosticsText(const config::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags) out += d.format() + "\n";
  return out;
}

// Parses "--confirm MINUTES" and "--comment TEXT" from args[from..]; `extra` receives the other
// words (the rollback number). Returns an error message on a bad option.
std::optional<std::string> parseCommitOptions(const std::vector<std::string>& args,
                                              CommitRequest& rq, std::vector<std::string>& extra) {
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--confirm" || a == "--comment") {
      if (i + 1 >= args.size()) return a + " needs a value";
      const auto& v = args[++i];
      if (a == "--comment") {
        if (v.size() > ConfigStore::kMaxCommentBytes)
          return "the comment is longer than " + std::to_string(ConfigStore::kMaxCommentBytes) +
                 " bytes";
        rq.comment = v;
        continue;
      }
      double m = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), m, std::chars_format::fixed);
      if (ec != std::errc() || ptr != v.data() + v.size() || !(m >= kMinConfirmMinutes) ||
          !(m <= kMaxConfirmMinutes))
        return "--confirm takes minutes from " + minutesText(kMinConfirmMinutes) + " to " +
               minutesText(kMaxConfirmMinutes) + " (decimals allowed), not '" + v + "'";
      rq.confirm_minutes = m;
    } else if (a.starts_with("-")) {
      return "unknown option '" + a + "'";
    } else {
      extra.push_back(a);
    }
  }
  return std::nullopt;
}

constexpr const char* kCommitUsage = "usage: config commit [--confirm MINUTES] [--comment TEXT]";
constexpr const char* kRollbackUsage =
    "usage: config rollback [N] [--confirm MINUTES] [--comment TEXT]";

}  // namespace

void Daemon::registerConfigCommands() {
  config_commit_ = std::make_shared<ConfigCommitState>(io_);

  commands_.add({{"config", "show"},
                 "config show [candidate|N]: the active config (or the candidate, or history N), "
                 "secrets redacted",
                 {Role::kAdmin, Role::kAudit},
                 [this](const CommandContext& c) {
                   if (c.args.size() > 1)
                     return failure(kExitUsage, "usage: config show [candidate|N]");
                   Result<std::string> text = std::string();
                   if (c.args.empty()) {
                     text = store_->active();
                   } else if (c.args[0] == "candidate") {
                     auto cand = store_->candidate();
                     if (cand && !*cand)
                       return failure(1, "there is no candidate; load one with 'config load'");
                     text = cand ? Result<std::string>(**cand)
                                 : Result<std::string>(unexpected<Error>(cand.error()));
                   } else {
                     unsigned n = 0;
                     const auto& w = c.args[0];
                     auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
                     if (ec != std::errc() || p != w.data() + w.size())
                       return failure(kExitUsage,
                                      "config show takes 'candidate' or a history "
                                      "number, not '" +
                                          w + "'");
                     text = store_->historyText(n);
                   }
                   if (!text) return failure(1, text.error().message());
                   return ControlResponse{0, redactConfigText(*text), ""};
                 }});

  commands_.add(
      {{"config", "load"},
       "config load < FILE: make the YAML on standard input the candidate (validated; errors "
       "as candidate:LINE:COL: path: message)",
       {Role::kAdmin},
       [this](const CommandContext& c) {
         if (!c.args.empty()) return failure(kExitUsage, "usage: config load < FILE");
         const auto& text = c.request.input;
         if (text.empty())
           return failure(1,
                          "config load reads the candidate from standard input, which was "
                          "empty; nothing changed");
         auto model = config::parseConfig(text, "candidate");
         if (!model)
           return ControlResponse{1, "",
                                  diagnosticsText(model.error()) +
                                      "rempart: the candidate is not valid; nothing changed\n"};
         if (auto r = store_->setCandidate(text); !r) return failure(1, r.error().message());
         auto active = store_->active();
         bool same = active && *active == text;
         return ControlResponse{
             0,
             same ? "candidate loaded; it is the same as the active config\n"
                  : "candidate loaded; review it with 'config diff', apply it with 'config "
                    "commit'\n",
             ""};
       }});

  commands_.add({{"config", "diff"},
                 "config diff: the candidate against the active config, secrets redacted",
                 {Role::kAdmin},
                 [this](const CommandContext& c) {
                   if (!c.args.empty()) return failure(kExitUsage, "usage: config diff");
                   auto cand = store_->candidate();
                   if (!cand) return failure(1, cand.error().message());
                   if (!*cand)
                     return failure(1, "there is no candidate; load one with 'config load'");
                   auto active = store_->active();
                   if (!active) return failure(1, active.error().message());
                   std::string d = redactedConfigDiff(*active, **cand, "active", "candidate");
                   return ControlResponse{0, d.empty() ? "no differences\n" : d, ""};
                 }});

  commands_.add(
      {{"config", "history"},
       "config history [--json]: every stored config, newest first (N, when, who, comment)",
       {Role::kAdmin},
       [this](const CommandContext& c) {
         if (!c.args.empty()) return failure(kExitUsage, "usage: config history");
         auto entries = store_->history();
         if (!entries) return failure(1, entries.error().message());
         if (c.json) {
           std::string out = "[";
           for (size_t i = 0; i < entries->size(); ++i) {
             const auto& e = (*entries)[i];
             audit::JsonObject o;
             o.set("number", e.number)
                 .set("when", e.when)
                 .set("who", e.who)
                 .set("comment", redactSecrets(e.comment, {}))
                 .set("active", i == 0)
                 .set("waiting_for_confirm", i == 0 && config_commit_->pending.has_value());
             out += (i ? "," : "") + o.toJson();
           }
           return ControlResponse{0, out + "]\n", ""};
         }
         std::string out = "     N  WHEN                  WHO           COMMENT\n";
         for (size_t i = 0; i < entries->size(); ++i) {
           const auto& e = (*entries)[i];
           char line[128];
           std::snprintf(line, sizeof line, "%c%5u  %-20s  %-12s  ", i == 0 ? '*' : ' ', e.number,
                         e.when.c_str(), e.who.c_str());
           out += line + redactSecrets(e.comment, {}) + "\n";
         }
         if (config_commit_->pending)
           out += "(* is active, waiting for 'config confirm')\n";
         else
           out += "(* is active)\n";
         return ControlResponse{0, out, ""};
       }});

  commands_.add(
      {{"config", "commit"},
       "config commit [--confirm MINUTES] [--comment TEXT]: apply the candidate (network, "
       "firewall, IPsec). With --confirm the command waits; unless 'config confirm' comes from "
       "another session within MINUTES (0.05 to 60), or if this session ends, the previous "
       "config is restored",
       {Role::kAdmin},
       {},
       [this](const CommandContext& c, std::shared_ptr<PendingReply> reply) {
         CommitRequest rq;
         rq.who = c.caller.user;
         rq.what = "commit";
         std::vector<std::string> extra;
         if (auto bad = parseCommitOptions(c.args, rq, extra))
           return reply->send(failure(kExitUsage, *bad + "; " + kCommitUsage));
         if (!extra.empty())
           return reply->send(
               failure(kExitUsage, "unexpected '" + extra[0] + "'; " + kCommitUsage));
         auto cand = store_->candidate();
         if (!cand) return reply->send(failure(1, cand.error().message()));
         if (!*cand)
           return reply->send(
               failure(1, "there is no candidate to commit; load one with 'config load'"));
         rq.text = std::move(**cand);
         commitConfig(rq, std::move(reply));
       }});

  commands_.add(
      {{"config", "rollback"},
       "config rollback [N] [--confirm MINUTES] [--comment TEXT]: commit history entry N "
       "(default: the one before the active) at once, replacing the candidate",
       {Role::kAdmin},
       {},
       [this](const CommandContext& c, std::shared_ptr<PendingReply> reply) {
         CommitRequest rq;
         rq.who = c.caller.user;
         std::vector<std::string> extra;
         if (auto bad = parseCommitOptions(c.args, rq, extra))
           return reply->send(failure(kExitUsage, *bad + "; " + kRollbackUsage));
         if (extra.size() > 1)
           return reply->send(
               failure(kExitUsage, "unexpected '" + extra[1] + "'; " + kRollbackUsage));
         auto entries = store_->history();
         if (!entries) return reply->send(failure(1, entries.error().message()));
         unsigned n = 0;
         if (extra.empty()) {
           if (entries->size() < 2)
             return reply->send(failure(1, "there is no earlier config to roll back to"));
           n = (*entries)[1].number;
         } else {
           const auto& w = extra[0];
           auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
           if (ec != std::errc() || p != w.data() + w.size() || n == 0)
             return reply->send(
                 failure(kExitUsage, "'" + w + "' is not a history number; " + kRollbackUsage));
         }
         auto text = store_->historyText(n);
         if (!text)
           return reply->send(failure(1, "there is no history entry " + std::to_string(n) +
                                             "; 'config history' lists them"));
         rq.what = "rollback to " + std::to_string(n);
         if (rq.comment.empty()) rq.comment = rq.what;
         rq.text = std::move(*text);
         commitConfig(rq, std::move(reply));
       }});

  commands_.add({{"config", "confirm"},
                 "config confirm: keep the commit that is waiting (see 'config commit --confirm')",
                 {Role::kAdmin},
                 [this](const CommandContext& c) {
                   if (!c.args.empty()) return failure(kExitUsage, "usage: config confirm");
                   auto& st = *config_commit_;
                   if (!st.pending) {
                     return failure(1, st.applying
                                           ? "nothing to confirm: a change is being applied (an "
                                             "unconfirmed commit may be rolling back)"
                                           : "nothing to confirm: no commit is waiting for "
                                             "'config confirm'");
                   }
                   if (auto r = store_->clearPending(); !r) return failure(1, r.error().message());
                   auto p = std::move(*st.pending);
                   st.pending.reset();
                   st.timer.cancel();
                   p.reply->onPeerClosed({});
                   log::notice("commit confirmed", {{"history", std::to_string(p.history)},
                                                    {"armed_by", p.armed_by},
                                                    {"confirmed_by", c.caller.user}});
                   p.reply->send(ControlResponse{0,
                                                 "confirmed by " + c.caller.user + "; history " +
                                                     std::to_string(p.history) + " is kept\n",
                                                 "", p.audit_note});
                   return ControlResponse{0,
                                          "confirmed: history " + std::to_string(p.history) +
                                              " (committed by " + p.armed_by + ") is kept\n",
                                          "", "confirmed history " + std::to_string(p.history)};
                 }});
}

}  // namespace rempart::gateway
