// The VICI client's initiate/terminate outcome tracking and its behaviour when charon goes
// away, against the scripted fake server.
#include "vici_client_fixture.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;
using namespace rempart::test;

TEST_CASE("vici client follows initiate and terminate through events", "[unit][vici]") {
  Fixture f;
  Section child;
  child.set("name", "net").set("uniqueid", "4").set("state", "INSTALLED");
  Section up_extra;
  up_extra.child("child-sas").setSection("net-4", child);
  Section child_up = ikeBlock("gw", "ESTABLISHED", up_extra);
  child_up.set("up", "yes");

  SECTION("child-updown arriving before the initiate response completes it") {
    f.server.script = [&](auto&, const Packet& p) -> std::vector<std::string> {
      if (p.name == "initiate") {
        CHECK(p.message.valueOr("timeout") == "-1");
        CHECK(p.message.valueOr("ike") == "gw");
        f.server.sendToRegistered("child-updown", frameOf(event("child-updown", child_up)));
        return {frameOf(response(Section{}.set("success", "yes")))};
      }
      if (p.type == PacketType::kCmdRequest) return {frameOf(response({}))};
      return {frameOf({PacketType::kEventConfirm, "", {}})};
    };
    std::optional<Result<ChildSa>> r;
    f.client.initiate("gw", "net", 2000ms, [&](auto x) { r = x; });
    auto got = f.wait(r);
    REQUIRE(got);
    CHECK(got->uniqueid == 4);
    CHECK(got->state == "INSTALLED");
  }
  SECTION("an ike-updown without up fails it") {
    f.server.script = [&](auto&, const Packet& p) -> std::vector<std::string> {
      if (p.name == "initiate") return {frameOf(response(Section{}.set("success", "yes")))};
      if (p.name == "list-sas") {
        f.server.sendToRegistered("ike-updown",
                                  frameOf(event("ike-updown", ikeBlock("gw", "CONNECTING"))));
        return {frameOf(response({}))};
      }
      return {frameOf({PacketType::kEventConfirm, "", {}})};
    };
    std::optional<Result<ChildSa>> r;
    f.client.initiate("gw", "net", 2000ms, [&](auto x) { r = x; });
    auto got = f.wait(r);
    REQUIRE_FALSE(got);
    CHECK_THAT(got.error().context, Catch::Contains("CONNECTING"));
  }
  SECTION("an already installed child completes it through list-sas") {
    f.server.script = [&](auto&, const Packet& p) -> std::vector<std::string> {
      if (p.name == "initiate") return {frameOf(response(Section{}.set("success", "yes")))};
      if (p.name == "list-sas")
        return {frameOf(event("list-sa", ikeBlock("gw", "ESTABLISHED", up_extra))),
                frameOf(response({}))};
      return {frameOf({PacketType::kEventConfirm, "", {}})};
    };
    std::optional<Result<ChildSa>> r;
    f.client.initiate("gw", "net", 2000ms, [&](auto x) { r = x; });
    auto got = f.wait(r);
    REQUIRE(got);
    CHECK(got->name == "net");
  }
  SECTION("an installed child of an IKE_SA being deleted does not complete it") {
    // list-sas still shows the old CHILD_SA as INSTALLED while its IKE_SA is DELETING: the
    // outcome is the new one that the up event announces, not the dying one.
    Section fresh = child;
    fresh.set("uniqueid", "9");
    Section fresh_extra;
    fresh_extra.child("child-sas").setSection("net-9", fresh);
    Section fresh_up = ikeBlock("gw", "ESTABLISHED", fresh_extra);
    fresh_up.set("up", "yes");
    bool listed = false;
    f.server.script = [&](auto&, const Packet& p) -> std::vector<std::string> {
      if (p.name == "initiate") return {frameOf(response(Section{}.set("success", "yes")))};
      if (p.name == "list-sas") {
        listed = true;
        return {frameOf(event("list-sa", ikeBlock("gw", "DELETING", up_extra))),
                frameOf(response({}))};
      }
      if (p.type == PacketType::kCmdRequest) return {frameOf(response({}))};
      return {frameOf({PacketType::kEventConfirm, "", {}})};
    };
    std::optional<Result<ChildSa>> r;
    f.client.initiate("gw", "net", 2000ms, [&](auto x) { r = x; });
    REQUIRE(runUntil(f.io, [&] { return listed; }));
    // Let the list-sas answer reach the client before the new SA comes up.
    runUntil(
        f.io, [] { return false; }, 100ms);
    CHECK_FALSE(r.has_value());
    f.server.sendToRegistered("child-updown", frameOf(event("child-updown", fresh_up)));
    auto got = f.wait(r);
    REQUIRE(got);
    CHECK(got->uniqueid == 9);
  }
  SECTION("nothing happening times it out without killing the connection") {
    std::optional<Result<ChildSa>> r;
    f.server.script = [&](auto&, const Packet& p) -> std::vector<std::string> {
      if (p.name == "initiate") return {frameOf(response(Section{}.set("success", "yes")))};
      if (p.type == PacketType::kCmdRequest) return {frameOf(response({}))};
      return {frameOf({PacketType::kEventConfirm, "", {}})};
    };
    f.client.initiate("gw", "net", 200ms, [&](auto x) { r = x; });
    auto got = f.wait(r);
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::kTimeout);
    CHECK(f.client.connected());
  }
  SECTION("terminate waits for as many down events as matches") {
    f.server.script = [&](auto&, const Packet& p) -> std::vector<std::string> {
      if (p.name == "terminate") {
        CHECK(p.message.valueOr("timeout") == "-1");
        Section down = ikeBlock("gw", "DELETING");
        f.server.sendToRegistered("ike-updown", frameOf(event("ike-updown", down)));
        return {frameOf(response(Section{}.set("success", "yes").set("matches", "2")))};
      }
      return {frameOf({PacketType::kEventConfirm, "", {}})};
    };
    std::optional<Result<unsigned>> r;
    f.client.terminate("gw", 2000ms, [&](auto x) { r = x; });
    runUntil(
        f.io, [] { return false; }, 100ms);
    CHECK_FALSE(r.has_value());  // one of two down events so far
    f.server.sendToRegistered("ike-updown",
                              frameOf(event("ike-updown", ikeBlock("gw", "DELETING"))));
    auto got = f.wait(r);
    REQUIRE(got);
    CHECK(*got == 2);
  }
}

TEST_CASE("vici client fails everything when charon goes away", "[unit][vici]") {
  Fixture f;
  f.server.script = [](auto&, const Packet&) -> std::vector<std::string> { return {}; };
  std::optional<Result<ChildSa>> init;
  std::optional<Result<Stats>> st;
  f.client.initiate("gw", "net", 5000ms, [&](auto x) { init = x; });
  f.client.stats([&](auto x) { st = x; });
  runUntil(
      f.io, [] { return false; }, 50ms);
  f.server.closeAll();
  CHECK_FALSE(f.wait(init));
  CHECK_FALSE(f.wait(st));
  REQUIRE(runUntil(f.io, [&] { return f.disconnected.has_value(); }));
  CHECK_THAT(f.disconnected->context, Catch::Contains("closed"));
}

TEST_CASE("vici client reconnecting from a failure handler keeps the new connections",
          "[unit][vici]") {
  Fixture f;
  f.server.script = [](auto&, const Packet& p) -> std::vector<std::string> {
    if (p.type == PacketType::kCmdRequest && p.name == "stats") return {};  // silence
    if (p.type == PacketType::kCmdRequest) return {frameOf(response({}))};
    return {frameOf({PacketType::kEventConfirm, "", {}})};
  };
  std::optional<Result<void>> reconnected;
  f.client.stats([&](Result<Stats> r) {
    REQUIRE_FALSE(r);
    f.client.connect([&](Result<void> c) { reconnected = c; });
  });
  REQUIRE(runUntil(f.io, [&] { return reconnected.has_value(); }));
  REQUIRE(*reconnected);
  // Let every posted close notification of the old pair run.
  runUntil(
      f.io, [] { return false; }, 100ms);
  CHECK(f.client.connected());
  std::optional<Result<VersionInfo>> v;
  f.client.version([&](auto r) { v = r; });
  CHECK(f.wait(v));
  CHECK(f.server.accepted == 4);
}
