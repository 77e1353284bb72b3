// Parsing of a command's arguments (the words after its own words, without --json): positional
// words, options that take a value (--level LEVEL) and flags (--replace). Used by the operator
// commands so that every one of them refuses unknown or incomplete options the same way.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common/result.hpp"

namespace rempart::gateway {

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // option -> value
  std::set<std::string> flags;
  bool has(const std::string& option) const { return values.count(option) || flags.count(option); }
  std::string value(const std::string& option) const {
    auto it = values.find(option);
    return it == values.end() ? "" : it->second;
  }
};

// kInvalidInput naming the word: an unknown option, a missing value, too many or too few
// positional words (between min_positional and max_positional).
[[nodiscard]] Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                                           const std::set<std::string>& value_options,
                                           const std::set<std::string>& flag_options,
                                           size_t min_positional, size_t max_positional,
                                           const std::string& usage);

// "rempart: <what>\n" with exit status 2 (a usage error) or 1.
ControlResponse usageError(const std::string& what);
ControlResponse failure(const std::string& what);
ControlResponse failure(int status, const std::string& what);

// Printable ASCII version of an argument for an error message (at most 64 characters).
std::string shownWord(const std::string& word);

}  // namespace rempart::gateway
