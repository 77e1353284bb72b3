// The VICI client against real charon-systemd instances in namespaces this test creates.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "charon_fixture.hpp"
#include "gateway/vici/client.hpp"
#include "gateway/vici/conn_builder.hpp"
#include "gateway/vici/events.hpp"
#include "vici_test_util.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;
using namespace rempart::test;
using namespace std::chrono_literals;

namespace {

template <typename T>
Result<T> await(boost::asio::io_context& io, const std::function<void(Handler<T>)>& call,
                std::chrono::milliseconds limit = 15s) {
  std::optional<Result<T>> slot;
  call([&](Result<T> r) { slot = std::move(r); });
  REQUIRE(runUntil(
      io, [&] { return slot.has_value(); }, limit));
  return std::move(*slot);
}

struct Side {
  config::Level level;
  config::Tunnel tunnel;
};

// Two ends of one PSK tunnel: a (10.99.0.1, LAN 10.1.0.0/24) and b (10.99.0.2, 10.2.0.0/24).
// Both passive, so that nothing starts before the test initiates.
Side side(bool a) {
  Side s;
  s.level.name = "secret";
  s.level.public_address = *IpAddress::parse(a ? "10.99.0.1" : "10.99.0.2");
  s.level.identity.id = a ? "a.rempart.test" : "b.rempart.test";
  s.tunnel.name = "gw";
  s.tunnel.remote_address = a ? "10.99.0.2" : "10.99.0.1";
  s.tunnel.remote_id = a ? "b.rempart.test" : "a.rempart.test";
  s.tunnel.psk = "gw-psk";
  s.tunnel.local_ts = {*IpPrefix::parse(a ? "10.1.0.0/24" : "10.2.0.0/24")};
  s.tunnel.remote_ts = {*IpPrefix::parse(a ? "10.2.0.0/24" : "10.1.0.0/24")};
  s.tunnel.start = config::StartMode::kPassive;
  return s;
}

std::string prefix() {
  return "rv" + std::to_string(::getpid());
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TEST_CASE("vici client drives a real charon: version, stats, conns, shared secrets",
          "[netns][vici]") {
  TempDir dir;
  Netns netns;
  std::string ns = prefix() + "s";
  netns.add(ns);
  Charon charon(ns, dir.path());
  boost::asio::io_context io;
  Client client(io, ClientOptions{.socket_path = charon.socketPath(),
                                  .request_timeout = 5000ms,
                                  .extra_events = {"ike-rekey", "child-rekey", "log"}});
  REQUIRE(await<void>(io, [&](auto h) { client.connect(h); }));

  auto v = await<VersionInfo>(io, [&](auto h) { client.version(h); });
  REQUIRE(v);
  CHECK(v->daemon == "charon-systemd");
  CHECK(v->version == "5.9.8");
  auto st = await<Stats>(io, [&](auto h) { client.stats(h); });
  REQUIRE(st);
  CHECK(contains(st->plugins, "kdf"));
  CHECK(contains(st->plugins, "kernel-libipsec"));
  CHECK(st->workers_total > 0);

  Side a = side(true);
  auto conn = buildLoadConn(a.level, a.tunnel, {.dataplane = config::Dataplane::kLibipsec});
  REQUIRE(conn);
  REQUIRE(await<void>(io, [&](auto h) { client.loadConn(*conn, h); }));
  auto conns = await<std::vector<std::string>>(io, [&](auto h) { client.getConns(h); });
  REQUIRE(conns);
  CHECK(*conns == std::vector<std::string>{"gw"});

  // charon parses what we send: a broken connection is refused with its reason.
  Section broken;
  broken.child("bad").setList("proposals", {"no-such-algorithm"});
  auto refused = await<void>(io, [&](auto h) { client.loadConn(broken, h); });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInvalidInput);

  REQUIRE(await<void>(io, [&](auto h) { client.unloadConn("gw", h); }));
  conns = await<std::vector<std::string>>(io, [&](auto h) { client.getConns(h); });
  REQUIRE(conns);
  CHECK(conns->empty());
  CHECK_FALSE(await<void>(io, [&](auto h) { client.unloadConn("gw", h); }));

  SharedSecret psk{.id = "gw-psk",
                   .type = "IKE",
                   .data = "not-a-real-secret",
                   .owners = {"a.rempart.test", "b.rempart.test"}};
  REQUIRE(await<void>(io, [&](auto h) { client.loadShared(psk, h); }));
  auto shared = await<Reply>(io, [&](auto h) { client.command("get-shared", {}, h); });
  REQUIRE(shared);
  REQUIRE(shared->response.list("keys") != nullptr);
  CHECK(contains(*shared->response.list("keys"), "gw-psk"));
  REQUIRE(await<void>(io, [&](auto h) { client.unloadShared("gw-psk", h); }));
  SharedSecret bad_type = psk;
  bad_type.type = "NOPE";
  CHECK_FALSE(await<void>(io, [&](auto h) { client.loadShared(bad_type, h); }));

  // A private key and its certificate, made for this run only.
  std::string key_pem = dir.path() + "/key.pem", cert_pem = dir.path() + "/cert.pem";
  mustRunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-nodes", "-subj", "/CN=a.rempart.test", "-days", "1", "-keyout", key_pem, "-out",
                  cert_pem});
  auto key_id = await<std::string>(io, [&](auto h) { client.loadKey("ecdsa", slurp(key_pem), h); });
  REQUIRE(key_id);
  CHECK(key_id->size() == 40);  // hex SHA-1 key id
  auto keys = await<Reply>(io, [&](auto h) { client.command("get-keys", {}, h); });
  REQUIRE(keys);
  REQUIRE(keys->response.list("keys") != nullptr);
  CHECK(contains(*keys->response.list("keys"), *key_id));
  REQUIRE(await<void>(io, [&](auto h) { client.loadCert("X509", "NONE", slurp(cert_pem), h); }));
  auto certs = await<Reply>(io, [&](auto h) {
    client.stream("list-certs", Section{}.set("type", "X509"), "list-cert", h);
  });
  REQUIRE(certs);
  REQUIRE(certs->events.size() == 1);
  CHECK(certs->events[0].valueOr("type") == "X509");
  CHECK(certs->events[0].valueOr("has_privkey") == "yes");
  CHECK_FALSE(await<void>(io, [&](auto h) { client.loadCert("X509", "NONE", "garbage", h); }));
  CHECK_FALSE(await<std::string>(io, [&](auto h) { client.loadKey("ecdsa", "garbage", h); }));

  auto unknown = await<Reply>(io, [&](auto h) { client.command("no-such-command", {}, h); });
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::kNotFound);
  CHECK(client.connected());

  // charon restarting: the client notices, and a reconnect finds an empty daemon.
  std::optional<Error> lost;
  client.setDisconnectHandler([&](const Error& e) { lost = e; });
  REQUIRE(await<void>(io, [&](auto h) { client.loadConn(*conn, h); }));
  charon.stop();
  REQUIRE(runUntil(io, [&] { return lost.has_value(); }));
  CHECK_FALSE(client.connected());
  CHECK_FALSE(await<VersionInfo>(io, [&](auto h) { client.version(h); }));
  Charon restarted(ns, dir.path());
  REQUIRE(await<void>(io, [&](auto h) { client.connect(h); }));
  conns = await<std::vector<std::string>>(io, [&](auto h) { client.getConns(h); });
  REQUIRE(conns);
  CHECK(conns->empty());  // VICI state lives in memory only: push everything again
  REQUIRE(await<void>(io, [&](auto h) { client.loadConn(*conn, h); }));
  conns = await<std::vector<std::string>>(io, [&](auto h) { client.getConns(h); });
  REQUIRE(conns);
  CHECK(*conns == std::vector<std::string>{"gw"});
}

TEST_CASE("vici client brings a PSK tunnel up between two charons and tears it down",
          "[netns][vici]") {
  TempDir dir_a, dir_b;
  Netns netns;
  std::string na = prefix() + "a", nb = prefix() + "b";
  netns.add(na);
  netns.add(nb);
  std::string va = prefix() + "va", vb = prefix() + "vb";
  mustRunCommand(
      {"ip", "link", "add", va, "netns", na, "type", "veth", "peer", "name", vb, "netns", nb});
  mustRunCommand(Netns::in(na, {"ip", "addr", "add", "10.99.0.1/24", "dev", va}));
  mustRunCommand(Netns::in(nb, {"ip", "addr", "add", "10.99.0.2/24", "dev", vb}));
  mustRunCommand(Netns::in(na, {"ip", "link", "set", va, "up"}));
  mustRunCommand(Netns::in(nb, {"ip", "link", "set", vb, "up"}));
  // A local address inside local_ts, for the libipsec route's source.
  mustRunCommand(Netns::in(na, {"ip", "addr", "add", "10.1.0.1/32", "dev", "lo"}));
  mustRunCommand(Netns::in(nb, {"ip", "addr", "add", "10.2.0.1/32", "dev", "lo"}));

  Charon charon_a(na, dir_a.path());
  Charon charon_b(nb, dir_b.path());
  boost::asio::io_context io;
  Client ca(io, ClientOptions{.socket_path = charon_a.socketPath(),
                              .extra_events = {"ike-rekey", "child-rekey", "log"}});
  Client cb(io, ClientOptions{.socket_path = charon_b.socketPath()});
  REQUIRE(await<void>(io, [&](auto h) { ca.connect(h); }));
  REQUIRE(await<void>(io, [&](auto h) { cb.connect(h); }));
  bool saw_child_up = false, saw_ike_down = false, saw_log = false;
  std::vector<std::string> malformed;
  std::vector<RekeyEvent> ike_rekeys, child_rekeys;
  TypedEventHandlers typed{
      .ike_updown = [&](const UpdownEvent& u) { saw_ike_down |= !u.up && u.ike.name == "gw"; },
      .child_updown = [&](const UpdownEvent& u) { saw_child_up |= u.up && u.ike.name == "gw"; },
      .ike_rekey = [&](const RekeyEvent& r) { ike_rekeys.push_back(r); },
      .child_rekey = [&](const RekeyEvent& r) { child_rekeys.push_back(r); },
      .log = [&](const LogEvent& l) { saw_log |= l.ike_name == "gw" && !l.message.empty(); },
      .malformed = [&](const Error& e) { malformed.push_back(e.context); },
  };
  ca.setEventHandler([&](const Event& e) { dispatchEvent(e, typed); });

  for (bool is_a : {true, false}) {
    Client& c = is_a ? ca : cb;
    Side s = side(is_a);
    auto conn = buildLoadConn(s.level, s.tunnel, {.dataplane = config::Dataplane::kLibipsec});
    REQUIRE(conn);
    REQUIRE(await<void>(io, [&](auto h) { c.loadConn(*conn, h); }));
    SharedSecret psk{.id = "gw-psk",
                     .type = "IKE",
                     .data = "test-only-psk-0123456789",
                     .owners = {"a.rempart.test", "b.rempart.test"}};
    REQUIRE(await<void>(io, [&](auto h) { c.loadShared(psk, h); }));
  }

  auto child = await<ChildSa>(
      io, [&](auto h) { ca.initiate("gw", "gw", 15s, h); }, 20s);
  INFO(charon_a.log());
  REQUIRE(child);
  CHECK(child->state == "INSTALLED");
  CHECK(child->local_ts == std::vector<std::string>{"10.1.0.0/24"});

  auto ping = runCommand(
      Netns::in(na, {"ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", "10.1.0.1", "10.2.0.1"}));
  INFO(ping.out);
  CHECK(ping.status == 0);

  auto sas = await<std::vector<IkeSa>>(io, [&](auto h) { ca.listSas({}, h); });
  REQUIRE(sas);
  REQUIRE(sas->size() == 1);
  const IkeSa& ike = sas->front();
  CHECK(ike.name == "gw");
  CHECK(ike.state == "ESTABLISHED");
  CHECK(ike.local_id == "a.rempart.test");
  CHECK(ike.remote_id == "b.rempart.test");
  CHECK(ike.remote_host == "10.99.0.2");
  CHECK(ike.initiator);
  CHECK(ike.initiator_spi.size() == 16);
  CHECK(ike.established.has_value());
  REQUIRE(ike.children.size() == 1);
  const ChildSa& c = ike.children.front();
  CHECK(c.spi_in.size() == 8);
  CHECK(c.packets_out >= 3);
  CHECK(c.packets_in >= 3);
  CHECK(c.bytes_out > 0);
  CHECK(c.bytes_in > 0);
  CHECK(c.encap);  // kernel-libipsec forces UDP encapsulation

  // A second initiate of the established child is a duplicate charon reports as success.
  auto again = await<ChildSa>(io, [&](auto h) { ca.initiate("gw", "gw", 5s, h); });
  REQUIRE(again);
  CHECK(again->spi_in == c.spi_in);

  // Rekeys: the child gets new SPIs, the IKE_SA a new unique id; the events say old -> new.
  REQUIRE(await<void>(io, [&](auto h) {
    ca.command("rekey", Section{}.set("child", "gw"), [h](Result<Reply> r) {
      h(r ? checkSuccess("rekey", r->response) : unexpected<Error>(r.error()));
    });
  }));
  REQUIRE(runUntil(
      io, [&] { return !child_rekeys.empty(); }, 15s));
  REQUIRE(child_rekeys[0].old_sa.children.size() == 1);
  CHECK(child_rekeys[0].old_sa.children[0].spi_in == c.spi_in);
  CHECK(child_rekeys[0].new_sa.children[0].spi_in != c.spi_in);
  CHECK(child_rekeys[0].new_sa.children[0].state == "INSTALLED");
  REQUIRE(await<void>(io, [&](auto h) {
    ca.command("rekey", Section{}.set("ike", "gw"), [h](Result<Reply> r) {
      h(r ? checkSuccess("rekey", r->response) : unexpected<Error>(r.error()));
    });
  }));
  REQUIRE(runUntil(
      io, [&] { return !ike_rekeys.empty(); }, 15s));
  CHECK(ike_rekeys[0].old_sa.uniqueid == ike.uniqueid);
  CHECK(ike_rekeys[0].new_sa.uniqueid != ike.uniqueid);
  CHECK(ike_rekeys[0].new_sa.state == "ESTABLISHED");

  // The old IKE_SA is deleted just after the rekey event; wait until only the new one is left,
  // so that terminate has exactly one IKE_SA to take down.
  size_t ike_sas = 0;
  for (int i = 0; i < 50; ++i) {
    auto now = await<std::vector<IkeSa>>(io, [&](auto h) { ca.listSas({}, h); });
    REQUIRE(now);
    ike_sas = now->size();
    if (ike_sas == 1) break;
    std::this_thread::sleep_for(200ms);
  }
  REQUIRE(ike_sas == 1);
  auto terminated = await<unsigned>(io, [&](auto h) { ca.terminate("gw", 10s, h); });
  REQUIRE(terminated);
  CHECK(*terminated == 1);
  sas = await<std::vector<IkeSa>>(io, [&](auto h) { ca.listSas({}, h); });
  REQUIRE(sas);
  CHECK(sas->empty());
  // The events the tunnel produced reached the handler, typed.
  CHECK(saw_child_up);
  CHECK(saw_ike_down);
  CHECK(saw_log);
  CHECK(malformed.empty());
  // Nothing left to terminate.
  terminated = await<unsigned>(io, [&](auto h) { ca.terminate("gw", 5s, h); });
  REQUIRE(terminated);
  CHECK(*terminated == 0);
}
