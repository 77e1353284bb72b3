#include <catch2/catch.hpp>

#include "gateway/audit/chain_format.hpp"
#include "gateway/audit/json.hpp"
#include "gateway/audit/sha256.hpp"

using namespace rempart::gateway::audit;

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

bool printableAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

std::string decodeBack(const std::string& literal) {
  auto members = parseJsonObject("{\"k\":" + literal + "}");
  REQUIRE(members);
  REQUIRE(members->size() == 1);
  return (*members)[0].value;
}

}  // namespace

TEST_CASE("JSON strings escape quotes, newlines and control characters", "[unit][audit][json]") {
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("line1\nline2\r\t") == R"("line1\nline2\r\t")");
  CHECK(quoted(std::string("nul\0x", 5)) == R"("nul\u0000x")");
  CHECK(quoted("\x1b[31mred\x7f") == R"("\u001b[31mred\u007f")");
}

TEST_CASE("JSON strings escape non-ASCII and replace invalid UTF-8", "[unit][audit][json]") {
  // U+00E9, U+202E (bidi override), U+1F600 (outside the BMP).
  CHECK(quoted("\xc3\xa9") == R"("\u00e9")");
  CHECK(quoted("\xe2\x80\xae") == R"("\u202e")");
  CHECK(quoted("\xf0\x9f\x98\x80") == R"("\ud83d\ude00")");
  // A lone continuation byte, a truncated sequence, an overlong '/', a UTF-8-encoded surrogate
  // and a byte that never appears in UTF-8: each invalid byte becomes U+FFFD.
  CHECK(quoted("a\x80z") == R"("a\ufffdz")");
  CHECK(quoted("\xc3") == R"("\ufffd")");
  CHECK(quoted("\xc0\xaf") == R"("\ufffd\ufffd")");
  CHECK(quoted("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");
  CHECK(quoted("\xff") == R"("\ufffd")");
}

TEST_CASE("hostile strings survive a write and a parse, on one printable line",
          "[unit][audit][json]") {
  const std::string hostile =
      "peer\"}\n{\"seq\":1,\"event\":\"forged\"}\r\x1b]0;title\x07\xe2\x80\xae\xf0\x9f\x98\x80";
  JsonObject o;
  o.set("remote_id", hostile).set("event", "ike.up");
  const std::string line = o.toJson();
  CHECK(line.find('\n') == std::string::npos);
  CHECK(printableAscii(line));
  auto members = parseJsonObject(line);
  REQUIRE(members);
  REQUIRE(members->size() == 2);
  CHECK((*members)[0].key == "event");  // keys in byte order
  CHECK((*members)[1].value == hostile);
  CHECK(decodeBack(quoted("\xff\xfe")) == "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("JSON objects are canonical: sorted keys, replaced duplicates", "[unit][audit][json]") {
  JsonObject a;
  a.set("zeta", 1)
      .set("alpha", "x")
      .set("mid", true)
      .set("list", std::vector<std::string>{"a", "b"});
  a.set("zeta", uint64_t{18446744073709551615u});
  CHECK(a.toJson() == R"({"alpha":"x","list":["a","b"],"mid":true,"zeta":18446744073709551615})");
  JsonObject nested;
  nested.set("b", -5).set("a", JsonObject().set("y", 1).set("x", 2));
  CHECK(nested.toJson() == R"({"a":{"x":2,"y":1},"b":-5})");
  a.erase("mid");
  CHECK_FALSE(a.contains("mid"));
  CHECK(JsonObject().toJson() == "{}");
}

TEST_CASE("the parser refuses what a verifier must not trust", "[unit][audit][json]") {
  CHECK(parseJsonObject(R"({"a":1})"));
  CHECK(parseJsonObject(R"({"a":[1,2.5e-3,{"b":null}],"c":false})"));
  CHECK_FALSE(parseJsonObject(R"({"a":1,"a":2})"));   // duplicate key
  CHECK_FALSE(parseJsonObject(R"({"a":1} x)"));       // trailing bytes
  CHECK_FALSE(parseJsonObject(R"([1])"));             // not an object
  CHECK_FALSE(parseJsonObject("{\"a\":\"x\ny\"}"));   // raw control character
  CHECK_FALSE(parseJsonObject("{\"a\":\"\xff\"}"));   // invalid UTF-8
  CHECK_FALSE(parseJsonObject(R"({"a":"\ud800"})"));  // lone surrogate
  CHECK_FALSE(parseJsonObject(R"({"a":"\q"})"));      // bad escape
  CHECK_FALSE(parseJsonObject(R"({"a":01})"));        // leading zero
  CHECK_FALSE(parseJsonObject(R"({"a":1,})"));        // trailing comma
  CHECK_FALSE(parseJsonObject(R"({"a":tru})"));
  CHECK_FALSE(parseJsonObject("{\"a\":\"unterminated"));
  std::string deep = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  auto r = parseJsonObject(deep);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().context, Catch::Contains("nesting deeper"));
}

TEST_CASE("SHA-256 through EVP matches the FIPS 180-2 test vector", "[unit][audit]") {
  auto sha = Sha256::create();
  REQUIRE(sha);
  CHECK(sha->hexDigest("abc").value() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha->hexDigest("").value() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(isSha256Hex(std::string(kGenesisPrev)));
  CHECK_FALSE(isSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
}

TEST_CASE("record times are UTC RFC 3339 with milliseconds", "[unit][audit]") {
  using namespace std::chrono;
  const system_clock::time_point t{milliseconds(1796378400123)};
  CHECK(formatRfc3339Ms(t) == "2026-12-04T10:00:00.123Z");
  CHECK(isRfc3339Ms("2026-12-04T10:00:00.123Z"));
  CHECK_FALSE(isRfc3339Ms("2026-12-04T10:00:00Z"));
  CHECK_FALSE(isRfc3339Ms("2026-13-04T10:00:00.123Z"));
  CHECK_FALSE(isRfc3339Ms("2026-12-04T10:00:00.123+01:00"));
  CHECK(logFileName("admin", 42) == "admin-000000000042.jsonl");
  CHECK(parseLogFileName("admin", "admin-000000000042.jsonl") == 42u);
  CHECK_FALSE(parseLogFileName("admin", "admin-42.jsonl"));
  CHECK_FALSE(parseLogFileName("admin", "connections-000000000042.jsonl"));
}
