// The tunnel -> load-conn builder against golden files (tests/gateway/golden/vici/), rendered
// in swanctl.conf-like text so that diffs read like configuration changes.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "gateway/vici/conn_builder.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;
using namespace std::chrono_literals;

namespace {

void render(const Section& s, int depth, std::string& out) {
  std::string pad(depth * 2, ' ');
  for (const auto& e : s.entries()) {
    switch (e.kind) {
      case Entry::Kind::kValue:
        out += pad + e.name + " = " + e.value + "\n";
        break;
      case Entry::Kind::kList: {
        out += pad + e.name + " = [";
        for (size_t i = 0; i < e.items.size(); ++i) out += (i ? ", " : "") + e.items[i];
        out += "]\n";
        break;
      }
      case Entry::Kind::kSection:
        out += pad + e.name + " {\n";
        render(e.section.front(), depth + 1, out);
        out += pad + "}\n";
        break;
    }
  }
}

std::string rendered(const Section& s) {
  std::string out;
  render(s, 0, out);
  return out;
}

std::string golden(const std::string& name) {
  std::ifstream in(std::string(REMPART_VICI_GOLDEN_DIR) + "/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

config::Level level() {
  config::Level l;
  l.name = "secret";
  l.public_address = *IpAddress::parse("192.0.2.10");
  l.identity.id = "paris.secret.example";
  return l;
}

config::Tunnel tunnel() {
  config::Tunnel t;
  t.name = "lyon";
  t.remote_address = "198.51.100.20";
  t.remote_id = "lyon.secret.example";
  t.psk = "lyon-psk";
  t.local_ts = {*IpPrefix::parse("10.1.0.0/24")};
  t.remote_ts = {*IpPrefix::parse("10.2.0.0/24"), *IpPrefix::parse("fd00:2::/64")};
  t.dpd_interval = 10s;
  t.ike_rekey = 4h;
  t.child_rekey = 1h;
  return t;
}

}  // namespace

TEST_CASE("load-conn for an always-up PSK tunnel on libipsec", "[unit][vici]") {
  auto msg = buildLoadConn(level(), tunnel(), {.dataplane = config::Dataplane::kLibipsec});
  REQUIRE(msg);
  CHECK(rendered(*msg) == golden("psk-always-libipsec.txt"));
}

TEST_CASE("load-conn for an on-demand tunnel on the kernel dataplane", "[unit][vici]") {
  auto t = tunnel();
  t.start = config::StartMode::kOnDemand;
  t.ike_proposals = {"aes128gcm16-prfsha256-x25519"};
  t.esp_proposals = {"aes128gcm16"};
  auto msg =
      buildLoadConn(level(), t, {.dataplane = config::Dataplane::kKernel, .if_id = 42, .reqid = 3});
  REQUIRE(msg);
  CHECK(rendered(*msg) == golden("psk-ondemand-kernel.txt"));
}

TEST_CASE("load-conn for a passive pubkey tunnel", "[unit][vici]") {
  auto t = tunnel();
  t.start = config::StartMode::kPassive;
  t.remote_address = "%any";
  t.auth = config::AuthMethod::kPubkey;
  t.psk.clear();
  t.remote_ca = "lyon-ca";
  auto msg = buildLoadConn(level(), t,
                           {.dataplane = config::Dataplane::kLibipsec,
                            .local_cert = "-----BEGIN CERTIFICATE-----LOCAL",
                            .remote_ca = "-----BEGIN CERTIFICATE-----CA"});
  REQUIRE(msg);
  CHECK(rendered(*msg) == golden("pubkey-passive-libipsec.txt"));
}

TEST_CASE("on-demand falls back to start with libipsec", "[unit][vici]") {
  auto a = startActions(config::StartMode::kOnDemand, config::Dataplane::kLibipsec);
  CHECK(a.start_action == "start");
  CHECK(a.fallback);
  auto k = startActions(config::StartMode::kOnDemand, config::Dataplane::kKernel);
  CHECK(k.start_action == "trap");
  CHECK_FALSE(k.fallback);
}

TEST_CASE("load-conn builder refuses options that do not fit", "[unit][vici]") {
  auto kernel_without_id =
      buildLoadConn(level(), tunnel(), {.dataplane = config::Dataplane::kKernel});
  REQUIRE_FALSE(kernel_without_id);
  CHECK_THAT(kernel_without_id.error().context, Catch::Contains("if_id"));
  CHECK_THAT(kernel_without_id.error().context, Catch::Contains("tunnel 'lyon' of level 'secret'"));
  CHECK_FALSE(
      buildLoadConn(level(), tunnel(), {.dataplane = config::Dataplane::kLibipsec, .if_id = 3}));
  CHECK_FALSE(
      buildLoadConn(level(), tunnel(), {.dataplane = config::Dataplane::kKernel, .if_id = 0}));
  auto t = tunnel();
  t.auth = config::AuthMethod::kPubkey;
  auto no_cert = buildLoadConn(level(), t, {});
  REQUIRE_FALSE(no_cert);
  CHECK_THAT(no_cert.error().context, Catch::Contains("certificate"));
}
