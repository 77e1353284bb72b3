#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.hpp"

namespace rempart {

namespace {

Result<void> writeAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failErrno("writing " + what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Result<void> writeFileAtomic(const std::filesystem::path& path, std::string_view content,
                             mode_t mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd) return failErrno("creating a temporary file for " + path.string());

  auto cleanup_on_error = [&](Error e) -> Result<void> {
    ::unlink(tmpl.c_str());
    return unexpected<Error>(std::move(e));
  };
  if (::fchmod(fd.get(), mode) != 0) return cleanup_on_error(failErrno("chmod " + tmpl).value());
  if (auto r = writeAll(fd.get(), content, tmpl); !r) return cleanup_on_error(r.error());
  if (::fsync(fd.get()) != 0) return cleanup_on_error(failErrno("fsync " + tmpl).value());
  fd.reset();
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    return cleanup_on_error(failErrno("renaming " + tmpl + " to " + path.string()).value());
  }
  UniqueFd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd) return failErrno("opening directory " + dir.string());
  if (::fsync(dirfd.get()) != 0) return failErrno("fsync directory " + dir.string());
  return {};
}

Result<std::string> readFile(const std::filesystem::path& path, size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return failErrno("opening " + path.string());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return failErrno("stat " + path.string());
  if (!S_ISREG(st.st_mode))
    return fail(ErrorCode::kInvalidInput, path.string() + " is not a regular file");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failErrno("reading " + path.string());
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return fail(ErrorCode::kLimit,
                  path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<void> makeDirectory(const std::filesystem::path& p, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(p, ec);
  if (ec) return failErrno(ec.value(), "creating " + p.string());
  if (::chmod(p.c_str(), mode) != 0) return failErrno("chmod " + p.string());
  return {};
}

}  // namespace rempart
