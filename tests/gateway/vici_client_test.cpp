// The VICI client against a scripted fake server: framing, queueing, event demultiplexing,
// streaming, timeouts and hostile replies.
#include "vici_client_fixture.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;
using namespace rempart::test;

TEST_CASE("vici client registers the events and decodes version", "[unit][vici]") {
  Fixture f;
  std::vector<std::string> registered;
  for (const auto& p : f.server.received)
    if (p.type == PacketType::kEventRegister) registered.push_back(p.name);
  CHECK(registered == std::vector<std::string>{"ike-updown", "child-updown", "log"});
  CHECK(f.server.accepted == 2);

  f.server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    REQUIRE(p.name == "version");
    Section s;
    s.set("daemon", "charon-systemd").set("version", "5.9.8").set("sysname", "Linux");
    return {frameOf(response(s))};
  };
  std::optional<Result<VersionInfo>> v;
  f.client.version([&](auto r) { v = r; });
  auto got = f.wait(v);
  REQUIRE(got);
  CHECK(got->daemon == "charon-systemd");
  CHECK(got->version == "5.9.8");
}

TEST_CASE("vici client sends one command at a time and answers in order", "[unit][vici]") {
  Fixture f;
  f.server.max_in_flight = 0;
  f.server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    Section s;
    s.set("success", "yes").set("echo", p.message.valueOr("name"));
    return {frameOf(response(s))};
  };
  std::vector<std::string> order;
  for (int i = 0; i < 20; ++i)
    f.client.unloadConn("c" + std::to_string(i), [&, i](Result<void> r) {
      REQUIRE(r);
      order.push_back("c" + std::to_string(i));
    });
  REQUIRE(runUntil(f.io, [&] { return order.size() == 20; }));
  CHECK(f.server.max_in_flight == 1);
  CHECK(order.front() == "c0");
  CHECK(order.back() == "c19");
  std::vector<std::string> sent;
  for (const auto& p : f.server.received)
    if (p.type == PacketType::kCmdRequest) sent.push_back(p.message.valueOr("name"));
  REQUIRE(sent.size() == 20);
  CHECK(sent[5] == "c5");
}

TEST_CASE("vici client maps success=no, CMD_UNKNOWN and EVENT_UNKNOWN to errors", "[unit][vici]") {
  Fixture f;
  f.server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    if (p.name == "load-conn") {
      Section s;
      s.set("success", "no").set("errmsg", "parsing request failed");
      return {frameOf(response(s))};
    }
    return {frameOf({PacketType::kCmdUnknown, "", {}})};
  };
  std::optional<Result<void>> load, shared;
  f.client.loadConn(Section{}.set("x", "y"), [&](auto r) { load = r; });
  f.client.unloadShared("nope", [&](auto r) { shared = r; });
  auto l = f.wait(load);
  REQUIRE_FALSE(l);
  CHECK(l.error().code == ErrorCode::kInvalidInput);
  CHECK_THAT(l.error().context, Catch::Contains("parsing request failed"));
  auto s = f.wait(shared);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kNotFound);
  CHECK_THAT(s.error().context, Catch::Contains("unload-shared"));
  CHECK(f.client.connected());  // refusals are not connection failures

  // An event charon does not know fails connect().
  TempDir dir;
  FakeViciServer server(f.io, dir.path() + "/v");
  server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    if (p.name == "ike-rekey") return {frameOf({PacketType::kEventUnknown, "", {}})};
    return {frameOf({PacketType::kEventConfirm, "", {}})};
  };
  Client c(f.io, ClientOptions{.socket_path = dir.path() + "/v", .extra_events = {"ike-rekey"}});
  std::optional<Result<void>> r;
  c.connect([&](auto x) { r = x; });
  auto cr = f.wait(r);
  REQUIRE_FALSE(cr);
  CHECK(cr.error().code == ErrorCode::kNotFound);
  CHECK_THAT(cr.error().context, Catch::Contains("ike-rekey"));
  CHECK_FALSE(c.connected());
}

TEST_CASE("vici client streams list-sas with events before the response", "[unit][vici]") {
  Fixture f;
  std::vector<Event> others;
  f.client.setEventHandler([&](const Event& e) { others.push_back(e); });
  f.server.script = [](auto& session, const Packet& p) -> std::vector<std::string> {
    if (p.type != PacketType::kCmdRequest) return {frameOf({PacketType::kEventConfirm, "", {}})};
    REQUIRE(p.name == "list-sas");
    REQUIRE(session.registered.count("list-sa") == 1);
    Section child;
    child.set("name", "net").set("uniqueid", "3").set("state", "INSTALLED");
    child.set("spi-in", "c1234567").set("bytes-in", "420").set("packets-out", "5");
    child.setList("local-ts", {"10.1.0.0/24"});
    Section extra;
    extra.set("established", "12").child("child-sas").setSection("net-3", child);
    std::vector<std::string> out;
    out.push_back(frameOf(event("list-sa", ikeBlock("gw1", "ESTABLISHED", extra))));
    // An unrelated event in the middle of the stream goes to the event handler.
    out.push_back(frameOf(event("log", Section{}.set("msg", "hello"))));
    out.push_back(frameOf(event("list-sa", ikeBlock("gw2", "CONNECTING"))));
    out.push_back(frameOf(response({})));
    return out;
  };
  std::optional<Result<std::vector<IkeSa>>> sas;
  f.client.listSas({}, [&](auto r) { sas = r; });
  auto got = f.wait(sas);
  REQUIRE(got);
  REQUIRE(got->size() == 2);
  const IkeSa& a = (*got)[0];
  CHECK(a.name == "gw1");
  CHECK(a.uniqueid == 7);
  CHECK(a.state == "ESTABLISHED");
  CHECK(a.established == 12u);
  REQUIRE(a.children.size() == 1);
  CHECK(a.children[0].name == "net");
  CHECK(a.children[0].bytes_in == 420);
  CHECK(a.children[0].packets_out == 5);
  CHECK(a.children[0].local_ts == std::vector<std::string>{"10.1.0.0/24"});
  CHECK_FALSE((*got)[1].established.has_value());
  REQUIRE(others.size() == 1);
  CHECK(others[0].name == "log");
  // The stream unregistered its event afterwards.
  CHECK(f.server.received.back().type == PacketType::kEventUnregister);
  CHECK(f.server.received.back().name == "list-sa");
}

TEST_CASE("vici client fails cleanly on silence: timeout, reset, queued requests fail",
          "[unit][vici]") {
  Fixture f;
  f.server.script = [](auto&, const Packet&) -> std::vector<std::string> { return {}; };
  std::optional<Result<std::vector<std::string>>> first;
  std::optional<Result<void>> second;
  f.client.getConns([&](auto r) { first = r; });
  f.client.unloadConn("x", [&](auto r) { second = r; });
  auto a = f.wait(first);
  REQUIRE_FALSE(a);
  CHECK(a.error().code == ErrorCode::kTimeout);
  CHECK_THAT(a.error().context, Catch::Contains("get-conns"));
  auto b = f.wait(second);
  REQUIRE_FALSE(b);
  CHECK_THAT(b.error().context, Catch::Contains("not sent"));
  REQUIRE(runUntil(f.io, [&] { return f.disconnected.has_value(); }));
  CHECK(f.disconnected->code == ErrorCode::kTimeout);
  CHECK_FALSE(f.client.connected());
  // Only the first request reached the server: the second was never sent.
  int commands = 0;
  for (const auto& p : f.server.received) commands += p.type == PacketType::kCmdRequest;
  CHECK(commands == 1);

  // After the reset, calls fail at once, and a reconnect works.
  std::optional<Result<VersionInfo>> v;
  f.client.version([&](auto r) { v = r; });
  CHECK_FALSE(f.wait(v));
  f.server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    if (p.type == PacketType::kCmdRequest)
      return {frameOf(response(Section{}.set("version", "5.9.8")))};
    return {frameOf({PacketType::kEventConfirm, "", {}})};
  };
  std::optional<Result<void>> again;
  f.client.connect([&](auto r) { again = r; });
  REQUIRE(f.wait(again));
  v.reset();
  f.client.version([&](auto r) { v = r; });
  auto v2 = f.wait(v);
  REQUIRE(v2);
  CHECK(v2->version == "5.9.8");
}

TEST_CASE("vici client drops the connection on malformed or oversize replies", "[unit][vici]") {
  struct Case {
    std::string what;
    std::string frame;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"oversize", std::string("\x00\x08\x00\x01", 4) + std::string(64, 'x'), ErrorCode::kLimit},
      {"bad element", rawFrame(std::string("\x01\x09", 2)), ErrorCode::kProtocol},
      {"unbalanced", rawFrame(std::string("\x01\x01\x01s", 4)), ErrorCode::kProtocol},
      {"unknown type", rawFrame("\x09"), ErrorCode::kProtocol},
      {"empty frame", std::string("\x00\x00\x00\x00", 4), ErrorCode::kProtocol},
      {"wrong reply", frameOf({PacketType::kEventConfirm, "", {}}), ErrorCode::kProtocol},
      {"request from server", frameOf({PacketType::kCmdRequest, "x", {}}), ErrorCode::kProtocol},
      {"truncated then closed", std::string("\x00\x00\x00\x10\x01", 5), ErrorCode::kProtocol},
  };
  for (const auto& c : cases) {
    INFO("case: " << c.what);
    Fixture f;
    f.server.script = [&](auto&, const Packet&) -> std::vector<std::string> { return {c.frame}; };
    std::optional<Result<Stats>> st;
    std::optional<Result<void>> queued;
    f.client.stats([&](auto r) { st = r; });
    f.client.unloadConn("x", [&](auto r) { queued = r; });
    if (c.what == "truncated then closed") {
      runUntil(
          f.io, [] { return false; }, 100ms);
      CHECK_FALSE(st.has_value());
      f.server.closeAll();
    }
    auto r = f.wait(st);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == c.code);
    CHECK_FALSE(f.wait(queued));
    REQUIRE(runUntil(f.io, [&] { return f.disconnected.has_value(); }));
    CHECK_FALSE(f.client.connected());
  }
}

TEST_CASE("vici client refuses oversize requests without losing the connection", "[unit][vici]") {
  Fixture f;
  Section big;
  for (int i = 0; i < 9; ++i) big.child("c" + std::to_string(i)).set("v", std::string(60000, 'x'));
  std::optional<Result<void>> r;
  f.client.loadConn(big, [&](auto x) { r = x; });
  auto got = f.wait(r);
  REQUIRE_FALSE(got);
  CHECK(got.error().code == ErrorCode::kLimit);
  CHECK(f.client.connected());

  // loadConns splits the same connections into requests that fit.
  f.server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    if (p.type != PacketType::kCmdRequest) return {frameOf({PacketType::kEventConfirm, "", {}})};
    return {frameOf(response(Section{}.set("success", "yes")))};
  };
  std::vector<Section> conns;
  for (int i = 0; i < 9; ++i) {
    Section c;
    c.child("c" + std::to_string(i)).set("v", std::string(60000, 'x'));
    conns.push_back(c);
  }
  size_t before = f.server.received.size();
  r.reset();
  f.client.loadConns(conns, [&](auto x) { r = x; });
  REQUIRE(f.wait(r));
  size_t conn_sections = 0, requests = 0;
  for (size_t i = before; i < f.server.received.size(); ++i) {
    ++requests;
    CHECK(f.server.received[i].name == "load-conn");
    conn_sections += f.server.received[i].message.size();
  }
  CHECK(conn_sections == 9);
  CHECK(requests == 2);
}

TEST_CASE("vici client reports an absent socket", "[unit][vici]") {
  TempDir dir;
  boost::asio::io_context io;
  Client c(io, ClientOptions{.socket_path = dir.path() + "/none.vici"});
  std::optional<Result<void>> r;
  c.connect([&](auto x) { r = x; });
  REQUIRE(runUntil(io, [&] { return r.has_value(); }));
  REQUIRE_FALSE(*r);
  CHECK(r->error().errnum == ENOENT);
}
