// Connection-log records built from VICI event data and error-notify records.
#include <catch2/catch.hpp>
#include <map>

#include "gateway/audit/connection_audit.hpp"

using namespace rempart::gateway::audit;
using namespace std::chrono;

namespace {

using Fields = std::map<std::string, std::string>;

Fields fieldsOf(const JsonObject& o) {
  Fields out;
  auto members = parseJsonObject(o.toJson());
  REQUIRE(members);
  for (auto& m : *members) out[m.key] = m.value;
  return out;
}

Fields only(const std::vector<JsonObject>& records) {
  REQUIRE(records.size() == 1);
  return fieldsOf(records[0]);
}

const system_clock::time_point kT0{seconds(1796378400)};

AuditIkeSa ike(uint64_t id, std::string state = "ESTABLISHED") {
  AuditIkeSa s;
  s.tunnel = "paris-lyon";
  s.unique_id = id;
  s.version = "2";
  s.state = std::move(state);
  s.local = {"paris.example", "192.0.2.1", 4500};
  s.remote = {"lyon.example", "198.51.100.1", 4500};
  s.initiator = true;
  s.initiator_spi = "1122334455667788";
  s.responder_spi = "99aabbccddeeff00";
  s.encr_alg = "AES_GCM_16";
  s.encr_keysize = "256";
  s.prf_alg = "PRF_HMAC_SHA2_384";
  s.dh_group = "CURVE_25519";
  return s;
}

AuditChildSa child(uint64_t id, std::string spi_in, uint64_t bytes) {
  AuditChildSa c;
  c.name = "lan";
  c.unique_id = id;
  c.reqid = "1";
  c.state = "INSTALLED";
  c.mode = "TUNNEL";
  c.protocol = "ESP";
  c.encap = true;
  c.spi_in = std::move(spi_in);
  c.spi_out = "c0ffee01";
  c.encr_alg = "AES_GCM_16";
  c.encr_keysize = "128";
  c.bytes_in = bytes;
  c.bytes_out = bytes;
  c.packets_in = 5;
  c.packets_out = 5;
  c.local_ts = {"10.1.0.0/24"};
  c.remote_ts = {"10.2.0.0/24"};
  return c;
}

}  // namespace

TEST_CASE("ike up and down records carry identities, SPIs, algorithms and duration",
          "[unit][audit][records]") {
  ConnectionAudit audit("secret");
  auto up = only(audit.onIkeUp(ike(1), kT0));
  CHECK(up["event"] == "ike.up");
  CHECK(up["level"] == "secret");
  CHECK(up["tunnel"] == "paris-lyon");
  CHECK(up["ike_id"] == "1");
  CHECK(up["local_id"] == "paris.example");
  CHECK(up["local_addr"] == "192.0.2.1");
  CHECK(up["remote_id"] == "lyon.example");
  CHECK(up["remote_addr"] == "198.51.100.1");
  CHECK(up["remote_port"] == "4500");
  CHECK(up["ike_spi_i"] == "1122334455667788");
  CHECK(up["ike_spi_r"] == "99aabbccddeeff00");
  CHECK(
      up["ike_alg"] ==
      R"({"dh":"CURVE_25519","encr":"AES_GCM_16","encr_keysize":"256","prf":"PRF_HMAC_SHA2_384"})");
  CHECK(up.count("duration_ms") == 0);

  auto down = only(audit.onIkeDown(ike(1, "DELETING"), kT0 + milliseconds(90500)));
  CHECK(down["event"] == "ike.down");
  CHECK(down["duration_ms"] == "90500");
  CHECK(down["up_since"] == "2026-12-04T10:00:00.000Z");
  CHECK(audit.trackedIkeSas() == 0);
}

TEST_CASE("a failed attempt takes its reason from error-notify", "[unit][audit][records]") {
  ConnectionAudit audit("secret");
  ErrorNotify notify{ErrorNotifyType::kLocalAuthFailed,
                     "creating local authentication data failed",
                     "paris-lyon",
                     "lyon.example",
                     "198.51.100.1",
                     4500};
  auto err = only(audit.onErrorNotify(notify, kT0));
  CHECK(err["event"] == "ike.error");
  CHECK(err["reason"] == "authentication failed");
  CHECK(err["notify_type"] == "local-auth-failed");
  CHECK(err["tunnel"] == "paris-lyon");
  CHECK(err["remote_addr"] == "198.51.100.1");
  CHECK(err["failure"] == "true");

  auto failed = only(audit.onIkeDown(ike(7, "CONNECTING"), kT0 + seconds(1)));
  CHECK(failed["event"] == "ike.failed");
  CHECK(failed["reason"] == "authentication failed");
  CHECK(failed["notify_message"] == "creating local authentication data failed");

  SECTION("each reason explains one failure") {
    auto again = only(audit.onIkeDown(ike(8, "CONNECTING"), kT0 + seconds(2)));
    CHECK(again["reason"] == "unknown (no error-notify record from charon)");
  }
  SECTION("a stale reason is not attributed") {
    audit.onErrorNotify(
        ErrorNotify{ErrorNotifyType::kProposalMismatchIke, "m", "paris-lyon", "", "", {}}, kT0);
    auto late = only(audit.onIkeDown(ike(9, "CONNECTING"), kT0 + seconds(120)));
    CHECK(late["reason"] == "unknown (no error-notify record from charon)");
  }
  SECTION("without a conn name the peer address matches") {
    audit.onErrorNotify(
        ErrorNotify{ErrorNotifyType::kPeerInitUnreachable, "m", "", "", "198.51.100.1", 500}, kT0);
    auto r = only(audit.onIkeDown(ike(10, "CONNECTING"), kT0 + seconds(3)));
    CHECK(r["reason"] == "peer unreachable");
  }
}

TEST_CASE("child records carry final counters, traffic selectors and duration",
          "[unit][audit][records]") {
  ConnectionAudit audit("secret");
  auto up = only(audit.onChildUp(ike(1), child(3, "c1000001", 0), kT0));
  CHECK(up["event"] == "child.up");
  CHECK(up["child"] == "lan");
  CHECK(up["child_id"] == "3");
  CHECK(up["spi_in"] == "c1000001");
  CHECK(up["spi_out"] == "c0ffee01");
  CHECK(up["local_ts"] == R"(["10.1.0.0/24"])");
  CHECK(up["remote_ts"] == R"(["10.2.0.0/24"])");
  CHECK(up["child_alg"] == R"({"encr":"AES_GCM_16","encr_keysize":"128"})");
  CHECK(up["encap"] == "true");
  CHECK(up["tunnel"] == "paris-lyon");

  auto down = only(audit.onChildDown(ike(1), child(3, "c1000001", 420), kT0 + seconds(30)));
  CHECK(down["event"] == "child.down");
  CHECK(down["bytes_in"] == "420");
  CHECK(down["bytes_out"] == "420");
  CHECK(down["packets_in"] == "5");
  CHECK(down["duration_ms"] == "30000");
  CHECK(audit.trackedChildSas() == 0);
}

TEST_CASE("rekeys follow old to new unique ids and keep the up-stamp", "[unit][audit][records]") {
  ConnectionAudit audit("secret");
  audit.onIkeUp(ike(1), kT0);
  audit.onChildUp(ike(1), child(3, "c1000001", 0), kT0);

  AuditIkeSa renewed = ike(2);
  renewed.initiator_spi = "aaaaaaaaaaaaaaaa";
  auto ike_rekey = only(audit.onIkeRekey(ike(1), renewed, kT0 + seconds(100)));
  CHECK(ike_rekey["event"] == "ike.rekey");
  CHECK(ike_rekey["old_ike_id"] == "1");
  CHECK(ike_rekey["ike_id"] == "2");
  CHECK(ike_rekey["old_ike_spi_i"] == "1122334455667788");
  CHECK(ike_rekey["ike_spi_i"] == "aaaaaaaaaaaaaaaa");

  auto child_rekey = only(audit.onChildRekey(renewed, child(3, "c1000001", 5000),
                                             child(4, "c2000002", 12), kT0 + seconds(200)));
  CHECK(child_rekey["event"] == "child.rekey");
  CHECK(child_rekey["old_child_id"] == "3");
  CHECK(child_rekey["child_id"] == "4");
  CHECK(child_rekey["old_spi_in"] == "c1000001");
  CHECK(child_rekey["spi_in"] == "c2000002");
  CHECK(child_rekey["old_bytes_in"] == "5000");
  CHECK(child_rekey.count("bytes_in") == 0);
  CHECK(child_rekey["ike_id"] == "2");

  // Durations on down span the whole life of the tunnel, across rekeys.
  auto child_down = only(audit.onChildDown(renewed, child(4, "c2000002", 64), kT0 + seconds(300)));
  CHECK(child_down["duration_ms"] == "300000");
  auto ike_down = only(audit.onIkeDown(ike(2, "DELETING"), kT0 + seconds(301)));
  CHECK(ike_down["event"] == "ike.down");
  CHECK(ike_down["duration_ms"] == "301000");
}

TEST_CASE("a down without our up-stamp has no invented duration", "[unit][audit][records]") {
  ConnectionAudit audit("secret");
  auto down = only(audit.onIkeDown(ike(5, "DELETING"), kT0));
  CHECK(down["event"] == "ike.down");
  CHECK(down.count("duration_ms") == 0);
  auto invalid =
      only(audit.onErrorNotifyInvalid(rempart::Error{rempart::ErrorCode::kProtocol, 0, "bad", {}}));
  CHECK(invalid["event"] == "ike.error-notify-invalid");
  CHECK(invalid["level"] == "secret");
}
