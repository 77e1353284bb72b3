// The CLI as sshd's ForceCommand (`rempart --ssh --socket PATH`): with SSH_ORIGINAL_COMMAND set
// it runs that one command (split into words by splitCommandLine, never by a shell); without it
// it gives the interactive prompt. Every request carries the SSH context (client address and
// port, key fingerprint, session kind) for rempartd's admin trail. The CLI holds no privilege;
// rempartd authorizes each request by uid.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "gateway/control_protocol.hpp"

namespace rempart::cli {

// ssh_client, ssh_key and session, from sshd's environment and ExposeAuthInfo file.
gateway::ControlContext sshContext(std::string_view session);

// Sends `words` (with stdin when the command reads it) and prints the answer; returns its exit
// status. `refusal`, when not empty, asks rempartd to refuse and record the attempt instead.
int sendCommand(const std::filesystem::path& socket, const std::vector<std::string>& words,
                const gateway::ControlContext& context, bool read_stdin,
                const std::string& refusal = "");

// All of standard input (a file, a pipe or a terminal) up to `cap` bytes; more is kLimit.
[[nodiscard]] Result<std::string> readStdin(size_t cap);

// True for commands whose input comes from standard input.
bool readsStdin(const std::vector<std::string>& words);

int runSshSession(const std::filesystem::path& socket);
int runInteractive(const std::filesystem::path& socket);

}  // namespace rempart::cli
