#include "yaml_reader.hpp"

#include <algorithm>
#include <charconv>

namespace rempart::config::detail {

namespace {

using Kind = YamlNode::Kind;

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknownKeyMessage(std::string_view key, std::initializer_list<std::string_view> keys) {
  std::string message = "unknown key " + quoted(key);
  if (key.size() <= 64) {
    for (auto k : keys)
      if (editDistance(key, k) <= 2) return message + " (did you mean '" + std::string(k) + "'?)";
  }
  message += "; expected one of: ";
  bool first = true;
  for (auto k : keys) {
    message += (first ? "" : ", ") + std::string(k);
    first = false;
  }
  return message;
}

std::string joinChoices(std::initializer_list<std::string_view> choices) {
  std::string out;
  size_t i = 0;
  for (auto c : choices) {
    if (i > 0) out += (i + 1 == choices.size()) ? " or " : ", ";
    out += c;
    ++i;
  }
  return out;
}

}  // namespace

std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 60;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    auto ch = static_cast<unsigned char>(text[i]);
    out += (ch < 0x20 || ch == 0x7f) ? '?' : static_cast<char>(ch);
  }
  if (text.size() > kMaxShown) out += "...";
  return out + "'";
}

void Sink::error(Mark at, std::string path, std::string message) {
  if (diags_.size() >= kMaxDiagnostics) {
    ++dropped_;
    return;
  }
  error_paths_.insert(path);
  diags_.push_back(Diagnostic{file_, at.line, at.column, std::move(path), std::move(message)});
}

bool Sink::hasErrorUnder(const std::string& path) const {
  for (auto it = error_paths_.lower_bound(path); it != error_paths_.end() && it->starts_with(path);
       ++it) {
    if (it->size() == path.size() || (*it)[path.size()] == '.' || (*it)[path.size()] == '[')
      return true;
  }
  return false;
}

Mark Sink::markOf(const std::string& path) const {
  auto it = marks_.find(path);
  return it == marks_.end() ? Mark{} : it->second;
}

Diagnostics Sink::take() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  // The same fact can be found twice (e.g. an overlap seen from both sides): say it once.
  diags_.erase(std::unique(diags_.begin(), diags_.end(),
                           [](const Diagnostic& a, const Diagnostic& b) {
                             return a.line == b.line && a.column == b.column && a.path == b.path &&
                                    a.message == b.message;
                           }),
               diags_.end());
  if (dropped_ > 0)
    diags_.push_back(
        Diagnostic{file_, 0, 0, "", std::to_string(dropped_) + " more errors were not shown"});
  return std::move(diags_);
}

Cursor::Cursor(const YamlTree& tree, uint32_t id, std::string path, Sink& sink,
               std::optional<Mark> at)
    : tree_(&tree), id_(id), path_(std::move(path)), sink_(&sink), at_(at) {
  sink_->remember(path_, mark());
}

Cursor Cursor::item(size_t index) const {
  return Cursor(*tree_, node().children[index], path_ + "[" + std::to_string(index) + "]", *sink_);
}

Cursor Cursor::child(uint32_t id, std::string_view key, Mark key_at) const {
  std::optional<Mark> at;
  if (tree_->at(id).kind == Kind::kNull) at = key_at;
  return Cursor(*tree_, id, path_.empty() ? std::string(key) : path_ + "." + std::string(key),
                *sink_, at);
}

std::string Cursor::describe() const {
  switch (node().kind) {
    case Kind::kNull:
      return "nothing";
    case Kind::kScalar:
      return quoted(node().value);
    case Kind::kList:
      return "a list";
    case Kind::kMap:
      return "a map";
  }
  return "?";
}

std::optional<Cursor> MapView::get(std::string_view key) const {
  for (const auto& f : fields_)
    if (f.key == key) return map_.child(f.value, key, f.key_at);
  return std::nullopt;
}

std::optional<Cursor> MapView::require(std::string_view key) const {
  auto c = get(key);
  if (!c) map_.error("missing required key '" + std::string(key) + "'");
  return c;
}

std::optional<MapView> readMap(const Cursor& c, std::initializer_list<std::string_view> keys) {
  const YamlNode& n = c.node();
  if (n.kind != Kind::kMap) {
    c.error("expected a map, found " + c.describe());
    return std::nullopt;
  }
  std::vector<MapView::Field> fields;
  std::vector<std::pair<std::string_view, const YamlNode*>> seen;
  for (size_t i = 0; i + 1 < n.children.size(); i += 2) {
    const YamlNode& key = c.nodeAt(n.children[i]);
    std::string_view name = key.value;
    Mark at{key.line, key.column};
    auto dup = std::find_if(seen.begin(), seen.end(), [&](auto& s) { return s.first == name; });
    if (dup != seen.end()) {
      c.sink().error(at, c.path(),
                     "duplicate key " + quoted(name) + " (first at line " +
                         std::to_string(dup->second->line) + ")");
      continue;
    }
    seen.emplace_back(name, &key);
    auto known = std::find(keys.begin(), keys.end(), name);
    if (known == keys.end()) {
      c.sink().error(at, c.path(), unknownKeyMessage(name, keys));
      continue;
    }
    fields.push_back({*known, n.children[i + 1], at});
  }
  return MapView(c, std::move(fields));
}

std::optional<std::vector<Cursor>> readList(const Cursor& c, size_t max, std::string_view what) {
  const YamlNode& n = c.node();
  if (n.kind != Kind::kList) {
    c.error("expected a list, found " + c.describe());
    return std::nullopt;
  }
  if (n.children.size() > max) {
    c.error("at most " + std::to_string(max) + " " + std::string(what) + " are allowed, found " +
            std::to_string(n.children.size()));
    return std::nullopt;
  }
  std::vector<Cursor> items;
  items.reserve(n.children.size());
  for (size_t i = 0; i < n.children.size(); ++i) items.push_back(c.item(i));
  return items;
}

std::optional<std::string> readString(const Cursor& c) {
  if (c.node().kind != Kind::kScalar) {
    c.error("expected a string, found " + c.describe());
    return std::nullopt;
  }
  return c.node().value;
}

std::optional<uint64_t> readUint(const Cursor& c, uint64_t min, uint64_t max) {
  auto fail = [&] {
    c.error("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
            ", found " + c.describe());
    return std::nullopt;
  };
  if (c.node().kind != Kind::kScalar) return fail();
  const std::string& s = c.node().value;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v < min || v > max)
    return fail();
  return v;
}

std::optional<bool> readBool(const Cursor& c) {
  if (c.node().kind == Kind::kScalar) {
    if (c.node().value == "true") return true;
    if (c.node().value == "false") return false;
  }
  c.error("expected true or false, found " + c.describe());
  return std::nullopt;
}

std::optional<size_t> readChoice(const Cursor& c, std::initializer_list<std::string_view> choices) {
  if (c.node().kind == Kind::kScalar) {
    size_t i = 0;
    for (auto choice : choices) {
      if (c.node().value == choice) return i;
      ++i;
    }
  }
  c.error("expected " + joinChoices(choices) + ", found " + c.describe());
  return std::nullopt;
}

std::optional<IpAddress> readAddress(const Cursor& c) {
  auto text = readString(c);
  if (!text) return std::nullopt;
  auto a = IpAddress::parse(*text);
  if (!a) c.error(quoted(*text) + " is not an IPv4 or IPv6 address");
  return a;
}

std::string prefixProblem(std::string_view text, const std::optional<IpPrefix>& p, PrefixUse use) {
  if (!p) {
    if (use != PrefixUse::kNetworkOrHost && IpAddress::parse(text))
      return quoted(text) + " has no prefix length (write it as address/length)";
    return quoted(text) + " is not an IPv4 or IPv6 prefix";
  }
  if (use == PrefixUse::kInterface) {
    if (p->address.isUnspecified()) return quoted(text) + " is not an interface address";
    if (p->family() == Family::kV4 && p->length <= 30) {
      if (!p->hasHostBits())
        return quoted(text) + " is a network address, not an interface address";
      IpPrefix broadcast = *p;
      for (size_t bit = p->length; bit < 32; ++bit)
        broadcast.address.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
      if (broadcast.address == p->address)
        return quoted(text) + " is a broadcast address, not an interface address";
    }
    return "";
  }
  if (p->hasHostBits())
    return quoted(text) + " has host bits set; the network is " + p->network().str();
  return "";
}

std::optional<IpPrefix> readPrefix(const Cursor& c, PrefixUse use) {
  auto text = readString(c);
  if (!text) return std::nullopt;
  auto p = IpPrefix::parse(*text, use == PrefixUse::kNetworkOrHost);
  if (auto problem = prefixProblem(*text, p, use); !problem.empty()) {
    c.error(std::move(problem));
    return std::nullopt;
  }
  return p;
}

void readPrefixList(const Cursor& c, PrefixUse use, size_t max, std::string_view what,
                    std::vector<IpPrefix>& out) {
  auto items = readList(c, max, what);
  if (!items) return;
  for (const auto& item : *items)
    if (auto p = readPrefix(item, use)) out.push_back(*p);
}

}  // namespace rempart::config::detail
