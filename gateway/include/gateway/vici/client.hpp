// A VICI client for one charon instance: one command connection and one event connection
// over charon's unix socket, with typed helpers for the commands Rempart uses. Written from
// the protocol description; not linked against libvici.
//
// Contract: every call completes exactly once, asynchronously, through its handler, with a
// value or an Error (kTimeout after the request timeout; kNotFound for CMD_UNKNOWN or
// EVENT_UNKNOWN; kInvalidInput when charon answers success=no, with its errmsg). `initiate`
// and `terminate` are sent with timeout -1 (the 5.9.8 control-log deadlock) and complete on
// the ike-updown/child-updown events that follow. If either connection dies, both are closed,
// every pending call fails, and the disconnect handler runs once; connect() may then be
// called again (charon forgets all loaded state on restart: push it again).
// Thread: all members from the io_context's thread; no threads of its own.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "gateway/vici/connection.hpp"
#include "gateway/vici/sa.hpp"

namespace rempart::gateway::vici {

using Millis = std::chrono::milliseconds;

struct ClientOptions {
  std::string socket_path{};
  Millis request_timeout{10000};  // per request, on both connections
  Millis connect_timeout{3000};
  // Events registered on the event connection besides ike-updown and child-updown, which
  // are always registered (initiate/terminate follow them). E.g. ike-rekey, child-rekey, log.
  std::vector<std::string> extra_events{};
};

struct VersionInfo {
  std::string daemon, version, sysname, release, machine;
};

struct Stats {
  uint64_t workers_total = 0, workers_idle = 0;
  uint64_t ikesas_total = 0, ikesas_half_open = 0;
  std::vector<std::string> plugins;
};

// A shared secret for load-shared. `data` is secret: never log it.
struct SharedSecret {
  std::string id;            // charon's identifier for replacing/unloading it; empty: none
  std::string type = "IKE";  // IKE, EAP, XAUTH, NTLM
  std::string data;
  std::vector<std::string> owners;  // IKE identities it applies to
};

struct ListSasFilter {
  std::string ike{};
  std::string child{};
  uint32_t ike_id = 0;  // 0: any
  bool noblock = false;
};

template <typename T>
using Handler = std::function<void(Result<T>)>;

class Client {
 public:
  using EventHandler = std::function<void(const Event&)>;
  using DisconnectHandler = std::function<void(const Error&)>;

  // Nothing is opened until connect().
  Client(boost::asio::io_context& io, ClientOptions options);
  ~Client();  // closes both connections; pending handlers still run (with errors)
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Opens both connections and registers the events. Fails (and leaves nothing open) if
  // either connection or any registration fails.
  void connect(Handler<void> done);
  void close();
  bool connected() const;

  // Every event from the event connection, after initiate/terminate tracking saw it.
  void setEventHandler(EventHandler handler) { on_event_ = std::move(handler); }
  void setDisconnectHandler(DisconnectHandler handler) { on_disconnect_ = std::move(handler); }

  void version(Handler<VersionInfo> done);
  void stats(Handler<Stats> done);
  // `conn` holds one section per connection, named after it (as built by buildLoadConn).
  void loadConn(Section conn, Handler<void> done);
  // Loads many connections, packing several per load-conn request up to the segment
  // limit (charon accepts several connection sections per request). Names must be unique.
  // charon applies a request's sections in order and stops at the first it refuses: on
  // failure, the connections before it stay loaded, and the error carries charon's reason.
  void loadConns(std::vector<Section> conns, Handler<void> done);
  void unloadConn(std::string name, Handler<void> done);
  void getConns(Handler<std::vector<std::string>> done);
  void loadShared(SharedSecret secret, Handler<void> done);
  void unloadShared(std::string id, Handler<void> done);
  // `type`: rsa, ecdsa, ed25519, ed448 or any; `data` PEM or DER. Yields charon's key id.
  void loadKey(std::string type, std::string data, Handler<std::string> done);
  // `type`: X509, X509_AC, X509_CRL; `flag`: NONE, CA, AA, OCSP.
  void loadCert(std::string type, std::string flag, std::string data, Handler<void> done);
  // Starts child `child` of connection `ike` and completes when that CHILD_SA is up
  // (child-updown up, or already INSTALLED), or fails when the IKE_SA attempt fails
  // (ike-updown without up) or nothing happens within `wait`.
  void initiate(std::string ike, std::string child, Millis wait, Handler<ChildSa> done);
  // Terminates the IKE_SAs of connection `ike` and completes with their number once the
  // down event of each has arrived (0 when there was none), or fails after `wait`.
  void terminate(std::string ike, Millis wait, Handler<unsigned> done);
  void listSas(ListSasFilter filter, Handler<std::vector<IkeSa>> done);
  // Any other command, raw.
  void command(std::string name, Section args, Handler<Reply> done);
  // Any other streaming command (list-conns/list-conn, list-certs/list-cert, ...), raw:
  // Reply::events holds the `event` packets that came before the response.
  void stream(std::string name, Section args, std::string event, Handler<Reply> done);

 private:
  struct Waiter;
  void onEvent(const Event& event);
  void onConnectionDied(const Error& error);
  void finishWaiter(const std::shared_ptr<Waiter>& waiter, Result<ChildSa> outcome);
  void simple(std::string command, Section args, Handler<void> done);
  void registerNext(std::shared_ptr<std::vector<std::string>> events, size_t index,
                    Handler<void> done, uint64_t epoch);

  boost::asio::io_context& io_;
  ClientOptions options_;
  std::shared_ptr<Connection> cmd_;
  std::shared_ptr<Connection> events_;
  std::list<std::shared_ptr<Waiter>> waiters_;
  EventHandler on_event_;
  DisconnectHandler on_disconnect_;
  uint64_t epoch_ = 0;  // bumped on close, so late connect completions are discarded
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Checks a command response's `success`; kInvalidInput with charon's errmsg when "no".
Result<void> checkSuccess(std::string_view command, const Section& response);

}  // namespace rempart::gateway::vici
