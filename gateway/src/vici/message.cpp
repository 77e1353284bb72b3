#include "gateway/vici/message.hpp"

namespace rempart::gateway::vici {

Entry Entry::make(Kind kind, std::string_view name) {
  Entry e;
  e.kind = kind;
  e.name = std::string(name);
  if (kind == Kind::kSection) e.section.emplace_back();
  return e;
}

Entry* Section::find(std::string_view name) {
  for (auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

const Entry* Section::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

Section& Section::set(std::string_view name, std::string_view value) {
  Entry* e = find(name);
  if (e == nullptr) e = &entries_.emplace_back(Entry::make(Entry::Kind::kValue, name));
  e->kind = Entry::Kind::kValue;
  e->value = std::string(value);
  e->items.clear();
  e->section.clear();
  return *this;
}

Section& Section::setList(std::string_view name, std::vector<std::string> items) {
  Entry* e = find(name);
  if (e == nullptr) e = &entries_.emplace_back(Entry::make(Entry::Kind::kValue, name));
  e->kind = Entry::Kind::kList;
  e->value.clear();
  e->items = std::move(items);
  e->section.clear();
  return *this;
}

Section& Section::child(std::string_view name) {
  Entry* e = find(name);
  if (e != nullptr && e->kind == Entry::Kind::kSection) return e->section.front();
  if (e == nullptr) e = &entries_.emplace_back(Entry::make(Entry::Kind::kValue, name));
  e->kind = Entry::Kind::kSection;
  e->value.clear();
  e->items.clear();
  e->section.assign(1, Section{});
  return e->section.front();
}

Section& Section::setSection(std::string_view name, Section section) {
  child(name) = std::move(section);
  return *this;
}

const std::string* Section::value(std::string_view name) const {
  const Entry* e = find(name);
  return e != nullptr && e->kind == Entry::Kind::kValue ? &e->value : nullptr;
}

const std::vector<std::string>* Section::list(std::string_view name) const {
  const Entry* e = find(name);
  return e != nullptr && e->kind == Entry::Kind::kList ? &e->items : nullptr;
}

const Section* Section::section(std::string_view name) const {
  const Entry* e = find(name);
  return e != nullptr && e->kind == Entry::Kind::kSection ? &e->section.front() : nullptr;
}

std::string Section::valueOr(std::string_view name, std::string_view fallback) const {
  const std::string* v = value(name);
  return v != nullptr ? *v : std::string(fallback);
}

Entry& Section::appendUnchecked(Entry entry) {
  return entries_.emplace_back(std::move(entry));
}

bool Section::operator==(const Section& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& a = entries_[i];
    const Entry& b = other.entries_[i];
    if (a.kind != b.kind || a.name != b.name || a.value != b.value || a.items != b.items ||
        a.section != b.section)
      return false;
  }
  return true;
}

namespace {

void render(const Section& s, std::string& out) {
  out += "{";
  for (const auto& e : s.entries()) {
    out += " ";
    out += e.name;
    switch (e.kind) {
      case Entry::Kind::kValue:
        out += "=";
        out += e.value;
        break;
      case Entry::Kind::kList:
        out += "=[";
        for (size_t i = 0; i < e.items.size(); ++i) {
          if (i > 0) out += ", ";
          out += e.items[i];
        }
        out += "]";
        break;
      case Entry::Kind::kSection:
        out += " ";
        render(e.section.front(), out);
        break;
    }
  }
  out += " }";
}

}  // namespace

std::string toDebugString(const Section& section) {
  std::string out;
  render(section, out);
  return out;
}

}  // namespace rempart::gateway::vici
