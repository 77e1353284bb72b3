#include "gateway/vici/codec.hpp"

#include <string_view>
#include <unordered_set>

namespace rempart::gateway::vici {

namespace {

enum Element : uint8_t {
  kSectionStart = 1,
  kSectionEnd = 2,
  kKeyValue = 3,
  kListStart = 4,
  kListItem = 5,
  kListEnd = 6,
};

// ---- encoding ----

Result<void> putName(std::string& out, std::string_view name, std::string_view what) {
  if (name.empty()) return fail(ErrorCode::kInvalidInput, "vici: empty " + std::string(what));
  if (name.size() > kMaxNameLength)
    return fail(ErrorCode::kLimit, "vici: " + std::string(what) + " '" +
                                       std::string(name.substr(0, 32)) + "...' longer than 255");
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
  return {};
}

Result<void> putValue(std::string& out, std::string_view value, std::string_view key) {
  if (value.size() > kMaxValueLength)
    return fail(ErrorCode::kLimit, "vici: value of '" + std::string(key) + "' is " +
                                       std::to_string(value.size()) + " bytes, above 65535");
  out.push_back(static_cast<char>(value.size() >> 8));
  out.push_back(static_cast<char>(value.size() & 0xff));
  out.append(value);
  return {};
}

Result<void> encodeInto(std::string& out, const Section& s, size_t depth) {
  if (depth > kMaxSectionDepth)
    return fail(ErrorCode::kLimit,
                "vici: sections nested deeper than " + std::to_string(kMaxSectionDepth));
  for (const auto& e : s.entries()) {
    switch (e.kind) {
      case Entry::Kind::kValue:
        out.push_back(kKeyValue);
        TRY(putName(out, e.name, "key name"));
        TRY(putValue(out, e.value, e.name));
        break;
      case Entry::Kind::kList:
        out.push_back(kListStart);
        TRY(putName(out, e.name, "list name"));
        for (const auto& item : e.items) {
          out.push_back(kListItem);
          TRY(putValue(out, item, e.name));
        }
        out.push_back(kListEnd);
        break;
      case Entry::Kind::kSection:
        out.push_back(kSectionStart);
        TRY(putName(out, e.name, "section name"));
        TRY(encodeInto(out, e.section.front(), depth + 1));
        out.push_back(kSectionEnd);
        break;
    }
    // Checked as we go so that a huge message fails early instead of using huge memory.
    if (out.size() > kMaxSegmentSize)
      return fail(ErrorCode::kLimit, "vici: message larger than the 512 KiB segment limit");
  }
  return {};
}

// ---- decoding ----

// A bounds-checked reader over untrusted bytes; every read says what it wanted on failure.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  bool atEnd() const { return pos_ == data_.size(); }
  size_t pos() const { return pos_; }

  Result<uint8_t> byte(std::string_view what) {
    if (pos_ >= data_.size()) return truncated(what);
    return data_[pos_++];
  }
  Result<std::string_view> name(std::string_view what) {
    uint8_t len = TRY(byte(what));
    if (len == 0) return bad("empty " + std::string(what));
    return bytes(len, what);
  }
  Result<std::string_view> value(std::string_view what) {
    if (data_.size() - pos_ < 2) return truncated(what);
    size_t len = (size_t{data_[pos_]} << 8) | data_[pos_ + 1];
    pos_ += 2;
    return bytes(len, what);
  }
  unexpected<Error> bad(std::string msg) const {
    return fail(ErrorCode::kProtocol, "vici: " + msg + " at offset " + std::to_string(pos_));
  }

 private:
  Result<std::string_view> bytes(size_t len, std::string_view what) {
    if (data_.size() - pos_ < len) return truncated(what);
    std::string_view out(reinterpret_cast<const char*>(data_.data() + pos_), len);
    pos_ += len;
    return out;
  }
  unexpected<Error> truncated(std::string_view what) const {
    return bad("truncated " + std::string(what));
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Keys seen in one open section, to reject duplicates in O(1) per element.
struct Frame {
  Section* section;
  std::unordered_set<std::string_view> names;
};

}  // namespace

std::string_view toString(PacketType type) {
  switch (type) {
    case PacketType::kCmdRequest:
      return "CMD_REQUEST";
    case PacketType::kCmdResponse:
      return "CMD_RESPONSE";
    case PacketType::kCmdUnknown:
      return "CMD_UNKNOWN";
    case PacketType::kEventRegister:
      return "EVENT_REGISTER";
    case PacketType::kEventUnregister:
      return "EVENT_UNREGISTER";
    case PacketType::kEventConfirm:
      return "EVENT_CONFIRM";
    case PacketType::kEventUnknown:
      return "EVENT_UNKNOWN";
    case PacketType::kEvent:
      return "EVENT";
  }
  return "?";
}

bool isNamed(PacketType type) {
  return type == PacketType::kCmdRequest || type == PacketType::kEventRegister ||
         type == PacketType::kEventUnregister || type == PacketType::kEvent;
}

bool hasMessage(PacketType type) {
  return type == PacketType::kCmdRequest || type == PacketType::kCmdResponse ||
         type == PacketType::kEvent;
}

Result<std::string> encodeMessage(const Section& message) {
  std::string out;
  TRY(encodeInto(out, message, 0));
  return out;
}

Result<std::string> encodePacket(const Packet& packet) {
  std::string out;
  out.push_back(static_cast<char>(packet.type));
  if (isNamed(packet.type)) {
    TRY(putName(out, packet.name, "packet name"));
  } else if (!packet.name.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "vici: " + std::string(toString(packet.type)) + " carries no name");
  }
  if (hasMessage(packet.type)) {
    TRY(encodeInto(out, packet.message, 0));
  } else if (!packet.message.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "vici: " + std::string(toString(packet.type)) + " carries no message");
  }
  if (out.size() > kMaxSegmentSize)
    return fail(ErrorCode::kLimit, "vici: packet larger than the 512 KiB segment limit");
  return out;
}

Result<std::string> encodeFrame(const Packet& packet) {
  std::string payload = TRY(encodePacket(packet));
  std::string out;
  out.reserve(payload.size() + 4);
  uint32_t n = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out += payload;
  return out;
}

Result<Section> decodeMessage(std::span<const uint8_t> body) {
  if (body.size() > kMaxSegmentSize)
    return fail(ErrorCode::kLimit, "vici: message larger than the 512 KiB segment limit");
  Section root;
  Reader r(body);
  std::vector<Frame> stack;
  stack.push_back(Frame{&root, {}});
  Entry* open_list = nullptr;  // the list being filled, if any

  auto claim = [&](std::string_view name) -> Result<void> {
    if (!stack.back().names.insert(name).second)
      return r.bad("duplicate key '" + std::string(name) + "'");
    return {};
  };

  while (!r.atEnd()) {
    uint8_t type = TRY(r.byte("element type"));
    if (open_list != nullptr && type != kListItem && type != kListEnd)
      return r.bad("element type " + std::to_string(type) + " inside a list");
    switch (type) {
      case kSectionStart: {
        std::string_view name = TRY(r.name("section name"));
        if (stack.size() > kMaxSectionDepth)
          return fail(ErrorCode::kLimit, "vici: sections nested deeper than " +
                                             std::to_string(kMaxSectionDepth) + " at offset " +
                                             std::to_string(r.pos()));
        TRY(claim(name));
        Entry& e = stack.back().section->appendUnchecked(Entry::make(Entry::Kind::kSection, name));
        stack.push_back(Frame{&e.section.front(), {}});
        break;
      }
      case kSectionEnd:
        if (stack.size() == 1) return r.bad("SECTION_END without an open section");
        stack.pop_back();
        break;
      case kKeyValue: {
        std::string_view name = TRY(r.name("key name"));
        std::string_view value = TRY(r.value("value"));
        TRY(claim(name));
        Entry e = Entry::make(Entry::Kind::kValue, name);
        e.value = std::string(value);
        stack.back().section->appendUnchecked(std::move(e));
        break;
      }
      case kListStart: {
        std::string_view name = TRY(r.name("list name"));
        TRY(claim(name));
        open_list = &stack.back().section->appendUnchecked(Entry::make(Entry::Kind::kList, name));
        break;
      }
      case kListItem: {
        if (open_list == nullptr) return r.bad("LIST_ITEM outside a list");
        std::string_view value = TRY(r.value("list item"));
        open_list->items.emplace_back(value);
        break;
      }
      case kListEnd:
        if (open_list == nullptr) return r.bad("LIST_END without an open list");
        open_list = nullptr;
        break;
      default:
        return r.bad("unknown element type " + std::to_string(type));
    }
  }
  if (open_list != nullptr) return r.bad("unterminated list '" + open_list->name + "'");
  if (stack.size() != 1)
    return r.bad(std::to_string(stack.size() - 1) + " unterminated section(s)");
  return root;
}

Result<Packet> decodePacket(std::span<const uint8_t> payload) {
  if (payload.empty()) return fail(ErrorCode::kProtocol, "vici: empty packet");
  if (payload.size() > kMaxSegmentSize)
    return fail(ErrorCode::kLimit, "vici: packet larger than the 512 KiB segment limit");
  uint8_t raw = payload[0];
  if (raw > static_cast<uint8_t>(PacketType::kEvent))
    return fail(ErrorCode::kProtocol, "vici: unknown packet type " + std::to_string(raw));
  Packet p;
  p.type = static_cast<PacketType>(raw);
  size_t pos = 1;
  if (isNamed(p.type)) {
    if (payload.size() < 2)
      return fail(ErrorCode::kProtocol,
                  "vici: " + std::string(toString(p.type)) + " without a name");
    size_t len = payload[1];
    if (len == 0)
      return fail(ErrorCode::kProtocol,
                  "vici: " + std::string(toString(p.type)) + " with an empty name");
    if (payload.size() - 2 < len)
      return fail(ErrorCode::kProtocol,
                  "vici: " + std::string(toString(p.type)) + " with a truncated name");
    p.name.assign(reinterpret_cast<const char*>(payload.data() + 2), len);
    for (char c : p.name)
      if (c < 0x21 || c > 0x7e)
        return fail(ErrorCode::kProtocol, "vici: packet name with a non-printable byte");
    pos = 2 + len;
  }
  auto body = payload.subspan(pos);
  if (hasMessage(p.type)) {
    auto msg = decodeMessage(body);
    if (!msg)
      return unexpected<Error>(
          msg.error().wrap(std::string(toString(p.type)) + (p.name.empty() ? "" : " ") + p.name));
    p.message = std::move(*msg);
  } else if (!body.empty()) {
    return fail(ErrorCode::kProtocol, "vici: " + std::string(toString(p.type)) + " followed by " +
                                          std::to_string(body.size()) + " unexpected bytes");
  }
  return p;
}

Result<size_t> decodeFrameLength(std::span<const uint8_t, 4> header) {
  size_t n = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) | (size_t{header[2]} << 8) |
             size_t{header[3]};
  if (n == 0) return fail(ErrorCode::kProtocol, "vici: frame with an empty payload");
  if (n > kMaxSegmentSize)
    return fail(ErrorCode::kLimit,
                "vici: frame of " + std::to_string(n) + " bytes above the 512 KiB segment limit");
  return n;
}

}  // namespace rempart::gateway::vici
