#include "gateway/audit/log_command.hpp"

#include <string>

#include "gateway/audit/chain_format.hpp"
#include "gateway/audit/chain_verify.hpp"

namespace rempart::gateway::audit {

namespace {

int usageError(std::ostream& err, const std::string& what) {
  err << "rempart: log: " << what << "\n" << kLogUsage;
  return 2;
}

int verify(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
  VerifyOptions options;
  std::vector<std::string> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--partial") {
      options.allow_partial = true;
    } else if (a == "--head") {
      if (i + 1 >= args.size()) return usageError(err, "--head needs a hash");
      options.expect_hash = std::string(args[++i]);
      if (!isSha256Hex(options.expect_hash)) {
        return usageError(err, "--head needs 64 lowercase hex characters");
      }
    } else if (a.starts_with("-") && a != "-") {
      return usageError(err, "unknown option '" + std::string(a.substr(0, 64)) + "'");
    } else {
      paths.emplace_back(a);
    }
  }
  if (paths.empty()) paths.emplace_back(kDefaultLogDir);
  auto results = verifyPaths(paths, options);
  if (!results) {
    err << "rempart: log verify: " << results.error().message() << "\n";
    return 1;
  }
  int rc = 0;
  for (const auto& [chain, result] : *results) {
    const auto& s = result.summary;
    if (result.issue) {
      err << result.issue->format() << "\n"
          << chain << ": FAILED after " << s.records << " good records\n";
      rc = 1;
      continue;
    }
    out << chain << ": OK, " << s.records << " records, seq " << s.first_seq << ".." << s.last_seq
        << ", last hash " << s.last_hash << "\n";
    if (s.first_prev != kGenesisPrev) {
      out << chain << ": starts at seq " << s.first_seq << " chained to " << s.first_prev
          << " (not checked here: compare with the last hash of the earlier part)\n";
    }
  }
  return rc;
}

}  // namespace

int runLogCommand(const std::vector<std::string_view>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return usageError(err, "which log command?");
  if (args[0] == "verify") return verify({args.begin() + 1, args.end()}, out, err);
  if (args[0] == "help" || args[0] == "--help") {
    out << kLogUsage;
    return 0;
  }
  return usageError(err, "unknown log command '" + std::string(args[0].substr(0, 64)) + "'");
}

}  // namespace rempart::gateway::audit
