// initiate and terminate, followed through ike-updown/child-updown events.
#include <boost/asio/post.hpp>

#include "client_internal.hpp"

namespace rempart::gateway::vici {

namespace asio = boost::asio;

void Client::finishWaiter(const std::shared_ptr<Waiter>& w, Result<ChildSa> outcome) {
  if (w->done) return;
  w->done = true;
  w->timer.cancel();
  waiters_.remove(w);
  if (w->kind == Waiter::Kind::kInitiate) {
    w->on_child(std::move(outcome));
  } else if (outcome) {
    w->on_count(w->downs);
  } else {
    w->on_count(unexpected<Error>(outcome.error()));
  }
}

void Client::initiate(std::string ike, std::string child, Millis wait, Handler<ChildSa> done) {
  if (!connected()) {
    asio::post(io_, [done] { done(unexpected<Error>(notConnected("initiate"))); });
    return;
  }
  auto w = std::make_shared<Waiter>(io_, Waiter::Kind::kInitiate);
  w->ike = ike;
  w->child = child;
  w->on_child = std::move(done);
  waiters_.push_back(w);
  std::weak_ptr<bool> alive = alive_;
  w->timer.expires_after(wait);
  w->timer.async_wait([this, alive, w, wait](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    finishWaiter(w, fail(ErrorCode::kTimeout, "vici initiate " + w->ike + "/" + w->child +
                                                  ": not up within " +
                                                  std::to_string(wait.count()) + " ms"));
  });
  Section args;
  args.set("ike", ike);
  args.set("child", child);
  args.set("timeout", "-1");  // never block a worker or register control-log (5.9.8 deadlock)
  args.set("loglevel", "0");
  cmd_->command("initiate", std::move(args), options_.request_timeout,
                [this, alive, w](Result<Reply> r) {
                  if (alive.expired() || w->done) return;
                  if (!r) return finishWaiter(w, unexpected<Error>(r.error()));
                  if (auto ok = checkSuccess("initiate", r->response); !ok)
                    return finishWaiter(w, unexpected<Error>(ok.error()));
                  // charon reports success without any event when the child is already up
                  // ("existing duplicate"): look for it. noblock: an SA being set up is busy, and
                  // waiting for it would stall the command connection during mass initiates.
                  listSas(ListSasFilter{.ike = w->ike, .noblock = true},
                          [this, alive, w](Result<std::vector<IkeSa>> sas) {
                            if (alive.expired() || w->done || !sas) return;
                            // Only a CHILD_SA of an ESTABLISHED (or rekeying, still usable)
                            // IKE_SA is up: one whose IKE_SA is being deleted is still listed
                            // as INSTALLED until the delete ends, and is no outcome.
                            for (const auto& sa : *sas) {
                              if (sa.state != "ESTABLISHED" && sa.state != "REKEYING") continue;
                              for (const auto& c : sa.children)
                                if (c.name == w->child && c.state == "INSTALLED")
                                  return finishWaiter(w, c);
                            }
                          });
                });
}

void Client::terminate(std::string ike, Millis wait, Handler<unsigned> done) {
  if (!connected()) {
    asio::post(io_, [done] { done(unexpected<Error>(notConnected("terminate"))); });
    return;
  }
  auto w = std::make_shared<Waiter>(io_, Waiter::Kind::kTerminate);
  w->ike = ike;
  w->on_count = std::move(done);
  waiters_.push_back(w);
  std::weak_ptr<bool> alive = alive_;
  w->timer.expires_after(wait);
  w->timer.async_wait([this, alive, w, wait](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    finishWaiter(w, fail(ErrorCode::kTimeout, "vici terminate " + w->ike + ": not down within " +
                                                  std::to_string(wait.count()) + " ms"));
  });
  Section args;
  args.set("ike", ike);
  args.set("timeout", "-1");
  args.set("loglevel", "0");
  cmd_->command("terminate", std::move(args), options_.request_timeout,
                [this, alive, w](Result<Reply> r) {
                  if (alive.expired() || w->done) return;
                  if (!r) return finishWaiter(w, unexpected<Error>(r.error()));
                  unsigned matches = static_cast<unsigned>(toNumber(r->response.value("matches")));
                  if (matches == 0) return finishWaiter(w, ChildSa{});
                  if (auto ok = checkSuccess("terminate", r->response); !ok)
                    return finishWaiter(w, unexpected<Error>(ok.error()));
                  w->expected = matches;
                  if (w->downs >= matches) finishWaiter(w, ChildSa{});
                });
}

void Client::onEvent(const Event& event) {
  if (event.name == "ike-updown" || event.name == "child-updown") {
    auto parsed = parseUpdownEvent(event.message);
    if (parsed) {
      bool is_child = event.name == "child-updown";
      // Copy: finishing a waiter removes it from the list.
      auto waiters = waiters_;
      for (const auto& w : waiters) {
        if (w->done || w->ike != parsed->ike.name) continue;
        if (w->kind == Waiter::Kind::kInitiate) {
          if (is_child && parsed->up) {
            for (const auto& c : parsed->ike.children)
              if (c.name == w->child) finishWaiter(w, c);
          } else if (!is_child && !parsed->up) {
            finishWaiter(w, fail(ErrorCode::kProtocol,
                                 "vici initiate " + w->ike + ": IKE_SA failed in state " +
                                     parsed->ike.state + " (error-notify has the reason)"));
          }
        } else if (!is_child && !parsed->up) {
          ++w->downs;
          if (w->expected && w->downs >= *w->expected) finishWaiter(w, ChildSa{});
        }
      }
    }
  }
  if (on_event_) on_event_(event);
}

}  // namespace rempart::gateway::vici
