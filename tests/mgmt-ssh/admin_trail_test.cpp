// The admin trail's records: who, from where, what, and the result; never the input bytes.
#include "gateway/admin_trail.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "gateway/audit/chain_verify.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

ControlRequest sshRequest() {
  ControlRequest r;
  r.words = {"users", "add-key", "admin"};
  r.input = "ssh-ed25519 AAAASECRETISH op@laptop\n";
  r.context = {
      {"ssh_client", "198.51.100.7 52144"}, {"ssh_key", "SHA256:abc"}, {"session", "one-shot"}};
  return r;
}

}  // namespace

TEST_CASE("an admin record names the caller, the source, the command and the result",
          "[unit][trail]") {
  Caller alice{1001, "alice", config::Role::kAdmin};
  ControlResponse ok{0, "added\n", ""};
  ok.audit_note = "added key SHA256:xyz for alice";
  auto json = adminRecord(alice, PeerCredentials{4242, 1001, 1001}, sshRequest(), ok).toJson();
  CHECK(json == R"({"command":["users","add-key","admin"],"event":"admin.request","exit_status":0,)"
                R"("input_bytes":36,"key":"SHA256:abc","note":"added key SHA256:xyz for alice",)"
                R"("pid":4242,"result":"ok","role":"admin","session":"one-shot",)"
                R"("source_addr":"198.51.100.7","source_port":"52144","uid":1001,"user":"alice"})");
  CHECK(json.find("SECRETISH") == std::string::npos);
}

TEST_CASE("refusals and errors carry the first error line", "[unit][trail]") {
  Caller victor{1002, "victor", config::Role::kAudit};
  ControlRequest r;
  r.words = {"users", "list"};
  auto refused = adminRecord(victor, PeerCredentials{1, 1002, 1002}, r,
                             ControlResponse{3, "", "rempart: 'users list' needs admin\nmore\n"});
  auto j = refused.toJson();
  CHECK_THAT(j, Catch::Contains(R"("result":"refused")"));
  CHECK_THAT(j, Catch::Contains(R"("error":"rempart: 'users list' needs admin")"));
  CHECK_THAT(j, Catch::Contains(R"("session":"local")"));
  CHECK_THAT(j, Catch::Contains(R"("role":"audit")"));
  CHECK(j.find("more") == std::string::npos);
  CHECK(adminResult(ControlResponse{1, "", "x"}) == "error");
  CHECK(adminResult(ControlResponse{2, "", "x"}) == "refused");

  ControlRequest cli;
  cli.context = {{"refused", "the command line is not valid UTF-8"}};
  auto c = adminRecord(Caller{1003, "mallory", std::nullopt}, PeerCredentials{2, 1003, 1003}, cli,
                       ControlResponse{2, "", "rempart: the command line is not valid UTF-8\n"})
               .toJson();
  CHECK_THAT(c, Catch::Contains(R"("cli_refused":"the command line is not valid UTF-8")"));
  CHECK_THAT(c, Catch::Contains(R"("role":"none")"));
  CHECK_THAT(c, Catch::Contains(R"("command":[])"));
}

TEST_CASE("the admin trail is a hash chain that verifies", "[unit][trail]") {
  test::ScopedTempDir dir("rt-trail");
  {
    auto trail = AdminTrail::open(dir.path());
    REQUIRE(trail);
    Caller alice{1001, "alice", config::Role::kAdmin};
    (*trail)->record(alice, PeerCredentials{1, 1001, 1001}, sshRequest(), ControlResponse{});
    (*trail)->recordProtocolRefusal(alice, PeerCredentials{1, 1001, 1001},
                                    "word 1 is not valid UTF-8");
  }
  auto results = audit::verifyPaths({dir.path().string()}, {});
  REQUIRE(results);
  REQUIRE(results->size() == 1);
  CHECK((*results)[0].result.ok());
  CHECK((*results)[0].result.summary.records == 3);
  std::ifstream in(dir.path() / "admin-000000000001.jsonl");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  CHECK_THAT(all, Catch::Contains(R"("error":"protocol: word 1 is not valid UTF-8")"));
  CHECK(all.find("SECRETISH") == std::string::npos);
}
