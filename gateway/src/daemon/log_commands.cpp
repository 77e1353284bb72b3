// The auditor's commands (audit and admin roles; none changes anything):
//   show log connections|admin [--since T] [--until T] [--level L] [--tunnel T] [--peer P]
//                              [--json|--csv]   table, JSON Lines of the stored records, or CSV
//   log export [connections|admin]   the raw hash-chained lines, exactly as stored
//   log verify [--partial] [--head HASH]   the verifier on the device's logs
#include <sstream>

#include "command_args.hpp"
#include "common/atomic_file.hpp"
#include "daemon.hpp"
#include "gateway/audit/log_command.hpp"
#include "gateway/audit/log_files.hpp"
#include "gateway/audit/log_query.hpp"

namespace rempart::gateway {

namespace {

// Leaves room for the framing in the response.
constexpr size_t kMaxOutputBytes = kMaxResponseBytes - 4096;

// The stored bytes of log `name`, files concatenated in chain order; "" when the log does not
// exist yet (the admin trail before its first record).
Result<std::string> readLog(const std::filesystem::path& dir, const std::string& name) {
  auto logs = audit::listLogFiles(dir);
  if (!logs) {
    if (logs.error().code == ErrorCode::kNotFound) return std::string();
    return unexpected<Error>(logs.error());
  }
  auto it = logs->find(name);
  if (it == logs->end()) return std::string();
  std::string all;
  for (const auto& path : it->second) {
    all += TRY(readFile(path, kMaxOutputBytes));
    if (all.size() > kMaxOutputBytes)
      return fail(ErrorCode::kLimit, "the " + name + " log is larger than " +
                                         std::to_string(kMaxOutputBytes >> 20) +
                                         " MiB; narrow it with --since/--until");
  }
  return all;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // a record being written: not yet complete
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool knownLog(const std::string& name) {
  return name == "connections" || name == "admin";
}

}  // namespace

void Daemon::registerLogCommands() {
  using config::Role;
  const std::vector<Role> readers = {Role::kAudit, Role::kAdmin};
  const auto dir = options_.paths.state_dir / "log";

  for (const std::string name : {"connections", "admin"}) {
    commands_.add(
        {{"show", "log", name},
         name == "connections"
             ? "show the connection log (--since --until --level --tunnel --peer --json --csv)"
             : "show the admin trail (--since --until --level --tunnel --peer --json --csv)",
         readers,
         [this, dir, name](const CommandContext& c) {
           auto query = audit::parseLogQuery(c.args, c.json, std::chrono::system_clock::now());
           if (!query) return usageError("show log " + name + ": " + query.error().message());
           if (!query->level.empty() && !levelIndex(query->level))
             return usageError("show log " + name + ": unknown level '" + shownWord(query->level) +
                               "'");
           auto text = readLog(dir, name);
           if (!text) return failure(text.error().message());
           auto out = audit::formatLog(splitLines(*text), *query);
           if (out.size() > kMaxOutputBytes)
             return failure("the selection is too large; narrow it with --since/--until");
           return ControlResponse{0, std::move(out), ""};
         }});
  }

  commands_.add(
      {{"log", "export"},
       "print a log's raw hash-chained lines, for 'rempart log verify -' offline",
       readers,
       [dir](const CommandContext& c) {
         auto args = parseArgs(c.args, {}, {}, 0, 1, "log export [connections|admin]");
         if (!args) return usageError(args.error().message());
         if (c.json) return usageError("log export prints JSON Lines already; drop --json");
         const std::string name = args->positional.empty() ? "connections" : args->positional[0];
         if (!knownLog(name))
           return usageError("unknown log '" + shownWord(name) + "' (connections or admin)");
         auto text = readLog(dir, name);
         if (!text) return failure(text.error().message());
         if (text->empty()) return failure("the " + name + " log has no records yet");
         return ControlResponse{0, std::move(*text), ""};
       }});

  commands_.add({{"log", "verify"},
                 "verify the hash chains of the logs on the device",
                 readers,
                 [dir](const CommandContext& c) {
                   auto args = parseArgs(c.args, {"--head"}, {"--partial"}, 0, 0,
                                         "log verify [--partial] [--head HASH]");
                   if (!args) return usageError(args.error().message());
                   // Only the device's own log directory: never a path from the caller.
                   std::vector<std::string> words = {"verify"};
                   if (args->has("--partial")) words.push_back("--partial");
                   if (args->has("--head")) {
                     words.push_back("--head");
                     words.push_back(args->value("--head"));
                   }
                   words.push_back(dir.string());
                   std::vector<std::string_view> views(words.begin(), words.end());
                   std::ostringstream out, err;
                   int rc = audit::runLogCommand(views, out, err);
                   return ControlResponse{rc, out.str(), err.str()};
                 }});
}

}  // namespace rempart::gateway
