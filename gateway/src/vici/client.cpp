#include "gateway/vici/client.hpp"

#include <boost/asio/post.hpp>
#include <cerrno>
#include <unordered_set>

#include "client_internal.hpp"

namespace rempart::gateway::vici {

namespace asio = boost::asio;

Result<void> checkSuccess(std::string_view command, const Section& response) {
  const std::string* ok = response.value("success");
  if (ok != nullptr && *ok == "yes") return {};
  std::string msg = response.valueOr("errmsg", ok == nullptr ? "no success field" : "failed");
  return fail(ErrorCode::kInvalidInput, "vici " + std::string(command) + ": " + msg);
}

Client::Client(asio::io_context& io, ClientOptions options)
    : io_(io), options_(std::move(options)) {}

Client::~Client() {
  close();
  *alive_ = false;
}

bool Client::connected() const {
  return cmd_ && cmd_->isOpen() && events_ && events_->isOpen();
}

void Client::close() {
  ++epoch_;
  if (cmd_) cmd_->close();
  if (events_) events_->close();
  cmd_.reset();
  events_.reset();
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) {
    w->timer.cancel();
    if (w->done) continue;
    w->done = true;
    auto on_child = std::move(w->on_child);
    auto on_count = std::move(w->on_count);
    asio::post(io_, [on_child, on_count] {
      if (on_child) on_child(unexpected<Error>(clientClosed()));
      if (on_count) on_count(unexpected<Error>(clientClosed()));
    });
  }
}

void Client::onConnectionDied(const Error& error) {
  close();
  if (on_disconnect_) on_disconnect_(error);
}

void Client::connect(Handler<void> done) {
  close();
  uint64_t epoch = epoch_;
  std::weak_ptr<bool> alive = alive_;
  auto fail_connect = [this, alive, epoch, done](Error e) {
    if (!alive.expired() && epoch == epoch_) close();
    done(unexpected<Error>(std::move(e)));
  };
  Connection::connect(
      io_, options_.socket_path, options_.connect_timeout,
      [this, alive, epoch, done, fail_connect](Result<std::shared_ptr<Connection>> cmd) {
        if (alive.expired() || epoch != epoch_) {
          if (cmd) (*cmd)->close();
          done(unexpected<Error>(clientClosed()));
          return;
        }
        if (!cmd) return fail_connect(cmd.error().wrap("command connection"));
        cmd_ = *cmd;
        Connection::connect(
            io_, options_.socket_path, options_.connect_timeout,
            [this, alive, epoch, done, fail_connect](Result<std::shared_ptr<Connection>> ev) {
              if (alive.expired() || epoch != epoch_) {
                if (ev) (*ev)->close();
                done(unexpected<Error>(clientClosed()));
                return;
              }
              if (!ev) return fail_connect(ev.error().wrap("event connection"));
              events_ = *ev;
              // The close handler is posted: by the time it runs the owner may have
              // reconnected (from a failed call's handler), and the new pair must survive.
              auto died = [this, alive, epoch](const Error& e) {
                if (!alive.expired() && epoch == epoch_) onConnectionDied(e);
              };
              cmd_->setCloseHandler(died);
              events_->setCloseHandler(died);
              auto on_event = [this, alive](const Event& e) {
                if (!alive.expired()) onEvent(e);
              };
              events_->setEventHandler(on_event);
              // charon only sends registered events, but a stray one is still an event.
              cmd_->setEventHandler(on_event);
              auto names = std::make_shared<std::vector<std::string>>(
                  std::vector<std::string>{"ike-updown", "child-updown"});
              for (const auto& n : options_.extra_events)
                if (n != "ike-updown" && n != "child-updown") names->push_back(n);
              registerNext(names, 0, done, epoch);
            });
      });
}

void Client::registerNext(std::shared_ptr<std::vector<std::string>> events, size_t index,
                          Handler<void> done, uint64_t epoch) {
  if (index == events->size()) {
    done({});
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  events_->registerEvent((*events)[index], options_.request_timeout,
                         [this, alive, events, index, done, epoch](Result<void> r) {
                           if (alive.expired() || epoch != epoch_) {
                             done(unexpected<Error>(r ? clientClosed() : r.error()));
                             return;
                           }
                           if (!r) {
                             close();
                             done(unexpected<Error>(r.error()));
                             return;
                           }
                           registerNext(events, index + 1, done, epoch);
                         });
}

void Client::command(std::string name, Section args, Handler<Reply> done) {
  if (!connected()) {
    asio::post(io_, [done, name] { done(unexpected<Error>(notConnected(name))); });
    return;
  }
  cmd_->command(std::move(name), std::move(args), options_.request_timeout, std::move(done));
}

void Client::stream(std::string name, Section args, std::string event, Handler<Reply> done) {
  if (!connected()) {
    asio::post(io_, [done, name] { done(unexpected<Error>(notConnected(name))); });
    return;
  }
  cmd_->stream(std::move(name), std::move(args), std::move(event), options_.request_timeout,
               std::move(done));
}

void Client::simple(std::string name, Section args, Handler<void> done) {
  command(name, std::move(args), [name, done](Result<Reply> r) {
    if (!r) return done(unexpected<Error>(r.error()));
    done(checkSuccess(name, r->response));
  });
}

void Client::version(Handler<VersionInfo> done) {
  command("version", {}, [done](Result<Reply> r) {
    if (!r) return done(unexpected<Error>(r.error()));
    const Section& s = r->response;
    done(VersionInfo{s.valueOr("daemon"), s.valueOr("version"), s.valueOr("sysname"),
                     s.valueOr("release"), s.valueOr("machine")});
  });
}

void Client::stats(Handler<Stats> done) {
  command("stats", {}, [done](Result<Reply> r) {
    if (!r) return done(unexpected<Error>(r.error()));
    const Section& s = r->response;
    Stats st;
    if (const Section* w = s.section("workers")) {
      st.workers_total = toNumber(w->value("total"));
      st.workers_idle = toNumber(w->value("idle"));
    }
    if (const Section* i = s.section("ikesas")) {
      st.ikesas_total = toNumber(i->value("total"));
      st.ikesas_half_open = toNumber(i->value("half-open"));
    }
    if (const auto* p = s.list("plugins")) st.plugins = *p;
    done(std::move(st));
  });
}

void Client::loadConn(Section conn, Handler<void> done) {
  simple("load-conn", std::move(conn), std::move(done));
}

void Client::loadConns(std::vector<Section> conns, Handler<void> done) {
  // Pack whole connection sections into batches whose encoding stays within the segment.
  auto batches = std::make_shared<std::vector<Section>>();
  size_t batch_bytes = 0;
  std::unordered_set<std::string> names;
  constexpr size_t kBudget = kMaxSegmentSize - 64;  // packet header and name
  for (auto& conn : conns) {
    auto encoded = encodeMessage(conn);
    if (!encoded) {
      asio::post(io_,
                 [done, e = encoded.error()] { done(unexpected<Error>(e.wrap("load-conn"))); });
      return;
    }
    for (const auto& e : conn.entries()) {
      if (!names.insert(e.name).second) {
        asio::post(io_, [done, n = e.name] {
          done(fail(ErrorCode::kInvalidInput, "vici load-conn: connection '" + n + "' twice"));
        });
        return;
      }
    }
    if (batches->empty() || batch_bytes + encoded->size() > kBudget) {
      batches->emplace_back();
      batch_bytes = 0;
    }
    for (const auto& e : conn.entries()) batches->back().appendUnchecked(e);
    batch_bytes += encoded->size();
  }
  // The step function refers to itself weakly; each pending request's handler holds it
  // strongly, so it lives exactly as long as the chain of requests (never freed mid-call).
  using Step = std::function<void(size_t)>;
  auto next = std::make_shared<Step>();
  std::weak_ptr<Step> weak_next = next;
  std::weak_ptr<bool> alive = alive_;
  *next = [this, alive, batches, weak_next, done](size_t i) {
    if (i == batches->size()) return done({});
    if (alive.expired()) return done(unexpected<Error>(clientClosed()));
    std::shared_ptr<Step> self = weak_next.lock();  // our caller holds it
    simple("load-conn", std::move((*batches)[i]), [self, done, i](Result<void> r) {
      if (!r) return done(r);
      (*self)(i + 1);
    });
  };
  (*next)(0);
}

void Client::unloadConn(std::string name, Handler<void> done) {
  Section args;
  args.set("name", name);
  simple("unload-conn", std::move(args), std::move(done));
}

void Client::getConns(Handler<std::vector<std::string>> done) {
  command("get-conns", {}, [done](Result<Reply> r) {
    if (!r) return done(unexpected<Error>(r.error()));
    const auto* conns = r->response.list("conns");
    done(conns ? *conns : std::vector<std::string>{});
  });
}

void Client::loadShared(SharedSecret secret, Handler<void> done) {
  Section args;
  if (!secret.id.empty()) args.set("id", secret.id);
  args.set("type", secret.type);
  args.set("data", secret.data);
  args.setList("owners", std::move(secret.owners));
  simple("load-shared", std::move(args), std::move(done));
}

void Client::unloadShared(std::string id, Handler<void> done) {
  Section args;
  args.set("id", id);
  simple("unload-shared", std::move(args), std::move(done));
}

void Client::loadKey(std::string type, std::string data, Handler<std::string> done) {
  Section args;
  args.set("type", type);
  args.set("data", data);
  command("load-key", std::move(args), [done](Result<Reply> r) {
    if (!r) return done(unexpected<Error>(r.error()));
    if (auto ok = checkSuccess("load-key", r->response); !ok)
      return done(unexpected<Error>(ok.error()));
    done(r->response.valueOr("id"));
  });
}

void Client::loadCert(std::string type, std::string flag, std::string data, Handler<void> done) {
  Section args;
  args.set("type", type);
  args.set("flag", flag);
  args.set("data", data);
  simple("load-cert", std::move(args), std::move(done));
}

void Client::listSas(ListSasFilter filter, Handler<std::vector<IkeSa>> done) {
  if (!connected()) {
    asio::post(io_, [done] { done(unexpected<Error>(notConnected("list-sas"))); });
    return;
  }
  Section args;
  if (filter.noblock) args.set("noblock", "yes");
  if (!filter.ike.empty()) args.set("ike", filter.ike);
  if (filter.ike_id != 0) args.set("ike-id", std::to_string(filter.ike_id));
  if (!filter.child.empty()) args.set("child", filter.child);
  cmd_->stream("list-sas", std::move(args), "list-sa", options_.request_timeout,
               [done](Result<Reply> r) {
                 if (!r) return done(unexpected<Error>(r.error()));
                 std::vector<IkeSa> out;
                 for (const auto& ev : r->events) {
                   auto sa = parseListSaEvent(ev);
                   if (!sa) return done(unexpected<Error>(sa.error().wrap("list-sas")));
                   out.push_back(std::move(*sa));
                 }
                 done(std::move(out));
               });
}

}  // namespace rempart::gateway::vici
