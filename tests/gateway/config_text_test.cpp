// Redaction of secrets in config text, and the unified diff the config commands print.
#include "gateway/config_text.hpp"

#include <catch2/catch.hpp>

using namespace rempart::gateway;

namespace {

const std::set<std::string, std::less<>> kNoRefs;

}  // namespace

TEST_CASE("redaction: secret-named keys lose their values, in block and flow style",
          "[unit][redaction]") {
  std::string yaml =
      "tunnels:\n"
      "  - name: lyon\n"
      "    psk: hunter2-inline\n"
      "    Password: 'quoted secret'\n"
      "    remote_id: lyon.example\n"
      "credentials: [{name: a, pre_shared_secret: flowsecret1, type: psk}, {private_key: k2x}]\n"
      "admin_passphrase: \"dq secret\"  # a comment\n";
  auto out = redactSecrets(yaml, kNoRefs);
  for (const char* secret : {"hunter2-inline", "quoted secret", "flowsecret1", "k2x", "dq secret"})
    CHECK(out.find(secret) == std::string::npos);
  CHECK(out.find("    psk: <redacted>\n") != std::string::npos);
  CHECK(out.find("    Password: <redacted>\n") != std::string::npos);
  CHECK(out.find("{name: a, pre_shared_secret: <redacted>, type: psk}") != std::string::npos);
  CHECK(out.find("{private_key: <redacted>}") != std::string::npos);
  CHECK(out.find("remote_id: lyon.example") != std::string::npos);
  CHECK(out.find("type: psk") != std::string::npos);  // a value "psk" is not a secret key
}

TEST_CASE("redaction: block values on the following lines are dropped", "[unit][redaction]") {
  std::string yaml =
      "level:\n"
      "  secret: |\n"
      "    line-one-secret\n"
      "\n"
      "    line-two-secret\n"
      "  next: visible\n"
      "  private:\n"
      "  - item-secret\n"
      "  - item-secret-2\n"
      "  psk:\n"
      "    nested: map-secret\n"
      "after: visible-too\n";
  auto out = redactSecrets(yaml, kNoRefs);
  for (const char* secret : {"line-one", "line-two", "item-secret", "map-secret"})
    CHECK(out.find(secret) == std::string::npos);
  CHECK(out ==
        "level:\n"
        "  secret: <redacted>\n"
        "  next: visible\n"
        "  private: <redacted>\n"
        "  psk: <redacted>\n"
        "after: visible-too\n");
}

TEST_CASE("redaction: a credential name is a reference, not a secret", "[unit][redaction]") {
  std::set<std::string, std::less<>> refs{"lyon-psk", "paris-key"};
  std::string yaml =
      "psk: lyon-psk\n"
      "private_key: paris-key\n"
      "psk2: not-a-declared-name\n";
  auto out = redactSecrets(yaml, refs);
  CHECK(out ==
        "psk: lyon-psk\n"
        "private_key: paris-key\n"
        "psk2: <redacted>\n");
}

TEST_CASE("redaction: ordinary config text is unchanged", "[unit][redaction]") {
  std::string yaml =
      "uplink:\n  interface: eth0\n  ipv4:\n    address: 192.0.2.10/24\n"
      "  ipv6: {address: \"fd00:1::1/64\"}\n# psk: in a comment stays as written\n- x\nno newline";
  CHECK(redactSecrets(yaml, kNoRefs) == yaml);
}

TEST_CASE("redaction: isSecretKey", "[unit][redaction]") {
  for (const char* k : {"psk", "PSK", "secret", "client_secret", "password", "passwd", "passphrase",
                        "private_key", "privateKey"})
    CHECK(isSecretKey(k));
  for (const char* k : {"name", "type", "remote_id", "keys", "public_address", "prefixes"})
    CHECK_FALSE(isSecretKey(k));
}

TEST_CASE("redaction: a diff of configs never shows a secret", "[unit][redaction]") {
  std::string a = "name: x\npsk: old-secret-value\n";
  std::string b = "name: y\npsk: new-secret-value\n";
  auto d = redactedConfigDiff(a, b, "active", "candidate");
  CHECK(d.find("secret-value") == std::string::npos);
  CHECK(d.find("-name: x") != std::string::npos);
  CHECK(d.find("+name: y") != std::string::npos);
  CHECK(redactConfigText(a).find("old-secret") == std::string::npos);
}

TEST_CASE("diff: unified hunks with context and line numbers", "[unit][diff]") {
  CHECK(unifiedDiff("a\nb\n", "a\nb\n", "x", "y").empty());
  std::string a, b;
  for (int i = 1; i <= 20; ++i) {
    a += "l" + std::to_string(i) + "\n";
    b += (i == 5 ? "L5" : "l" + std::to_string(i)) + "\n";
    if (i == 15) b += "new\n";
  }
  auto d = unifiedDiff(a, b, "active", "candidate");
  CHECK(d ==
        "--- active\n+++ candidate\n"
        "@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n"
        "@@ -13,6 +13,7 @@\n l13\n l14\n l15\n+new\n l16\n l17\n l18\n");
}

TEST_CASE("diff: changes close together share a hunk; additions to an empty text", "[unit][diff]") {
  CHECK(unifiedDiff("a\nb\nc\nd\n", "a\nB\nc\nD\n", "1", "2") ==
        "--- 1\n+++ 2\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n-d\n+D\n");
  CHECK(unifiedDiff("", "x\ny\n", "1", "2") == "--- 1\n+++ 2\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  CHECK(unifiedDiff("x\n", "", "1", "2") == "--- 1\n+++ 2\n@@ -1,1 +0,0 @@\n-x\n");
}
