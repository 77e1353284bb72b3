#include "ssh_session.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "common/atomic_file.hpp"
#include "gateway/cli_client.hpp"
#include "gateway/command_line.hpp"
#include "gateway/ssh_public_key.hpp"

namespace rempart::cli {

namespace {

// Printable ASCII only, capped: the trail's context values must be printable.
std::string printable(std::string_view s, size_t cap) {
  std::string out;
  for (char c : s.substr(0, cap)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

std::string keyFingerprint() {
  const char* path = std::getenv("SSH_USER_AUTH");
  if (!path || !*path) return "";
  auto text = readFile(path, 64 * 1024);
  if (!text) return "";
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) end = text->size();
    if (auto fp = gateway::fingerprintFromAuthInfo(std::string_view(*text).substr(pos, end - pos)))
      return *fp;
    pos = end + 1;
  }
  return "";
}

}  // namespace

gateway::ControlContext sshContext(std::string_view session) {
  gateway::ControlContext ctx;
  if (const char* c = std::getenv("SSH_CONNECTION")) {
    std::string_view s = c;
    // "client_addr client_port server_addr server_port": keep the client's part.
    auto first = s.find(' ');
    auto second = first == std::string_view::npos ? first : s.find(' ', first + 1);
    ctx.emplace_back("ssh_client", printable(s.substr(0, second), 128));
  }
  if (auto fp = keyFingerprint(); !fp.empty()) ctx.emplace_back("ssh_key", fp);
  ctx.emplace_back("session", std::string(session));
  return ctx;
}

Result<std::string> readStdin(size_t cap) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failErrno("reading standard input");
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > cap) {
      return fail(ErrorCode::kLimit,
                  "standard input exceeds the limit of " + std::to_string(cap) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

bool readsStdin(const std::vector<std::string>& words) {
  auto is = [&](std::string_view a, std::string_view b) {
    return words.size() >= 2 && words[0] == a && words[1] == b;
  };
  return is("config", "load") || is("keys", "import-psk") || is("keys", "import-cert") ||
         is("users", "add-key");
}

int sendCommand(const std::filesystem::path& socket, const std::vector<std::string>& words,
                const gateway::ControlContext& context, bool read_stdin,
                const std::string& refusal) {
  gateway::ControlRequest request;
  request.context = context;
  if (!refusal.empty()) {
    request.context.emplace_back("refused", printable(refusal, gateway::kMaxContextValueBytes));
  } else {
    request.words = words;
  }
  if (refusal.empty() && read_stdin) {
    auto input = readStdin(gateway::kMaxRequestBytes / 2);
    if (!input) {
      request.context.emplace_back(
          "refused", "reading standard input: " + printable(input.error().message(), 512));
    } else {
      request.input = std::move(*input);
    }
  }
  auto response = gateway::callDaemon(socket, request, STDOUT_FILENO);
  if (!response) {
    std::cerr << "rempart: " << response.error().message() << "\n";
    return 1;
  }
  std::cout << response->out << std::flush;
  std::cerr << response->err << std::flush;
  return response->exit_status;
}

int runSshSession(const std::filesystem::path& socket) {
  const char* original = std::getenv("SSH_ORIGINAL_COMMAND");
  if (!original) return runInteractive(socket);
  auto context = sshContext("one-shot");
  auto words = gateway::splitCommandLine(original);
  if (!words) return sendCommand(socket, {}, context, false, words.error().message());
  return sendCommand(socket, *words, context, readsStdin(*words));
}

}  // namespace rempart::cli
