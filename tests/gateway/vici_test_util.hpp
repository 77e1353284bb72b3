// Helpers shared by the VICI tests: a temporary directory and running an io_context until
// a condition holds (bounded, so a broken client fails the test instead of hanging it).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace rempart::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `io` until `done()` or `limit` passes; returns done().
bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done,
              std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace rempart::test
