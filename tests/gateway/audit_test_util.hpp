// Helpers shared by the audit tests: a scratch directory, a fixed clock and line-level file
// surgery (the tamper tests edit logs the way an attacker with write access would).
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/audit/chain_log.hpp"

namespace audit_test {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rempart-audit-test.XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// A clock that starts at 2026-12-04T10:00:00Z and advances 1.5 s per reading.
inline std::function<std::chrono::system_clock::time_point()> steppingClock() {
  auto t = std::make_shared<std::chrono::system_clock::time_point>(
      std::chrono::system_clock::time_point(std::chrono::seconds(1796378400)));
  return [t] {
    *t += std::chrono::milliseconds(1500);
    return *t;
  };
}

inline std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeAll(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

inline std::vector<std::string> lines(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(readAll(p));
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

inline void writeLines(const fs::path& p, const std::vector<std::string>& ls) {
  std::string s;
  for (const auto& l : ls) s += l + "\n";
  writeAll(p, s);
}

inline rempart::gateway::audit::ChainLogOptions options(const fs::path& dir,
                                                        uint64_t rotate = 8 << 20) {
  rempart::gateway::audit::ChainLogOptions o;
  o.dir = dir;
  o.name = "connections";
  o.rotate_bytes = rotate;
  o.clock = steppingClock();
  return o;
}

inline rempart::gateway::audit::JsonObject event(const std::string& name, int n) {
  rempart::gateway::audit::JsonObject o;
  o.set("event", name).set("n", n).set("tunnel", "paris-lyon");
  return o;
}

// Writes log.start plus `count` records into dir and returns the (single) file.
inline fs::path writeLog(const fs::path& dir, int count) {
  auto log = rempart::gateway::audit::ChainLog::open(options(dir)).value();
  for (int i = 0; i < count; ++i) (void)log.append(event("test.event", i)).value();
  return log.currentFile();
}

}  // namespace audit_test
