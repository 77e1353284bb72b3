#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "gateway/vici/codec.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;

namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string name(std::string_view n) {
  return std::string(1, static_cast<char>(n.size())) + std::string(n);
}
std::string val(std::string_view v) {
  return std::string{static_cast<char>(v.size() >> 8), static_cast<char>(v.size() & 0xff)} +
         std::string(v);
}

// Element helpers for hand-written wire bytes.
std::string kv(std::string_view k, std::string_view v) {
  return "\x03" + name(k) + val(v);
}
std::string sectionStart(std::string_view n) {
  return "\x01" + name(n);
}
const std::string kSectionEndByte = "\x02";
std::string listStart(std::string_view n) {
  return "\x04" + name(n);
}
std::string item(std::string_view v) {
  return "\x05" + val(v);
}
const std::string kListEndByte = "\x06";

}  // namespace

TEST_CASE("vici encoder matches the wire format of the protocol description", "[unit][vici]") {
  Section m;
  m.set("key1", "value1");
  m.child("section1").child("sub-section").set("key2", "value2");
  m.child("section1").setList("list1", {"item1", "item2"});
  std::string expected = kv("key1", "value1") + sectionStart("section1") +
                         sectionStart("sub-section") + kv("key2", "value2") + kSectionEndByte +
                         listStart("list1") + item("item1") + item("item2") + kListEndByte +
                         kSectionEndByte;
  REQUIRE(encodeMessage(m).value() == expected);

  auto frame = encodeFrame(Packet{PacketType::kCmdRequest, "version", {}}).value();
  REQUIRE(frame == std::string("\x00\x00\x00\x09\x00\x07version", 13));
}

TEST_CASE("vici messages round-trip, binary values and limits included", "[unit][vici]") {
  Section m;
  m.set("bin", std::string("\x00\x01\xff\x02", 4));
  m.set("empty", "");
  m.set("max", std::string(kMaxValueLength, 'v'));
  m.set(std::string(kMaxNameLength, 'n'), "long name");
  m.setList("nolist", {});
  m.setList("l", {"a", std::string("\0", 1), ""});
  Section* s = &m.child("deep");
  for (size_t i = 1; i < kMaxSectionDepth; ++i) s = &s->child("d" + std::to_string(i));
  s->set("leaf", "yes");

  for (PacketType type : {PacketType::kCmdRequest, PacketType::kCmdResponse, PacketType::kEvent}) {
    Packet p{type, isNamed(type) ? "list-sa" : "", m};
    std::string payload = encodePacket(p).value();
    auto back = decodePacket(bytes(payload));
    REQUIRE(back);
    CHECK(back->type == type);
    CHECK(back->name == p.name);
    CHECK(back->message == m);
  }
  for (PacketType type :
       {PacketType::kCmdUnknown, PacketType::kEventConfirm, PacketType::kEventUnknown}) {
    auto back = decodePacket(bytes(encodePacket(Packet{type, "", {}}).value()));
    REQUIRE(back);
    CHECK(back->type == type);
  }
  auto reg = decodePacket(bytes(encodePacket({PacketType::kEventRegister, "log", {}}).value()));
  REQUIRE(reg);
  CHECK(reg->name == "log");
}

TEST_CASE("vici encoder refuses what the protocol cannot carry", "[unit][vici]") {
  auto code = [](const Section& m) { return encodeMessage(m).error().code; };
  CHECK(code(Section{}.set(std::string(256, 'k'), "v")) == ErrorCode::kLimit);
  CHECK(code(Section{}.set("k", std::string(65536, 'v'))) == ErrorCode::kLimit);
  CHECK(code(Section{}.setList("l", {std::string(65536, 'v')})) == ErrorCode::kLimit);
  CHECK(code(Section{}.set("", "v")) == ErrorCode::kInvalidInput);

  Section deep;
  Section* s = &deep;
  for (size_t i = 0; i <= kMaxSectionDepth; ++i) s = &s->child("d");
  CHECK(code(deep) == ErrorCode::kLimit);

  Section big;
  for (int i = 0; i < 9; ++i) big.set("k" + std::to_string(i), std::string(60000, 'x'));
  auto e = encodeMessage(big);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == ErrorCode::kLimit);
  CHECK_THAT(e.error().context, Catch::Contains("512 KiB"));

  CHECK(encodePacket({PacketType::kCmdRequest, "", {}}).error().code == ErrorCode::kInvalidInput);
  CHECK(encodePacket({PacketType::kCmdUnknown, "x", {}}).error().code == ErrorCode::kInvalidInput);
  CHECK(encodePacket({PacketType::kEventConfirm, "", Section{}.set("a", "b")}).error().code ==
        ErrorCode::kInvalidInput);
}

TEST_CASE("vici decoder rejects malformed messages with a located error", "[unit][vici]") {
  struct Case {
    std::string body;
    std::string message;
  };
  std::string deep;
  for (size_t i = 0; i <= kMaxSectionDepth; ++i) deep += sectionStart("s");
  std::vector<Case> cases = {
      {"\x07", "unknown element type 7"},
      {std::string("\x00", 1), "unknown element type 0"},
      {"\x03", "truncated key name"},
      {"\x03\x05"
       "ab",
       "truncated key name"},
      {"\x03\x01k", "truncated value"},
      {"\x03\x01k\x00", "truncated value"},
      {std::string("\x03\x01k\x00\x05"
                   "abc",
                   8),
       "truncated value"},
      {std::string("\x03\x00", 2), "empty key name"},
      {kSectionEndByte, "SECTION_END without an open section"},
      {sectionStart("s"), "1 unterminated section(s)"},
      {listStart("l") + item("a"), "unterminated list 'l'"},
      {item("a"), "LIST_ITEM outside a list"},
      {kListEndByte, "LIST_END without an open list"},
      {listStart("l") + listStart("m"), "inside a list"},
      {listStart("l") + kv("k", "v"), "inside a list"},
      {listStart("l") + sectionStart("s"), "inside a list"},
      {listStart("l") + kSectionEndByte, "inside a list"},
      {kv("k", "1") + kv("k", "2"), "duplicate key 'k'"},
      {kv("k", "1") + listStart("k") + kListEndByte, "duplicate key 'k'"},
      {sectionStart("s") + kSectionEndByte + sectionStart("s") + kSectionEndByte,
       "duplicate key 's'"},
  };
  for (const auto& c : cases) {
    INFO("case: " << c.message);
    auto r = decodeMessage(bytes(c.body));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kProtocol);
    CHECK_THAT(r.error().context, Catch::Contains(c.message));
    CHECK_THAT(r.error().context, Catch::Contains("offset"));
  }
  // The same key in different sections is fine.
  CHECK(decodeMessage(bytes(kv("k", "1") + sectionStart("s") + kv("k", "2") + kSectionEndByte)));

  auto r = decodeMessage(bytes(deep));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kLimit);
}

TEST_CASE("vici decoder rejects malformed packets and frames", "[unit][vici]") {
  auto packetError = [](const std::string& payload) {
    auto r = decodePacket(bytes(payload));
    REQUIRE_FALSE(r);
    return r.error();
  };
  CHECK_THAT(packetError("").context, Catch::Contains("empty packet"));
  CHECK_THAT(packetError("\x08").context, Catch::Contains("unknown packet type 8"));
  CHECK_THAT(packetError(std::string("\x00", 1)).context, Catch::Contains("without a name"));
  CHECK_THAT(packetError(std::string("\x00\x00", 2)).context, Catch::Contains("empty name"));
  CHECK_THAT(packetError(std::string("\x07\x05"
                                     "ab",
                                     4))
                 .context,
             Catch::Contains("truncated name"));
  CHECK_THAT(packetError(std::string("\x07\x02"
                                     "a\n",
                                     4))
                 .context,
             Catch::Contains("non-printable"));
  CHECK_THAT(packetError("\x02x").context, Catch::Contains("unexpected bytes"));
  CHECK_THAT(packetError("\x05\x02").context, Catch::Contains("unexpected bytes"));
  CHECK_THAT(packetError("\x01\x09").context, Catch::Contains("CMD_RESPONSE"));
  CHECK(packetError(std::string(kMaxSegmentSize + 1, '\x01')).code == ErrorCode::kLimit);

  uint8_t ok[4] = {0, 8, 0, 0};
  CHECK(decodeFrameLength(std::span<const uint8_t, 4>(ok)).value() == kMaxSegmentSize);
  uint8_t over[4] = {0, 8, 0, 1};
  CHECK(decodeFrameLength(std::span<const uint8_t, 4>(over)).error().code == ErrorCode::kLimit);
  uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
  CHECK(decodeFrameLength(std::span<const uint8_t, 4>(huge)).error().code == ErrorCode::kLimit);
  uint8_t zero[4] = {0, 0, 0, 0};
  CHECK(decodeFrameLength(std::span<const uint8_t, 4>(zero)).error().code == ErrorCode::kProtocol);
}

TEST_CASE("vici sections keep keys unique and order stable", "[unit][vici]") {
  Section s;
  s.set("a", "1").set("b", "2").set("a", "3");
  REQUIRE(s.size() == 2);
  CHECK(*s.value("a") == "3");
  CHECK(s.entries()[0].name == "a");
  s.setList("b", {"x"});
  CHECK(s.value("b") == nullptr);
  CHECK(s.list("b")->size() == 1);
  s.child("a").set("k", "v");
  CHECK(s.section("a")->valueOr("k") == "v");
  CHECK(s.valueOr("missing", "dflt") == "dflt");
  CHECK(toDebugString(s) == "{ a { k=v } b=[x] }");
}
