// The control protocol codec: round trips with context, caps, and strict refusals.
#include "gateway/control_protocol.hpp"

#include <catch2/catch.hpp>

using namespace rempart;
using namespace rempart::gateway;

namespace {

std::string u32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string field(const std::string& s) {
  return u32(static_cast<uint32_t>(s.size())) + s;
}

}  // namespace

TEST_CASE("requests and responses round-trip, context included", "[unit][protocol]") {
  ControlRequest r;
  r.words = {"show", "log", "connections", "--since", "24h", "caf\xc3\xa9"};
  r.input = std::string("binary\0\xff input", 15);
  r.context = {
      {"ssh_client", "198.51.100.7 52144"}, {"ssh_key", "SHA256:abc"}, {"session", "one-shot"}};
  auto back = decodeRequest(encodeRequest(r));
  REQUIRE(back);
  CHECK(*back == r);
  CHECK(back->contextValue("session") == "one-shot");
  CHECK(back->contextValue("absent").empty());

  ControlResponse resp{3, "out\n", "err\n"};
  resp.audit_note = "never sent";
  auto rb = decodeResponse(encodeResponse(resp));
  REQUIRE(rb);
  CHECK(rb->exit_status == 3);
  CHECK(rb->out == "out\n");
  CHECK(rb->err == "err\n");
  CHECK(rb->audit_note.empty());
  CHECK(encodeResponse(resp).find("never sent") == std::string::npos);
  CHECK(frame("abc") == u32(3) + "abc");
}

TEST_CASE("the decoder enforces its caps", "[unit][protocol]") {
  ControlRequest many;
  many.words.assign(kMaxWords + 1, "x");
  auto r1 = decodeRequest(encodeRequest(many));
  REQUIRE_FALSE(r1);
  CHECK_THAT(r1.error().message(), Catch::Contains("at most 256 words"));

  ControlRequest long_word;
  long_word.words = {std::string(kMaxWordBytes + 1, 'a')};
  auto r2 = decodeRequest(encodeRequest(long_word));
  REQUIRE_FALSE(r2);
  CHECK_THAT(r2.error().message(), Catch::Contains("exceeds the limit of 4096"));

  ControlRequest ctx;
  for (size_t i = 0; i <= kMaxContextEntries; ++i) ctx.context.emplace_back("k", "v");
  CHECK_FALSE(decodeRequest(encodeRequest(ctx)));
  ControlRequest long_value;
  long_value.context = {{"k", std::string(kMaxContextValueBytes + 1, 'v')}};
  CHECK_FALSE(decodeRequest(encodeRequest(long_value)));
  CHECK_FALSE(decodeRequest(std::string(kMaxRequestBytes + 1, '\0')));
}

TEST_CASE("the decoder refuses bad UTF-8, control characters, bad keys and stray bytes",
          "[unit][protocol]") {
  auto words = [](std::vector<std::string> w) {
    ControlRequest r;
    r.words = std::move(w);
    return decodeRequest(encodeRequest(r));
  };
  auto bad = words({"show", "\xff\xfe"});
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message(), Catch::Contains("word 2 is not valid UTF-8"));
  CHECK_FALSE(words({"\xc0\xaf"}));      // overlong '/'
  CHECK_FALSE(words({"\xed\xa0\x80"}));  // surrogate
  CHECK_FALSE(words({"show\nstatus"}));
  CHECK_FALSE(words({"\x1b[2J"}));
  CHECK(words({"\xf0\x9f\x94\x92"}));  // a 4-byte character is fine

  auto ctx = [](std::string k, std::string v) {
    ControlRequest r;
    r.context = {{std::move(k), std::move(v)}};
    return decodeRequest(encodeRequest(r));
  };
  CHECK_FALSE(ctx("SSH_KEY", "x"));
  CHECK_FALSE(ctx("", "x"));
  CHECK_FALSE(ctx("ssh_key", "a\nb"));
  CHECK_FALSE(ctx("ssh_key", "\xff"));
  CHECK(ctx("ssh_key", "SHA256:abc"));

  std::string ok = encodeRequest(ControlRequest{{"help"}, "", {}});
  auto trailing = decodeRequest(ok + "x");
  REQUIRE_FALSE(trailing);
  CHECK_THAT(trailing.error().message(), Catch::Contains("1 trailing bytes"));
  for (size_t cut = 0; cut < ok.size(); ++cut) {
    INFO(cut);
    CHECK_FALSE(decodeRequest(ok.substr(0, cut)));
  }
  // A word length that claims more than is there.
  CHECK_FALSE(decodeRequest(u32(1) + u32(100) + "abc"));
  CHECK_FALSE(decodeResponse(u32(0) + field("a")));
  CHECK_FALSE(decodeResponse(u32(0) + field("a") + field("b") + "z"));
  CHECK(isValidUtf8(""));
  CHECK_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}
