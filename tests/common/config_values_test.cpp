// Values with their own little languages: IKE/ESP proposals, durations and rekey times, ports
// and protocols of firewall rules. Good ones parse into the model; bad ones are located.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace rempart::config;
using namespace rempart::config::test;
using namespace std::chrono_literals;

namespace {

// The base with `line` added to the first tunnel, as line 31.
std::string tunnelKey(const std::string& line) {
  return mutate("        psk: lyon-psk\n", "        psk: lyon-psk\n        " + line + "\n");
}

const char* const kProposalError = "t.yaml:31:25: levels[0].tunnels[0].";

struct Case {
  const char* what;
  std::string text;
  std::vector<std::string> expected;
};

}  // namespace

TEST_CASE("weak or malformed proposals are refused", "[unit][config][proposals]") {
  auto esp = [](const std::string& p) { return tunnelKey("esp_proposals: [" + p + "]"); };
  auto ike = [](const std::string& p) { return tunnelKey("ike_proposals: [" + p + "]"); };
  auto error = [](const std::string& key, const std::string& message) {
    return std::vector<std::string>{kProposalError + key + "[0]: " + message};
  };
  const std::vector<Case> cases = {
      {"sha1", esp("aes256-sha1"),
       error("esp_proposals", "proposal 'aes256-sha1': 'sha1' is a weak algorithm and is refused")},
      {"3des", ike("3des-sha256-ecp384"),
       error("ike_proposals",
             "proposal '3des-sha256-ecp384': '3des' is a weak algorithm and is refused")},
      {"modp1024", ike("aes256-sha256-modp1024"),
       error("ike_proposals",
             "proposal 'aes256-sha256-modp1024': 'modp1024' is a weak algorithm and is refused")},
      {"md5 prf", ike("aes256-sha256-prfmd5-ecp384"),
       error(
           "ike_proposals",
           "proposal 'aes256-sha256-prfmd5-ecp384': 'prfmd5' is a weak algorithm and is refused")},
      {"AEAD with integrity", esp("aes256gcm16-sha256"),
       error("esp_proposals",
             "proposal 'aes256gcm16-sha256' combines an AEAD cipher with an integrity algorithm; "
             "drop the integrity one")},
      {"classic cipher without integrity", esp("aes256-ecp384"),
       error("esp_proposals",
             "proposal 'aes256-ecp384' needs an integrity algorithm (e.g. sha384) with a classic "
             "cipher")},
      {"AEAD and classic mixed", esp("aes256gcm16-aes256-sha256"),
       error("esp_proposals",
             "proposal 'aes256gcm16-aes256-sha256' mixes AEAD and classic ciphers; write them as "
             "separate proposals")},
      {"IKE AEAD without PRF", ike("aes256gcm16-ecp384"),
       error("ike_proposals",
             "proposal 'aes256gcm16-ecp384' needs a PRF (e.g. prfsha384) with AEAD")},
      {"IKE without group", ike("aes256-sha256-prfsha256"),
       error("ike_proposals",
             "proposal 'aes256-sha256-prfsha256' needs a key exchange group (e.g. ecp384 or "
             "x25519)")},
      {"IKEv1", ike("ikev1-aes256-sha256-ecp384"),
       error("ike_proposals", "proposal 'ikev1-aes256-sha256-ecp384': IKEv1 is never allowed")},
      {"unknown algorithm", esp("aes256gcm16-foo"),
       error("esp_proposals", "proposal 'aes256gcm16-foo': unknown algorithm 'foo'")},
      {"PRF in ESP", esp("aes256gcm16-prfsha384"),
       error("esp_proposals",
             "proposal 'aes256gcm16-prfsha384': 'prfsha384' is a PRF, which ESP proposals do not "
             "take")},
      {"empty algorithm", esp("aes256gcm16--ecp384"),
       error("esp_proposals", "proposal 'aes256gcm16--ecp384' has an empty algorithm name")},
      {"no encryption", esp("sha256"),
       error("esp_proposals", "proposal 'sha256' has no encryption algorithm")},
      {"empty list",
       tunnelKey("esp_proposals: []"),
       {"t.yaml:31:24: levels[0].tunnels[0].esp_proposals: at least one proposal is required; "
        "omit the key for the defaults"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(diagnose(c.text) == c.expected);
  }
}

TEST_CASE("strong proposals are kept as written", "[unit][config][proposals]") {
  auto config = parseConfig(
      tunnelKey(
          "ike_proposals: [aes256-sha384-prfsha384-modp3072, chacha20poly1305-prfsha256-x25519]\n"
          "        esp_proposals: [aes128gcm16, aes256-sha512-ecp521-esn]"),
      "t.yaml");
  REQUIRE(config);
  const Tunnel& t = config->levels[0].tunnels[0];
  CHECK(t.ike_proposals == std::vector<std::string>{"aes256-sha384-prfsha384-modp3072",
                                                    "chacha20poly1305-prfsha256-x25519"});
  CHECK(t.esp_proposals == std::vector<std::string>{"aes128gcm16", "aes256-sha512-ecp521-esn"});
}

TEST_CASE("durations parse and stay in range", "[unit][config][durations]") {
  auto config = parseConfig(
      tunnelKey("dpd_interval: 1m30s\n        rekey: {ike: 1d, child: 1h30m}"), "t.yaml");
  REQUIRE(config);
  CHECK(config->levels[0].tunnels[0].dpd_interval == 90s);
  CHECK(config->levels[0].tunnels[0].ike_rekey == 24h);
  CHECK(config->levels[0].tunnels[0].child_rekey == 90min);
  auto off = parseConfig(tunnelKey("dpd_interval: 0s"), "t.yaml");
  REQUIRE(off);
  CHECK(off->levels[0].tunnels[0].dpd_interval == 0s);

  const std::vector<Case> cases = {
      {"no unit",
       tunnelKey("dpd_interval: 30"),
       {"t.yaml:31:23: levels[0].tunnels[0].dpd_interval: expected a duration like 30s, 20m, 4h, "
        "1d or 1h30m, found '30'"}},
      {"units out of order",
       tunnelKey("dpd_interval: 30m1h"),
       {"t.yaml:31:23: levels[0].tunnels[0].dpd_interval: expected a duration like 30s, 20m, 4h, "
        "1d or 1h30m, found '30m1h'"}},
      {"dpd too long",
       tunnelKey("dpd_interval: 2h"),
       {"t.yaml:31:23: levels[0].tunnels[0].dpd_interval: expected 0s (off) or a duration from "
        "5s to 1h, found 2h"}},
      {"ike rekey too short",
       tunnelKey("rekey: {ike: 5m}"),
       {"t.yaml:31:22: levels[0].tunnels[0].rekey.ike: expected a duration from 10m to 1d, "
        "found 5m"}},
      {"child rekey not shorter than ike",
       tunnelKey("rekey: {ike: 1h, child: 2h}"),
       {"t.yaml:31:33: levels[0].tunnels[0].rekey.child: the CHILD_SA rekey (2h) must be "
        "shorter than the IKE_SA rekey (1h)"}},
      {"child rekey past the default ike rekey",
       tunnelKey("rekey: {child: 5h}"),
       {"t.yaml:31:24: levels[0].tunnels[0].rekey.child: the CHILD_SA rekey (5h) must be "
        "shorter than the IKE_SA rekey (4h)"}},
      {"ike rekey under the default child rekey",
       tunnelKey("rekey: {ike: 30m}"),
       {"t.yaml:31:22: levels[0].tunnels[0].rekey.ike: the IKE_SA rekey (30m) must be longer "
        "than the CHILD_SA rekey (1h)"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(diagnose(c.text) == c.expected);
  }
}

TEST_CASE("rule ports and protocols are checked", "[unit][config][firewall]") {
  const std::string ports = "ports: [22, \"8000-8080\"]";
  const std::vector<Case> cases = {
      {"ports without tcp or udp",
       mutate("protocol: tcp", "protocol: any"),
       {"t.yaml:38:18: levels[0].firewall.allow[0].ports: ports need protocol tcp or udp"}},
      {"reversed range",
       mutate(ports, "ports: [22, \"8080-8000\"]"),
       {"t.yaml:38:23: levels[0].firewall.allow[0].ports[1]: port range '8080-8000' ends before "
        "it starts"}},
      {"port 0",
       mutate(ports, "ports: [0]"),
       {"t.yaml:38:19: levels[0].firewall.allow[0].ports[0]: expected a port from 1 to 65535 or "
        "a range like 8000-8080, found '0'"}},
      {"port 70000",
       mutate(ports, "ports: [70000]"),
       {"t.yaml:38:19: levels[0].firewall.allow[0].ports[0]: expected a port from 1 to 65535 or "
        "a range like 8000-8080, found '70000'"}},
      {"icmp towards an IPv6 prefix",
       mutate("protocol: tcp\n          " + ports,
              "protocol: icmp\n          destination: [\"fd00:1::/64\"]"),
       {"t.yaml:38:25: levels[0].firewall.allow[0].destination[0]: 'fd00:1::/64' does not match "
        "the protocol's address family"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(diagnose(c.text) == c.expected);
  }
}

TEST_CASE("a passive tunnel may accept any peer address", "[unit][config]") {
  auto config = parseConfig(
      mutate("remote_address: 198.51.100.11", "remote_address: \"%any\"\n        start: passive"),
      "t.yaml");
  REQUIRE(config);
  CHECK(config->levels[0].tunnels[0].remote_address == "%any");
  CHECK(config->levels[0].tunnels[0].start == StartMode::kPassive);
}
