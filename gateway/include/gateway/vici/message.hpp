// The VICI message model: an ordered tree of sections, key-values and lists whose values are
// byte strings (strongSwan's vici wire format, see shared notes). Plain data, no I/O; the
// codec (vici/codec.hpp) turns it into frames and back. Any thread, no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rempart::gateway::vici {

// Protocol limits, enforced by the codec in both directions.
inline constexpr size_t kMaxNameLength = 255;          // section, key, list and packet names
inline constexpr size_t kMaxValueLength = 65535;       // one value or list item
inline constexpr size_t kMaxSegmentSize = 512 * 1024;  // one frame's payload (charon's cap)
inline constexpr size_t kMaxSectionDepth = 16;         // ours; charon's own messages use < 8

class Section;

// One named element of a section. Exactly one of value/items/section is meaningful, per kind.
struct Entry {
  enum class Kind : uint8_t { kValue, kList, kSection };
  Kind kind = Kind::kValue;
  std::string name;
  std::string value;               // kValue
  std::vector<std::string> items;  // kList
  std::vector<Section> section;    // kSection: exactly one element (boxed for recursion)

  // An empty entry of `kind` (a section entry gets its empty section).
  static Entry make(Kind kind, std::string_view name);
};

// An ordered set of uniquely named entries. The top level of a message is a Section.
// Setters replace an existing entry of the same name in place (keeping keys unique) and
// return *this for chaining; child() creates the section if absent. Lookups are linear:
// messages are small and decoded ones have unique keys by construction.
class Section {
 public:
  Section& set(std::string_view name, std::string_view value);
  Section& setList(std::string_view name, std::vector<std::string> items);
  // The child section `name`, created empty if absent (replacing a non-section entry).
  Section& child(std::string_view name);
  // Adds a whole child section, replacing any entry of that name.
  Section& setSection(std::string_view name, Section section);

  // nullptr when absent or of another kind.
  const std::string* value(std::string_view name) const;
  const std::vector<std::string>* list(std::string_view name) const;
  const Section* section(std::string_view name) const;
  // The value, or `fallback` when absent or not a value.
  std::string valueOr(std::string_view name, std::string_view fallback = {}) const;

  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

  // Appends without checking uniqueness; only the decoder uses it (it checks uniqueness itself).
  Entry& appendUnchecked(Entry entry);

  bool operator==(const Section& other) const;

 private:
  Entry* find(std::string_view name);
  const Entry* find(std::string_view name) const;

  std::vector<Entry> entries_;
};

// A human-readable rendering for tests and debugging: `{ a=1 b=[x, y] c { d=2 } }`.
// Values are printed as-is (callers must not render messages carrying secrets).
std::string toDebugString(const Section& section);

}  // namespace rempart::gateway::vici
