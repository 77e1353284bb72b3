#include "gateway/audit/json.hpp"

#include <algorithm>

#include "utf8.hpp"

namespace rempart::gateway::audit {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendU16Escape(std::string& out, uint32_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xf];
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      default:
        break;
    }
    uint32_t cp = 0;
    size_t len = utf8::decodeUtf8(text, i, cp);
    if (len == 0) {  // one invalid byte becomes one replacement character
      cp = 0xfffd;
      len = 1;
    }
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      appendU16Escape(out, 0xd800 + (v >> 10));
      appendU16Escape(out, 0xdc00 + (v & 0x3ff));
    } else {
      appendU16Escape(out, cp);
    }
    i += len;
  }
  out += '"';
}

JsonObject& JsonObject::setRaw(std::string_view key, std::string raw) {
  auto it =
      std::find_if(members_.begin(), members_.end(), [&](const auto& m) { return m.first == key; });
  if (it != members_.end()) {
    it->second = std::move(raw);
  } else {
    members_.emplace_back(std::string(key), std::move(raw));
  }
  return *this;
}

JsonObject& JsonObject::set(std::string_view key, std::string_view value) {
  std::string raw;
  appendJsonString(raw, value);
  return setRaw(key, std::move(raw));
}

JsonObject& JsonObject::set(std::string_view key, int64_t value) {
  return setRaw(key, std::to_string(value));
}

JsonObject& JsonObject::set(std::string_view key, uint64_t value) {
  return setRaw(key, std::to_string(value));
}

JsonObject& JsonObject::set(std::string_view key, bool value) {
  return setRaw(key, value ? "true" : "false");
}

JsonObject& JsonObject::set(std::string_view key, const std::vector<std::string>& values) {
  std::string raw = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) raw += ',';
    appendJsonString(raw, values[i]);
  }
  raw += ']';
  return setRaw(key, std::move(raw));
}

JsonObject& JsonObject::set(std::string_view key, const JsonObject& value) {
  return setRaw(key, value.toJson());
}

JsonObject& JsonObject::setIfNonEmpty(std::string_view key, std::string_view value) {
  if (!value.empty()) set(key, value);
  return *this;
}

JsonObject& JsonObject::erase(std::string_view key) {
  std::erase_if(members_, [&](const auto& m) { return m.first == key; });
  return *this;
}

JsonObject& JsonObject::merge(const JsonObject& other) {
  for (const auto& [key, raw] : other.members_) setRaw(key, raw);
  return *this;
}

bool JsonObject::contains(std::string_view key) const {
  return std::any_of(members_.begin(), members_.end(),
                     [&](const auto& m) { return m.first == key; });
}

std::string JsonObject::membersJson() const {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(members_.size());
  for (const auto& m : members_) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string out;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i) out += ',';
    appendJsonString(out, sorted[i]->first);
    out += ':';
    out += sorted[i]->second;
  }
  return out;
}

std::string JsonObject::toJson() const {
  return "{" + membersJson() + "}";
}

}  // namespace rempart::gateway::audit
