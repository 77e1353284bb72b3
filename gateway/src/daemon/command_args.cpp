#include "command_args.hpp"

namespace rempart::gateway {

std::string shownWord(const std::string& word) {
  std::string out = word.substr(0, 64);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return out;
}

Result<ParsedArgs> parseArgs(const std::vector<std::string>& args,
                             const std::set<std::string>& value_options,
                             const std::set<std::string>& flag_options, size_t min_positional,
                             size_t max_positional, const std::string& usage) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.starts_with("--")) {
      if (flag_options.count(a)) {
        out.flags.insert(a);
      } else if (value_options.count(a)) {
        if (i + 1 >= args.size())
          return fail(ErrorCode::kInvalidInput, a + " needs a value; usage: " + usage);
        out.values[a] = args[++i];
      } else {
        return fail(ErrorCode::kInvalidInput,
                    "unknown option '" + shownWord(a) + "'; usage: " + usage);
      }
    } else {
      out.positional.push_back(a);
    }
  }
  if (out.positional.size() < min_positional)
    return fail(ErrorCode::kInvalidInput, "missing argument; usage: " + usage);
  if (out.positional.size() > max_positional)
    return fail(
        ErrorCode::kInvalidInput,
        "unexpected argument '" + shownWord(out.positional[max_positional]) + "'; usage: " + usage);
  return out;
}

ControlResponse usageError(const std::string& what) {
  return ControlResponse{kExitUsage, "", "rempart: " + what + "\n"};
}

ControlResponse failure(const std::string& what) {
  return failure(1, what);
}

ControlResponse failure(int status, const std::string& what) {
  return ControlResponse{status, "", "rempart: " + what + "\n"};
}

}  // namespace rempart::gateway
