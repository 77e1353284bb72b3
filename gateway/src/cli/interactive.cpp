// The interactive prompt over SSH: libedit for line editing, in-memory history and completion
// of the command words the caller's role may run (asked from rempartd with `help --words`).
// Each line is split by splitCommandLine and sent like a one-shot command; nothing reaches a
// shell. `exit`, `quit` or end of input leave.
#include <editline/readline.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>

#include "gateway/cli_client.hpp"
#include "gateway/command_line.hpp"
#include "ssh_session.hpp"

namespace rempart::cli {

namespace {

std::vector<std::vector<std::string>> g_commands;  // libedit's callbacks take no user data
std::vector<std::string> g_names;                  // what may follow a complete command
std::vector<std::string> g_matches;

// Fills g_commands and g_names from `help --words`: command lines, then "+ NAME" lines.
void fetchCompletions(const std::filesystem::path& socket, const gateway::ControlContext& context) {
  gateway::ControlRequest request{{"help", "--words"}, "", context};
  auto& out = g_commands;
  out = {{"exit"}, {"quit"}};
  auto response = gateway::callDaemon(socket, request, STDOUT_FILENO);
  if (!response || response->exit_status != 0) return;
  std::istringstream in(response->out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("+ ")) {
      g_names.push_back(line.substr(2));
      continue;
    }
    auto words = gateway::splitCommandLine(line);
    if (words && !words->empty()) out.push_back(std::move(*words));
  }
}

char* nextMatch(const char* text, int state) {
  if (state == 0) {
    g_matches.clear();
    // The words before the one being completed must match a command's first words.
    std::string before(rl_line_buffer, static_cast<size_t>(rl_point) - std::strlen(text));
    auto typed = gateway::splitCommandLine(before);
    if (!typed) return nullptr;
    auto add = [&](const std::string& w) {
      if (w.starts_with(text) &&
          std::find(g_matches.begin(), g_matches.end(), w) == g_matches.end())
        g_matches.push_back(w);
    };
    bool complete_command = false;
    for (const auto& cmd : g_commands) {
      if (cmd.size() > typed->size()) {
        if (std::equal(typed->begin(), typed->end(), cmd.begin())) add(cmd[typed->size()]);
      } else if (std::equal(cmd.begin(), cmd.end(), typed->begin())) {
        complete_command = true;
      }
    }
    // After a whole command: its arguments, from the names rempartd gave.
    if (complete_command)
      for (const auto& n : g_names) add(n);
  }
  if (static_cast<size_t>(state) >= g_matches.size()) return nullptr;
  return strdup(g_matches[static_cast<size_t>(state)].c_str());
}

char** complete(const char* text, int, int) {
  rl_attempted_completion_over = 1;  // never fall back to file name completion
  return rl_completion_matches(text, nextMatch);
}

std::string promptText() {
  std::string user = "?";
  if (passwd* pw = ::getpwuid(::getuid())) user = pw->pw_name;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "gateway");
  return user + "@" + host + "> ";
}

}  // namespace

int runInteractive(const std::filesystem::path& socket) {
  auto context = sshContext("interactive");
  fetchCompletions(socket, context);
  rl_attempted_completion_function = complete;
  rl_completion_entry_function = nextMatch;
  using_history();
  stifle_history(500);
  const std::string prompt = promptText();
  std::cout << "Rempart gateway. Type 'help' for your commands, 'exit' to leave.\n" << std::flush;
  int status = 0;
  for (;;) {
    std::unique_ptr<char, decltype(&std::free)> line(readline(prompt.c_str()), &std::free);
    if (!line) break;
    std::string text = line.get();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    add_history(text.c_str());
    auto words = gateway::splitCommandLine(text);
    if (!words) {
      status = sendCommand(socket, {}, context, false, words.error().message());
      continue;
    }
    if (words->size() == 1 && ((*words)[0] == "exit" || (*words)[0] == "quit")) break;
    if (readsStdin(*words)) {
      status = sendCommand(socket, {}, context, false,
                           "'" + (*words)[0] + " " + (*words)[1] +
                               "' reads standard input: run it as a one-shot command, "
                               "e.g. ssh USER@GATEWAY " +
                               (*words)[0] + " " + (*words)[1] + " < FILE");
      continue;
    }
    status = sendCommand(socket, *words, context, false);
  }
  std::cout << "\n" << std::flush;
  return status;
}

}  // namespace rempart::cli
