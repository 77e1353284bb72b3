// Canonical JSON for audit records: one record is one line of printable ASCII, keys in byte
// order, no whitespace, every control character and every non-ASCII character \u-escaped, and
// invalid UTF-8 replaced by U+FFFD. Canonical bytes matter because the hash chain covers them
// verbatim. Also a strict parser for reading such lines back (the verifier's untrusted input).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway::audit {

// Appends `text` to `out` as a JSON string literal (with quotes). Never fails: bytes that are
// not valid UTF-8 become U+FFFD (escaped), so hostile input cannot produce raw control bytes,
// line breaks, terminal escapes or bidi overrides in the output.
void appendJsonString(std::string& out, std::string_view text);

// An object under construction. Values are serialized when set; toJson() emits the members in
// byte order of their keys, so the same content always gives the same bytes. Setting an
// existing key replaces its value. Not thread-safe; a plain value type.
class JsonObject {
 public:
  JsonObject& set(std::string_view key, std::string_view value);
  JsonObject& set(std::string_view key, const char* value) {
    return set(key, std::string_view(value));
  }
  JsonObject& set(std::string_view key, const std::string& value) {
    return set(key, std::string_view(value));
  }
  JsonObject& set(std::string_view key, int64_t value);
  JsonObject& set(std::string_view key, uint64_t value);
  JsonObject& set(std::string_view key, int value) { return set(key, static_cast<int64_t>(value)); }
  JsonObject& set(std::string_view key, unsigned value) {
    return set(key, static_cast<uint64_t>(value));
  }
  JsonObject& set(std::string_view key, bool value);
  JsonObject& set(std::string_view key, const std::vector<std::string>& values);
  JsonObject& set(std::string_view key, const JsonObject& value);
  // Sets `key` only when `value` is non-empty: absent fields stay absent in the record.
  JsonObject& setIfNonEmpty(std::string_view key, std::string_view value);

  // Removes `key` if present.
  JsonObject& erase(std::string_view key);
  // Copies every member of `other` into this object (other's value wins on a shared key).
  JsonObject& merge(const JsonObject& other);

  bool contains(std::string_view key) const;
  bool empty() const { return members_.empty(); }
  size_t size() const { return members_.size(); }

  // `{"a":1,"b":"x"}`: canonical, single line.
  std::string toJson() const;
  // The members only, canonical and comma-separated, without braces (for splicing after a
  // fixed header); empty when the object is empty.
  std::string membersJson() const;

 private:
  JsonObject& setRaw(std::string_view key, std::string raw);
  std::vector<std::pair<std::string, std::string>> members_;  // key -> serialized value
};

// `a` with every member of `b` added (b wins on a shared key).
inline JsonObject merge(JsonObject a, const JsonObject& b) {
  return std::move(a.merge(b));
}

// One top-level member of a parsed line. Strings are decoded; other values keep their JSON text
// ("123", "true", "null", "[...]", "{...}").
struct JsonMember {
  enum class Kind { kString, kNumber, kBool, kNull, kArray, kObject };
  std::string key;
  Kind kind = Kind::kNull;
  std::string value;
};

inline constexpr size_t kMaxJsonDepth = 32;

// Parses `line` as exactly one JSON object (RFC 8259, no surrounding whitespace allowed beyond
// JSON's own), validating UTF-8, escapes and nesting depth (<= kMaxJsonDepth). Duplicate
// top-level keys are refused, so that no two readers can disagree about a field. Returns the
// top-level members in order, or kInvalidInput with the byte offset of the problem.
[[nodiscard]] Result<std::vector<JsonMember>> parseJsonObject(std::string_view line);

}  // namespace rempart::gateway::audit
