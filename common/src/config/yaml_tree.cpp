#include "yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <new>
#include <streambuf>

namespace rempart::config::detail {

namespace {

// Reads the caller's text in place, without copying it into a stringstream.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // never written: get area only
    setg(begin, begin, begin + text.size());
  }
};

// Thrown from the event handler to stop yaml-cpp once a diagnostic makes going on pointless.
struct StopParsing {};

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(YamlTree& tree, Diagnostics& diags, std::string_view file)
      : tree_(tree), diags_(diags), file_(file) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) fail(mark, "only one YAML document is allowed");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    add(YamlNode::Kind::kNull, mark, {});
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    diags_.push_back(at(mark, "YAML aliases are not supported; write the value out"));
    add(YamlNode::Kind::kNull, mark, {});
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string& value) override {
    add(YamlNode::Kind::kScalar, mark, value);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(add(YamlNode::Kind::kList, mark, {}), mark);
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(add(YamlNode::Kind::kMap, mark, {}), mark);
  }
  void OnMapEnd() override { open_.pop_back(); }

  int documents() const { return documents_; }
  bool hasRoot() const { return has_root_; }

 private:
  Diagnostic at(const YAML::Mark& mark, std::string message) const {
    return Diagnostic{std::string(file_), mark.line + 1, mark.column + 1, "", std::move(message)};
  }
  [[noreturn]] void fail(const YAML::Mark& mark, std::string message) {
    diags_.push_back(at(mark, std::move(message)));
    throw StopParsing{};
  }

  uint32_t add(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& value) {
    if (tree_.nodes.size() >= kMaxYamlNodes)
      fail(mark, "the document has more than " + std::to_string(kMaxYamlNodes) + " YAML nodes");
    auto id = static_cast<uint32_t>(tree_.nodes.size());
    tree_.nodes.push_back(YamlNode{kind, mark.line + 1, mark.column + 1, value, {}});
    if (open_.empty()) {
      tree_.root = id;
      has_root_ = true;
    } else {
      YamlNode& parent = tree_.nodes[open_.back()];
      bool is_key = parent.kind == YamlNode::Kind::kMap && parent.children.size() % 2 == 0;
      if (is_key && kind != YamlNode::Kind::kScalar && kind != YamlNode::Kind::kNull)
        diags_.push_back(at(mark, "mapping keys must be plain strings"));
      parent.children.push_back(id);
    }
    return id;
  }

  void open(uint32_t id, const YAML::Mark& mark) {
    if (open_.size() >= kMaxYamlDepth)
      fail(mark, "the document nests deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    open_.push_back(id);
  }

  YamlTree& tree_;
  Diagnostics& diags_;
  std::string_view file_;
  std::vector<uint32_t> open_;
  int documents_ = 0;
  bool has_root_ = false;
};

}  // namespace

tl::expected<YamlTree, Diagnostics> buildYamlTree(std::string_view text, std::string_view file) {
  YamlTree tree;
  Diagnostics diags;
  auto fail = [&](int line, int column, std::string message) {
    diags.push_back(Diagnostic{std::string(file), line, column, "", std::move(message)});
  };
  try {
    ViewBuf buf(text);
    std::istream in(&buf);
    YAML::Parser parser(in);
    TreeBuilder builder(tree, diags, file);
    // The second call only looks for an extra document, which the builder refuses.
    if (parser.HandleNextDocument(builder)) parser.HandleNextDocument(builder);
    if (diags.empty() && !builder.hasRoot()) fail(1, 1, "the configuration is empty");
  } catch (const StopParsing&) {
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null())
      fail(1, 1, "YAML syntax error: " + e.msg);
    else
      fail(e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
  } catch (const std::bad_alloc&) {
    fail(1, 1, "out of memory while reading the YAML document");
  } catch (const std::exception& e) {
    fail(1, 1, std::string("cannot read the YAML document: ") + e.what());
  }
  if (!diags.empty()) return tl::unexpected(std::move(diags));
  if (tree.at(tree.root).kind == YamlNode::Kind::kNull)
    return tl::unexpected(Diagnostics{{std::string(file), 1, 1, "", "the configuration is empty"}});
  return tree;
}

}  // namespace rempart::config::detail
