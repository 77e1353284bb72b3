// The strict JSON parser behind parseJsonObject (json.hpp): the verifier's untrusted input.
#include <string>

#include "gateway/audit/json.hpp"
#include "utf8.hpp"

namespace rempart::gateway::audit {

using utf8::appendUtf8;
using utf8::decodeUtf8;

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<std::vector<JsonMember>> parseTop() {
    skipWs();
    if (!consume('{')) return err("expected '{'");
    std::vector<JsonMember> members;
    skipWs();
    if (!consume('}')) {
      for (;;) {
        skipWs();
        JsonMember m;
        if (peek() != '"') return err("expected a string key");
        TRY(parseString(&m.key));
        for (const auto& other : members) {
          if (other.key == m.key) return err("duplicate key \"" + printable(m.key) + "\"");
        }
        skipWs();
        if (!consume(':')) return err("expected ':'");
        skipWs();
        const size_t start = pos_;
        const char c = peek();
        if (c == '"') {
          m.kind = JsonMember::Kind::kString;
          TRY(parseString(&m.value));
        } else {
          TRY(parseValue(1));
          m.value = std::string(s_.substr(start, pos_ - start));
          m.kind = c == '{'               ? JsonMember::Kind::kObject
                   : c == '['             ? JsonMember::Kind::kArray
                   : c == 't' || c == 'f' ? JsonMember::Kind::kBool
                   : c == 'n'             ? JsonMember::Kind::kNull
                                          : JsonMember::Kind::kNumber;
        }
        members.push_back(std::move(m));
        skipWs();
        if (consume(',')) continue;
        if (consume('}')) break;
        return err("expected ',' or '}'");
      }
    }
    skipWs();
    if (pos_ != s_.size()) return err("trailing bytes after the object");
    return members;
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skipWs() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  unexpected<Error> err(const std::string& what) const {
    return fail(ErrorCode::kInvalidInput,
                "invalid JSON at byte " + std::to_string(pos_ + 1) + ": " + what);
  }
  static std::string printable(std::string_view s) {
    std::string out;
    appendJsonString(out, s.substr(0, 64));
    return out.substr(1, out.size() - 2);
  }

  Result<void> parseValue(size_t depth) {
    if (depth > kMaxJsonDepth) return err("nesting deeper than " + std::to_string(kMaxJsonDepth));
    const char c = peek();
    if (c == '"') return parseString(nullptr);
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      skipWs();
      if (consume(close)) return {};
      for (;;) {
        skipWs();
        if (c == '{') {
          if (peek() != '"') return err("expected a string key");
          TRY(parseString(nullptr));
          skipWs();
          if (!consume(':')) return err("expected ':'");
          skipWs();
        }
        TRY(parseValue(depth + 1));
        skipWs();
        if (consume(',')) continue;
        if (consume(close)) return {};
        return err(std::string("expected ',' or '") + close + "'");
      }
    }
    if (s_.substr(pos_).starts_with("true")) return pos_ += 4, Result<void>{};
    if (s_.substr(pos_).starts_with("false")) return pos_ += 5, Result<void>{};
    if (s_.substr(pos_).starts_with("null")) return pos_ += 4, Result<void>{};
    return parseNumber();
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  Result<void> parseNumber() {
    consume('-');
    if (consume('0')) {
    } else if (isDigit(peek()) && peek() != '0') {
      while (isDigit(peek())) ++pos_;
    } else {
      return err("expected a value");
    }
    if (consume('.')) {
      if (!isDigit(peek())) return err("expected a digit after '.'");
      while (isDigit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!isDigit(peek())) return err("expected an exponent");
      while (isDigit(peek())) ++pos_;
    }
    return {};
  }

  Result<uint32_t> parseHex4() {
    if (pos_ + 4 > s_.size()) return err("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<uint32_t>(h - 'A' + 10);
      else
        return err("bad hex digit in \\u escape");
    }
    return v;
  }

  // Parses a string literal at pos_; decodes into *out when out is not null.
  Result<void> parseString(std::string* out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return err("unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return {};
      }
      if (c < 0x20) return err("raw control character in string");
      if (c == '\\') {
        ++pos_;
        const char e = peek();
        ++pos_;
        char simple = 0;
        switch (e) {
          case '"':
            simple = '"';
            break;
          case '\\':
            simple = '\\';
            break;
          case '/':
            simple = '/';
            break;
          case 'b':
            simple = '\b';
            break;
          case 'f':
            simple = '\f';
            break;
          case 'n':
            simple = '\n';
            break;
          case 'r':
            simple = '\r';
            break;
          case 't':
            simple = '\t';
            break;
          case 'u':
            break;
          default:
            --pos_;
            return err("bad escape");
        }
        if (simple) {
          if (out) *out += simple;
          continue;
        }
        uint32_t cp = TRY(parseHex4());
        if (cp >= 0xdc00 && cp <= 0xdfff) return err("lone low surrogate");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (!s_.substr(pos_).starts_with("\\u")) return err("lone high surrogate");
          pos_ += 2;
          const uint32_t lo = TRY(parseHex4());
          if (lo < 0xdc00 || lo > 0xdfff) return err("bad low surrogate");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (out) appendUtf8(*out, cp);
        continue;
      }
      uint32_t cp = 0;
      const size_t len = decodeUtf8(s_, pos_, cp);
      if (len == 0) return err("invalid UTF-8");
      if (out) out->append(s_.substr(pos_, len));
      pos_ += len;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<JsonMember>> parseJsonObject(std::string_view line) {
  return Parser(line).parseTop();
}

}  // namespace rempart::gateway::audit
