// `rempart`: the operator's CLI. `validate` runs locally; every other command is forwarded as
// words (never through a shell) to rempartd over its control socket, which authorizes it by the
// caller's uid. The CLI holds no privilege of its own.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/config/parse.hpp"
#include "firewall/compiler.hpp"
#include "firewall/nft_backend.hpp"
#include "gateway/audit/log_command.hpp"
#include "gateway/cli_client.hpp"
#include "gateway/command_line.hpp"
#include "gateway/config_summary.hpp"
#include "ssh_session.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: rempart validate [--summary] [--kernel] FILE...\n"
    "       rempart [--socket PATH] COMMAND...   (run 'rempart help' for the commands of your "
    "role)\n"
    "       rempart --ssh [--socket PATH]   (sshd's ForceCommand: SSH_ORIGINAL_COMMAND or a "
    "prompt)\n"
    "       rempart -c 'PATH/rempart ARGS...'   (as a login shell: sshd runs the ForceCommand "
    "so)\n"
    "  Checks each configuration file and prints every problem as FILE:LINE:COL: path: message.\n"
    "  --kernel also submits the compiled firewall to this kernel as a dry run (needs root).\n"
    "  Exits 0 when all files are valid, 1 when one is not, 2 on a usage error.\n"
    "       rempart log verify [--partial] [--head HASH] FILE...|DIR|-\n"
    "  Checks the hash chain of audit logs offline (see `rempart log help`). Without FILE,\n"
    "  rempartd checks the device's logs; `rempart log export [connections|admin]` prints a\n"
    "  log's raw chained lines from the device.\n";

int usageError(std::string_view what) {
  std::cerr << "rempart: " << what << "\n" << kUsage;
  return 2;
}

// Compiles every namespace's firewall and submits each to this machine's nf_tables as a dry
// run (a batch without its end: validated, never committed). Needs CAP_NET_ADMIN.
bool checkFirewallAgainstKernel(const rempart::config::Config& config, const std::string& file) {
  namespace fw = rempart::firewall;
  auto topology = fw::defaultTopology(config);
  std::vector<std::pair<std::string, rempart::Result<fw::Ruleset>>> rulesets;
  rulesets.emplace_back("core", fw::compileCore(config, topology));
  for (size_t i = 0; i < config.levels.size(); ++i)
    rulesets.emplace_back("level " + config.levels[i].name, fw::compileLevel(config, topology, i));
  auto backend = fw::NftBackend::create();
  if (!backend) {
    std::cerr << file << ": cannot reach nf_tables: " << backend.error().message() << "\n";
    return false;
  }
  bool ok = true;
  for (auto& [where, ruleset] : rulesets) {
    auto r = ruleset ? backend->apply(*ruleset, fw::ApplyOptions{true, 5, {}})
                     : rempart::Result<fw::ApplyReport>(
                           rempart::unexpected<rempart::Error>(ruleset.error()));
    if (!r) {
      std::cerr << file << ": " << where << " firewall: " << r.error().message() << "\n";
      ok = false;
    }
  }
  if (ok) std::cout << file << ": firewall accepted by the kernel (dry run)\n";
  return ok;
}

int validate(const std::vector<std::string_view>& args) {
  bool summary = false;
  bool kernel = false;
  std::vector<std::string> files;
  for (auto a : args) {
    if (a == "--kernel")
      kernel = true;
    else if (a == "--summary")
      summary = true;
    else if (a.starts_with("-") && a != "-")
      return usageError("unknown option '" + std::string(a) + "'");
    else
      files.emplace_back(a);
  }
  if (files.empty()) return usageError("validate needs at least one FILE");
  int rc = 0;
  for (const auto& file : files) {
    auto text =
        rempart::readFile(file == "-" ? "/dev/stdin" : file, rempart::config::kMaxConfigBytes);
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
    if (kernel && !checkFirewallAgainstKernel(*model, file)) rc = 1;
  }
  return rc;
}

// `log verify FILE...|DIR|-` and `log help` run here, offline, on any machine. `log export` and
// a bare `log verify [--partial] [--head HASH]` (the device's own logs) go to rempartd.
bool runsOffline(const std::vector<std::string_view>& log_args) {
  if (log_args.empty() || log_args[0] != "verify")
    return log_args.empty() || log_args[0] != "export";
  for (size_t i = 1; i < log_args.size(); ++i) {
    if (log_args[i] == "--head") {
      ++i;
      continue;
    }
    if (log_args[i] != "--partial") return true;  // a FILE, DIR, - or a bad option
  }
  return false;
}

// `config commit|rollback ... --confirm MINUTES`: rempartd holds the answer (see forward()).
bool armsConfirm(const std::vector<std::string_view>& words) {
  if (words.size() < 2 || words[0] != "config" || (words[1] != "commit" && words[1] != "rollback"))
    return false;
  return std::find(words.begin(), words.end(), "--confirm") != words.end();
}

int forward(const std::filesystem::path& socket, const std::vector<std::string_view>& words) {
  rempart::gateway::ControlRequest request;
  for (auto w : words) request.words.emplace_back(w);
  if (rempart::cli::readsStdin(request.words)) {
    auto input = rempart::cli::readStdin(rempart::gateway::kMaxRequestBytes / 2);
    if (!input) {
      std::cerr << "rempart: " << input.error().message() << "\n";
      return 1;
    }
    request.input = std::move(*input);
  }
  if (armsConfirm(words)) {
    // The answer comes only once the commit is confirmed or rolled back; callDaemon has no
    // read timeout, and this process must stay alive: if it ends, rempartd rolls back.
    std::cerr << "rempart: this command waits until 'config confirm' is run from another "
                 "session; the change is rolled back when the time is up or if this session "
                 "ends\n"
              << std::flush;
  }
  auto response = rempart::gateway::callDaemon(socket, request, STDOUT_FILENO);
  if (!response) {
    std::cerr << "rempart: " << response.error().message() << "\n";
    return 1;
  }
  std::cout << response->out << std::flush;
  std::cerr << response->err << std::flush;
  return response->exit_status;
}

int run(std::vector<std::string_view> args);

// `rempart -c STRING`: the CLI is the role users' login shell, and sshd runs the ForceCommand
// through it as `SHELL -c "<ForceCommand>"`. STRING comes from sshd's fixed ForceCommand, never
// from the user (whose command is in SSH_ORIGINAL_COMMAND): it is split without a shell and run
// only if it is this CLI (a path whose file name is `rempart`) with its own arguments.
int runLoginShellCommand(const std::vector<std::string_view>& args) {
  if (args.size() != 1) return usageError("-c takes exactly one command string");
  auto words = rempart::gateway::splitCommandLine(args[0]);
  if (!words) {
    std::cerr << "rempart: -c: " << words.error().message() << "\n";
    return 2;
  }
  if (words->empty() || std::filesystem::path(words->front()).filename() != "rempart") {
    std::cerr << "rempart: -c: refused: this account has no shell; only the rempart CLI runs "
                 "here\n";
    return 2;
  }
  return run({words->begin() + 1, words->end()});
}

int run(std::vector<std::string_view> args) {
  if (args.empty()) return usageError("no command given");
  if (args[0] == "-c") return runLoginShellCommand({args.begin() + 1, args.end()});
  if (args[0] == "validate") return validate({args.begin() + 1, args.end()});
  if (args[0] == "--help") {
    std::cout << kUsage;
    return 0;
  }
  std::filesystem::path socket = rempart::gateway::kDefaultControlSocket;
  if (args[0] == "--ssh") {
    // Run by sshd: only the options of the ForceCommand line count; the environment's
    // REMPART_CONTROL_SOCKET is ignored (sshd passes no user environment anyway).
    if (args.size() == 3 && args[1] == "--socket")
      socket = std::string(args[2]);
    else if (args.size() != 1)
      return usageError("--ssh takes only --socket PATH");
    return rempart::cli::runSshSession(socket);
  }
  if (const char* env = std::getenv("REMPART_CONTROL_SOCKET")) socket = env;
  if (args[0] == "--socket") {
    if (args.size() < 3) return usageError("--socket needs a PATH and a command");
    socket = std::string(args[1]);
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args[0] == "log" && runsOffline({args.begin() + 1, args.end()})) {
    return rempart::gateway::audit::runLogCommand({args.begin() + 1, args.end()}, std::cout,
                                                  std::cerr);
  }
  return forward(socket, args);
}

}  // namespace

int main(int argc, char** argv) {
  return run({argv + 1, argv + argc});
}
