#include "gateway/control_protocol.hpp"

#include <algorithm>

namespace rempart::gateway {

namespace {

void putU32(std::string& out, uint32_t v) {
  out += static_cast<char>(v >> 24);
  out += static_cast<char>(v >> 16);
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v);
}

void putBytes(std::string& out, std::string_view s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

// Reads fields front to back; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  Result<uint32_t> u32(std::string_view what) {
    if (data_.size() < 4) return fail(ErrorCode::kProtocol, "truncated " + std::string(what));
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data_[i])); };
    uint32_t v = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
    data_.remove_prefix(4);
    return v;
  }

  Result<std::string> bytes(std::string_view what, size_t cap) {
    uint32_t n = TRY(u32(what));
    if (n > cap) {
      return fail(ErrorCode::kProtocol, std::string(what) + " of " + std::to_string(n) +
                                            " bytes exceeds the limit of " + std::to_string(cap));
    }
    if (data_.size() < n) return fail(ErrorCode::kProtocol, "truncated " + std::string(what));
    std::string s(data_.substr(0, n));
    data_.remove_prefix(n);
    return s;
  }

  Result<void> end() {
    if (!data_.empty()) {
      return fail(ErrorCode::kProtocol, std::to_string(data_.size()) + " trailing bytes");
    }
    return {};
  }

 private:
  std::string_view data_;
};

}  // namespace

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

std::string encodeRequest(const ControlRequest& r) {
  std::string out;
  putU32(out, static_cast<uint32_t>(r.words.size()));
  for (const auto& w : r.words) putBytes(out, w);
  putBytes(out, r.input);
  putU32(out, static_cast<uint32_t>(r.context.size()));
  for (const auto& [k, v] : r.context) {
    putBytes(out, k);
    putBytes(out, v);
  }
  return out;
}

std::string ControlRequest::contextValue(std::string_view key) const {
  for (const auto& [k, v] : context)
    if (k == key) return v;
  return "";
}

std::string encodeResponse(const ControlResponse& r) {
  std::string out;
  putU32(out, static_cast<uint32_t>(r.exit_status));
  putBytes(out, r.out);
  putBytes(out, r.err);
  return out;
}

std::string frame(std::string_view payload) {
  std::string out;
  putBytes(out, payload);
  return out;
}

Result<ControlRequest> decodeRequest(std::string_view payload) {
  if (payload.size() > kMaxRequestBytes) return fail(ErrorCode::kProtocol, "request too large");
  Reader in(payload);
  uint32_t count = TRY(in.u32("word count"));
  if (count > kMaxWords) {
    return fail(ErrorCode::kInvalidInput, "at most " + std::to_string(kMaxWords) +
                                              " words are allowed, got " + std::to_string(count));
  }
  ControlRequest r;
  for (uint32_t i = 0; i < count; ++i) {
    std::string w = TRY(in.bytes("word " + std::to_string(i + 1), kMaxWordBytes));
    if (!isValidUtf8(w)) {
      return fail(ErrorCode::kInvalidInput,
                  "word " + std::to_string(i + 1) + " is not valid UTF-8");
    }
    for (char c : w) {
      if (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) {
        return fail(ErrorCode::kInvalidInput,
                    "word " + std::to_string(i + 1) + " contains a control character");
      }
    }
    r.words.push_back(std::move(w));
  }
  r.input = TRY(in.bytes("input", kMaxRequestBytes));
  uint32_t entries = TRY(in.u32("context count"));
  if (entries > kMaxContextEntries) {
    return fail(ErrorCode::kInvalidInput, "at most " + std::to_string(kMaxContextEntries) +
                                              " context entries are allowed, got " +
                                              std::to_string(entries));
  }
  for (uint32_t i = 0; i < entries; ++i) {
    std::string key = TRY(in.bytes("context key", kMaxContextKeyBytes));
    std::string value = TRY(in.bytes("context value", kMaxContextValueBytes));
    if (key.empty() || !std::all_of(key.begin(), key.end(),
                                    [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
      return fail(ErrorCode::kInvalidInput,
                  "context key " + std::to_string(i + 1) + " must be lower-case letters and '_'");
    }
    if (!isValidUtf8(value) || std::any_of(value.begin(), value.end(), [](char c) {
          return static_cast<uint8_t>(c) < 0x20 || c == 0x7f;
        })) {
      return fail(ErrorCode::kInvalidInput,
                  "context value of '" + key + "' is not printable UTF-8");
    }
    r.context.emplace_back(std::move(key), std::move(value));
  }
  TRY(in.end());
  return r;
}

Result<ControlResponse> decodeResponse(std::string_view payload) {
  Reader in(payload);
  ControlResponse r;
  r.exit_status = static_cast<int>(TRY(in.u32("exit status")));
  r.out = TRY(in.bytes("output", kMaxResponseBytes));
  r.err = TRY(in.bytes("error output", kMaxResponseBytes));
  TRY(in.end());
  return r;
}

}  // namespace rempart::gateway
