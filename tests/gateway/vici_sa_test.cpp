// Parsing of charon's IKE/CHILD blocks and events into typed structs.
#include <catch2/catch.hpp>

#include "gateway/vici/events.hpp"
#include "gateway/vici/sa.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;

namespace {

Section ike(std::string_view id) {
  Section s;
  s.set("uniqueid", id).set("version", "2").set("state", "ESTABLISHED");
  s.set("local-host", "10.99.0.1").set("local-port", "4500").set("local-id", "a.example");
  s.set("remote-host", "10.99.0.2").set("remote-port", "4500").set("remote-id", "b.example");
  s.set("initiator", "yes").set("initiator-spi", "0123456789abcdef");
  s.set("responder-spi", "fedcba9876543210").set("encr-alg", "AES_GCM_16");
  s.set("encr-keysize", "256").set("prf-alg", "PRF_HMAC_SHA2_384").set("dh-group", "CURVE_25519");
  s.set("established", "5").set("rekey-time", "13000");
  return s;
}

Section child(std::string_view id, std::string_view spi) {
  Section c;
  c.set("name", "net").set("uniqueid", id).set("reqid", "1").set("state", "INSTALLED");
  c.set("mode", "TUNNEL").set("protocol", "ESP").set("encap", "yes");
  c.set("spi-in", spi).set("spi-out", "c0000002").set("encr-alg", "AES_GCM_16");
  c.set("bytes-in", "420").set("packets-in", "5").set("bytes-out", "84").set("packets-out", "1");
  c.set("install-time", "3").set("life-time", "3900").set("rekey-time", "3300");
  c.setList("local-ts", {"10.1.0.0/24"}).setList("remote-ts", {"10.2.0.0/24"});
  return c;
}

}  // namespace

TEST_CASE("child-updown becomes an UpdownEvent with the audit fields", "[unit][vici]") {
  Section ev;
  ev.set("up", "yes");
  Section& block = ev.child("gw");
  block = ike("1");
  block.child("child-sas").setSection("net-2", child("2", "c0000001"));
  auto u = parseUpdownEvent(ev);
  REQUIRE(u);
  CHECK(u->up);
  CHECK(u->ike.name == "gw");
  CHECK(u->ike.local_port == 4500);
  CHECK(u->ike.remote_id == "b.example");
  CHECK(u->ike.initiator);
  CHECK(u->ike.encr_keysize == 256);
  CHECK(u->ike.established == 5u);
  REQUIRE(u->ike.children.size() == 1);
  const ChildSa& c = u->ike.children[0];
  CHECK(c.key == "net-2");
  CHECK(c.name == "net");
  CHECK(c.uniqueid == 2);
  CHECK(c.encap);
  CHECK(c.spi_in == "c0000001");
  CHECK(c.bytes_in == 420);
  CHECK(c.packets_out == 1);
  CHECK(c.remote_ts == std::vector<std::string>{"10.2.0.0/24"});

  Section down;
  down.setSection("gw", ike("1"));
  auto d = parseUpdownEvent(down);
  REQUIRE(d);
  CHECK_FALSE(d->up);
}

TEST_CASE("rekey events give old and new SAs", "[unit][vici]") {
  Section ike_rekey;
  ike_rekey.child("gw").setSection("old", ike("1")).setSection("new", ike("2"));
  auto r = parseIkeRekeyEvent(ike_rekey);
  REQUIRE(r);
  CHECK(r->old_sa.uniqueid == 1);
  CHECK(r->new_sa.uniqueid == 2);
  CHECK(r->new_sa.name == "gw");

  Section child_rekey;
  Section& b = child_rekey.child("gw");
  b = ike("2");
  b.child("child-sas")
      .child("net")
      .setSection("old", child("3", "c0000003"))
      .setSection("new", child("4", "c0000004"));
  auto c = parseChildRekeyEvent(child_rekey);
  REQUIRE(c);
  CHECK(c->old_sa.uniqueid == 2);
  REQUIRE(c->old_sa.children.size() == 1);
  CHECK(c->old_sa.children[0].spi_in == "c0000003");
  CHECK(c->new_sa.children[0].spi_in == "c0000004");
  CHECK(c->new_sa.children[0].uniqueid == 4);
}

TEST_CASE("SA parsing rejects malformed numbers and shapes", "[unit][vici]") {
  Section bad = ike("x1");
  CHECK_FALSE(parseIkeSa("gw", bad));
  Section neg = ike("1");
  neg.set("local-port", "70000");
  CHECK_FALSE(parseIkeSa("gw", neg));
  CHECK_FALSE(parseUpdownEvent(Section{}.set("up", "yes")));
  Section two;
  two.setSection("a", ike("1")).setSection("b", ike("2"));
  CHECK_FALSE(parseListSaEvent(two));
  Section no_new;
  no_new.child("gw").setSection("old", ike("1"));
  CHECK_FALSE(parseIkeRekeyEvent(no_new));
}

TEST_CASE("log events accept charon's key and the README's misspelling", "[unit][vici]") {
  Section a;
  a.set("group", "IKE").set("level", "1").set("thread", "7").set("ikesa-name", "gw");
  a.set("ikesa-uniqueid", "3").set("msg", "establishing");
  LogEvent l = parseLogEvent(a);
  CHECK(l.group == "IKE");
  CHECK(l.level == 1);
  CHECK(l.ike_uniqueid == 3);
  CHECK(l.message == "establishing");
  Section b;
  b.set("ikesa-uniqued", "9");
  CHECK(parseLogEvent(b).ike_uniqueid == 9);
}

TEST_CASE("typed event dispatch routes by name and reports malformed events", "[unit][vici]") {
  int ike_up = 0, child_up = 0, rekeys = 0, logs = 0;
  std::vector<std::string> errors;
  TypedEventHandlers h{
      .ike_updown = [&](const UpdownEvent& u) { ike_up += u.up; },
      .child_updown = [&](const UpdownEvent& u) { child_up += u.up; },
      .ike_rekey = [&](const RekeyEvent& r) { rekeys += r.new_sa.uniqueid == 2; },
      .child_rekey = nullptr,
      .log = [&](const LogEvent& l) { logs += l.message == "m"; },
      .malformed = [&](const Error& e) { errors.push_back(e.context); },
  };
  Section up;
  up.set("up", "yes").setSection("gw", ike("1"));
  CHECK(dispatchEvent({"ike-updown", up}, h));
  CHECK(dispatchEvent({"child-updown", up}, h));
  Section rekey;
  rekey.child("gw").setSection("old", ike("1")).setSection("new", ike("2"));
  CHECK(dispatchEvent({"ike-rekey", rekey}, h));
  CHECK(dispatchEvent({"child-rekey", rekey}, h));  // no callback, and malformed for it
  CHECK(dispatchEvent({"log", Section{}.set("msg", "m")}, h));
  CHECK(dispatchEvent({"ike-updown", Section{}.set("up", "yes")}, h));
  CHECK_FALSE(dispatchEvent({"list-sa", up}, h));
  CHECK(ike_up == 1);
  CHECK(child_up == 1);
  CHECK(rekeys == 1);
  CHECK(logs == 1);
  REQUIRE(errors.size() == 2);
  CHECK_THAT(errors[0], Catch::Contains("event child-rekey"));
  CHECK_THAT(errors[1], Catch::Contains("event ike-updown"));
}
