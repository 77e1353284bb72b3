// The authorized_keys line parser: accepted types, fingerprints equal to ssh-keygen's, and
// refusal of options, weak keys and malformed data.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/atomic_file.hpp"
#include "gateway/ssh_public_key.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

// Generates a key with ssh-keygen; returns the .pub line and ssh-keygen's own fingerprint.
std::pair<std::string, std::string> generate(const std::filesystem::path& dir,
                                             const std::string& name,
                                             std::vector<std::string> type_args) {
  auto key = dir / name;
  std::vector<std::string> argv{"ssh-keygen", "-q", "-N", "", "-C", "op@laptop", "-f", key};
  argv.insert(argv.end(), type_args.begin(), type_args.end());
  test::mustRunCommand(argv);
  auto line = *readFile(key.string() + ".pub");
  auto lf = test::mustRunCommand({"ssh-keygen", "-l", "-E", "sha256", "-f", key.string() + ".pub"});
  auto start = lf.find("SHA256:");
  return {line, lf.substr(start, lf.find(' ', start) - start)};
}

}  // namespace

TEST_CASE("public keys of the accepted types parse with ssh-keygen's fingerprint",
          "[unit][pubkey]") {
  test::ScopedTempDir dir("rt-pubkey");
  for (auto [name, args, bits] :
       std::vector<std::tuple<std::string, std::vector<std::string>, unsigned>>{
           {"ed", {"-t", "ed25519"}, 256},
           {"p256", {"-t", "ecdsa", "-b", "256"}, 256},
           {"p384", {"-t", "ecdsa", "-b", "384"}, 384},
           {"p521", {"-t", "ecdsa", "-b", "521"}, 521},
           {"rsa", {"-t", "rsa", "-b", "3072"}, 3072}}) {
    INFO(name);
    auto [line, fingerprint] = generate(dir.path(), name, args);
    auto key = parsePublicKeyLine(line);
    REQUIRE(key);
    CHECK(key->fingerprint == fingerprint);
    CHECK(key->comment == "op@laptop");
    CHECK(key->bits == bits);
    CHECK(key->authorizedKeysLine().starts_with("restrict,pty " + key->type + " "));
    auto fp = fingerprintFromAuthInfo("publickey " + key->type + " " + key->blob_base64 + "\n");
    REQUIRE(fp);
    CHECK(*fp == fingerprint);
  }
}

TEST_CASE("weak keys, options and malformed lines are refused", "[unit][pubkey]") {
  test::ScopedTempDir dir("rt-pubkey");
  auto [rsa2048, fp2048] = generate(dir.path(), "rsa2048", {"-t", "rsa", "-b", "2048"});
  auto weak = parsePublicKeyLine(rsa2048);
  REQUIRE_FALSE(weak);
  CHECK_THAT(weak.error().message(), Catch::Contains("2048 bits is too weak"));

  auto [ed, fp] = generate(dir.path(), "ed", {"-t", "ed25519"});
  auto refuse = [](const std::string& line, const std::string& why) {
    auto r = parsePublicKeyLine(line);
    INFO(line);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message(), Catch::Contains(why));
  };
  refuse("command=\"/bin/sh\" " + ed, "options are not accepted");
  refuse("from=\"10.0.0.1\" " + ed, "options are not accepted");
  refuse("no-pty,permitopen=\"*:*\" " + ed, "options are not accepted");
  refuse("restrict " + ed, "options are not accepted");
  refuse("ssh-dss AAAAB3NzaC1kc3MAAACBAP== x", "DSA keys are not accepted");
  refuse("", "no key given");
  refuse("ssh-ed25519", "missing");
  refuse("ssh-ed25519 AAAA!!!! c", "invalid base64");
  refuse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 c", "");
  refuse(ed + ed, "exactly one key line");
  refuse(std::string(kMaxPublicKeyLineBytes + 1, 'a'), "longer than");
  // The blob says RSA, the line says ed25519.
  auto [rsa, rfp] = generate(dir.path(), "rsa", {"-t", "rsa", "-b", "3072"});
  auto blob = rsa.substr(rsa.find(' ') + 1);
  refuse("ssh-ed25519 " + blob, "another type");
}

TEST_CASE("comments are sanitized and base64 is strict", "[unit][pubkey]") {
  test::ScopedTempDir dir("rt-pubkey");
  auto [ed, fp] = generate(dir.path(), "ed", {"-t", "ed25519"});
  auto base = ed.substr(0, ed.rfind(' '));
  auto key = parsePublicKeyLine(base + " \x1b[31mevil\xc3\xa9  \n");
  REQUIRE(key);
  CHECK(key->comment == "?[31mevil??");
  auto longc = parsePublicKeyLine(base + " " + std::string(300, 'c'));
  REQUIRE(longc);
  CHECK(longc->comment.size() == kMaxKeyCommentBytes);
  // A cut that ends in blanks is trimmed, so that the written line reads back the same.
  auto blank = parsePublicKeyLine(base + " " + std::string(kMaxKeyCommentBytes - 1, 'c') + "  x");
  REQUIRE(blank);
  CHECK(blank->comment == std::string(kMaxKeyCommentBytes - 1, 'c'));
  CHECK(*decodeBase64("aGk=") == "hi");
  CHECK_FALSE(decodeBase64("aGl="));  // stray bits in the padding
  CHECK_FALSE(decodeBase64("aG=k"));
  CHECK_FALSE(decodeBase64("aGk"));
  CHECK(encodeBase64("hi") == "aGk=");
  CHECK(encodeBase64("hi", false) == "aGk");
  CHECK(sshFingerprint("") == "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
}
