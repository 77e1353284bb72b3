// The device keystore: keys generated here, CSRs that verify with them, certificates checked
// against the level's key, PSK rules, name rules, file modes, and a listing without secrets.
#include "gateway/keystore.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "common/atomic_file.hpp"
#include "test_support.hpp"

using rempart::ErrorCode;
using rempart::gateway::KeyAlgorithm;
using rempart::gateway::Keystore;

namespace {

mode_t modeOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Self-signs a certificate for the key in `key_pem_path` with openssl(1).
std::string selfSigned(const std::filesystem::path& key, const std::filesystem::path& out) {
  rempart::test::mustRunCommand({"openssl", "req", "-x509", "-new", "-key", key.string(), "-subj",
                                 "/CN=paris.example", "-days", "30", "-out", out.string()});
  return *rempart::readFile(out);
}

}  // namespace

TEST_CASE("keys generate stores a private key 0600 and returns only the public key",
          "[unit][keystore]") {
  rempart::test::ScopedTempDir dir("ks");
  Keystore ks(dir.path() / "keystore");
  for (auto alg : {KeyAlgorithm::kEcdsaP384, KeyAlgorithm::kEd25519}) {
    const std::string name = alg == KeyAlgorithm::kEd25519 ? "ed-key" : "ec-key";
    auto pub = ks.generateKey("red", name, alg, false);
    REQUIRE(pub);
    CHECK(pub->starts_with("-----BEGIN PUBLIC KEY-----"));
    CHECK(pub->find("PRIVATE") == std::string::npos);
    auto stored = rempart::readFile(ks.path("red", name));
    REQUIRE(stored);
    CHECK(stored->starts_with("-----BEGIN PRIVATE KEY-----"));  // PKCS#8
    CHECK(modeOf(ks.path("red", name)) == 0600);
    CHECK(modeOf(dir.path() / "keystore" / "red") == 0700);
  }
  auto again = ks.generateKey("red", "ec-key", KeyAlgorithm::kEcdsaP384, false);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::kExists);
  CHECK(ks.generateKey("red", "ec-key", KeyAlgorithm::kEcdsaP384, true));
}

TEST_CASE("keys csr is signed by the stored key and carries the subject", "[unit][keystore]") {
  rempart::test::ScopedTempDir dir("ks");
  Keystore ks(dir.path() / "keystore");
  for (auto alg : {KeyAlgorithm::kEcdsaP384, KeyAlgorithm::kEd25519}) {
    REQUIRE(ks.generateKey("red", "k", alg, true));
    auto csr = ks.makeCsr("red", "k", "CN=paris.example,O=Rempart");
    REQUIRE(csr);
    BIO* b = BIO_new_mem_buf(csr->data(), static_cast<int>(csr->size()));
    X509_REQ* req = PEM_read_bio_X509_REQ(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    REQUIRE(req);
    EVP_PKEY* pub = X509_REQ_get0_pubkey(req);
    CHECK(X509_REQ_verify(req, pub) == 1);
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof cn);
    CHECK(std::string(cn) == "paris.example");
    // The CSR's key is the stored key.
    auto stored = *rempart::readFile(ks.path("red", "k"));
    BIO* kb = BIO_new_mem_buf(stored.data(), static_cast<int>(stored.size()));
    EVP_PKEY* priv = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    CHECK(EVP_PKEY_eq(priv, pub) == 1);
    EVP_PKEY_free(priv);
    X509_REQ_free(req);
  }
  CHECK_FALSE(ks.makeCsr("red", "k", "nonsense"));
  CHECK_FALSE(ks.makeCsr("red", "k", "XX=foo"));
  CHECK_FALSE(ks.makeCsr("red", "absent", "CN=x"));
}

TEST_CASE("keys import-cert checks the certificate and that it matches the level's key",
          "[unit][keystore]") {
  rempart::test::ScopedTempDir dir("ks");
  Keystore ks(dir.path() / "keystore");
  REQUIRE(ks.generateKey("red", "id-key", KeyAlgorithm::kEcdsaP384, false));
  REQUIRE(ks.generateKey("red", "other-key", KeyAlgorithm::kEcdsaP384, false));
  auto good = selfSigned(ks.path("red", "id-key"), dir.path() / "good.pem");
  auto wrong = selfSigned(ks.path("red", "other-key"), dir.path() / "wrong.pem");

  auto mismatch = ks.importCertificate("red", "id-cert", wrong, "id-key");
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message().find("not for the level's private key") != std::string::npos);
  CHECK_FALSE(ks.exists("red", "id-cert"));  // nothing changed

  CHECK_FALSE(ks.importCertificate("red", "id-cert", "garbage", std::nullopt));
  CHECK_FALSE(ks.importCertificate("red", "id-cert",
                                   "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                                   std::nullopt));
  CHECK_FALSE(ks.exists("red", "id-cert"));

  REQUIRE(ks.importCertificate("red", "id-cert", good, "id-key"));
  CHECK(modeOf(ks.path("red", "id-cert")) == 0600);
  // A credential of another kind is never overwritten: the key exists nowhere else.
  auto over_key = ks.importCertificate("red", "id-key", good, std::nullopt);
  REQUIRE_FALSE(over_key);
  CHECK(over_key.error().code == ErrorCode::kConflict);
  CHECK_FALSE(ks.importPsk("red", "id-key", "0123456789abcdef0123"));
  CHECK(rempart::readFile(ks.path("red", "id-key"))->starts_with("-----BEGIN PRIVATE KEY-----"));
  // A CA certificate has no key to match.
  CHECK(ks.importCertificate("red", "peer-ca", wrong, std::nullopt));
}

TEST_CASE("keys import-psk enforces the minimum length and strips one newline",
          "[unit][keystore]") {
  rempart::test::ScopedTempDir dir("ks");
  Keystore ks(dir.path() / "keystore");
  const std::string secret = "0123456789abcdef";  // exactly kMinPskBytes
  static_assert(rempart::gateway::kMinPskBytes == 16);
  auto short_one = ks.importPsk("red", "psk", "0123456789abcde\n");
  REQUIRE_FALSE(short_one);
  CHECK(short_one.error().message().find("shorter than 16") != std::string::npos);
  CHECK(short_one.error().message().find("0123456789abcde") == std::string::npos);
  CHECK_FALSE(ks.exists("red", "psk"));
  CHECK_FALSE(ks.importPsk("red", "psk", "0123456789\nabcdef0123"));
  CHECK_FALSE(ks.importPsk("red", "psk", std::string("0123456789\0abcdef0123", 21)));
  REQUIRE(ks.importPsk("red", "psk", secret + "\r\n"));
  CHECK(*rempart::readFile(ks.path("red", "psk")) == secret + "\n");  // LevelTunnels' format
  CHECK(modeOf(ks.path("red", "psk")) == 0600);
}

TEST_CASE("keystore names follow the config's name rules", "[unit][keystore]") {
  rempart::test::ScopedTempDir dir("ks");
  Keystore ks(dir.path() / "keystore");
  const std::string psk = "0123456789abcdef0123";
  for (const std::string& bad :
       std::vector<std::string>{"", "../x", "a/b", "Upper", "-dash", "1digit", "a b",
                                std::string(32, 'a'), std::string("a\0b", 3)}) {
    CAPTURE(bad);
    CHECK_FALSE(ks.importPsk("red", bad, psk));
    CHECK_FALSE(ks.importPsk(bad, "name", psk));
    CHECK_FALSE(ks.generateKey("red", bad, KeyAlgorithm::kEd25519, false));
  }
  CHECK(ks.importPsk("red", std::string(31, 'a'), psk));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "x"));
}

TEST_CASE("keys list shows types and fingerprints, never secret bytes", "[unit][keystore]") {
  rempart::test::ScopedTempDir dir("ks");
  Keystore ks(dir.path() / "keystore");
  const std::string secret = "s3cr3t-psk-bytes-that-must-not-leak";
  REQUIRE(ks.importPsk("red", "peer-psk", secret));
  REQUIRE(ks.generateKey("blue", "id-key", KeyAlgorithm::kEd25519, false));
  auto cert = selfSigned(ks.path("blue", "id-key"), dir.path() / "c.pem");
  REQUIRE(ks.importCertificate("blue", "id-cert", cert, "id-key"));
  auto all = ks.list(std::nullopt);
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  const auto& c = (*all)[0];
  CHECK((c.level == "blue" && c.name == "id-cert" && c.kind == "certificate"));
  CHECK(c.subject == "CN=paris.example");
  CHECK(!c.not_after.empty());
  const auto& k = (*all)[1];
  CHECK((k.kind == "private-key" && k.algorithm == "ed25519"));
  CHECK(k.fingerprint.starts_with("SHA256:"));
  CHECK(c.fingerprint == k.fingerprint);  // the certificate is for that key
  const auto& p = (*all)[2];
  CHECK((p.level == "red" && p.kind == "psk"));
  auto key_pem = *rempart::readFile(ks.path("blue", "id-key"));
  const std::string key_body = key_pem.substr(28, 40);
  for (const auto& e : *all) {
    for (const auto* f : {&e.level, &e.name, &e.kind, &e.algorithm, &e.fingerprint, &e.subject,
                          &e.issuer, &e.not_after}) {
      CHECK(f->find(secret) == std::string::npos);
      CHECK(f->find(key_body) == std::string::npos);
    }
  }
  auto red = ks.list(std::string("red"));
  REQUIRE(red);
  CHECK(red->size() == 1);
  CHECK_FALSE(ks.list(std::string("../etc")));
}
