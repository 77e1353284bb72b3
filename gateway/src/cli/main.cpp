// `rempart`: the operator's CLI. Today it validates configuration files; later issues add the
// show, config, keys, log and update commands, spoken to rempartd over its control socket.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "gateway/audit/log_command.hpp"
#include "gateway/config_summary.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: rempart validate [--summary] FILE...\n"
    "  Checks each configuration file and prints every problem as FILE:LINE:COL: path: message.\n"
    "  Exits 0 when all files are valid, 1 when one is not, 2 on a usage error.\n"
    "       rempart log verify [--partial] [--head HASH] [FILE...|DIR|-]\n"
    "  Checks the hash chain of audit logs (see `rempart log help`).\n";

int usageError(std::string_view what) {
  std::cerr << "rempart: " << what << "\n" << kUsage;
  return 2;
}

int validate(const std::vector<std::string_view>& args) {
  bool summary = false;
  std::vector<std::string> files;
  for (auto a : args) {
    if (a == "--summary") summary = true;
    else if (a.starts_with("-") && a != "-") return usageError("unknown option '" + std::string(a) + "'");
    else files.emplace_back(a);
  }
  if (files.empty()) return usageError("validate needs at least one FILE");
  int rc = 0;
  for (const auto& file : files) {
    auto text = rempart::readFile(file == "-" ? "/dev/stdin" : file, rempart::config::kMaxConfigBytes);
    if (!text) {
      std::cerr << file << ": " << text.error().message() << "\n";
      rc = 1;
      continue;
    }
    auto model = rempart::config::parseConfig(*text, file);
    if (!model) {
      for (const auto& d : model.error()) std::cerr << d.format() << "\n";
      rc = 1;
      continue;
    }
    std::cout << file << ": valid\n";
    if (summary) std::cout << rempart::gateway::summarizeConfig(*model);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return usageError("no command given");
  if (args[0] == "validate") return validate({args.begin() + 1, args.end()});
  if (args[0] == "log") {
    return rempart::gateway::audit::runLogCommand({args.begin() + 1, args.end()}, std::cout,
                                                  std::cerr);
  }
  if (args[0] == "help" || args[0] == "--help") {
    std::cout << kUsage;
    return 0;
  }
  return usageError("unknown command '" + std::string(args[0]) + "'");
}
