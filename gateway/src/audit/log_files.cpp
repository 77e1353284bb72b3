#include "gateway/audit/log_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.hpp"
#include "gateway/audit/chain_format.hpp"

namespace rempart::gateway::audit {

namespace fs = std::filesystem;

Result<std::map<std::string, std::vector<fs::path>>> listLogFiles(const fs::path& dir) {
  std::map<std::string, std::map<uint64_t, fs::path>> by_name;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    const size_t dash = file.rfind('-');
    if (dash == std::string::npos || dash == 0) continue;
    const std::string name = file.substr(0, dash);
    if (auto seq = parseLogFileName(name, file)) by_name[name][*seq] = entry.path();
  }
  if (ec) return failErrno(ec.value(), "listing " + dir.string());
  std::map<std::string, std::vector<fs::path>> out;
  for (auto& [name, files] : by_name) {
    for (auto& [seq, path] : files) out[name].push_back(path);
  }
  if (out.empty()) return fail(ErrorCode::kNotFound, dir.string() + " holds no audit log files");
  return out;
}

namespace {

Result<void> copyAll(int in, int out, const fs::path& what) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failErrno("reading " + what.string());
    }
    if (n == 0) return {};
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return failErrno("writing the export of " + what.string());
      }
      done += w;
    }
  }
}

}  // namespace

Result<void> exportLog(const fs::path& dir, std::string_view name, int out_fd) {
  auto logs = TRY(listLogFiles(dir));
  auto it = logs.find(std::string(name));
  if (it == logs.end()) {
    return fail(ErrorCode::kNotFound,
                "no audit log '" + std::string(name) + "' in " + dir.string());
  }
  for (const auto& path : it->second) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return failErrno("opening " + path.string());
    TRY(copyAll(fd.get(), out_fd, path));
  }
  return {};
}

}  // namespace rempart::gateway::audit
