#include "gateway/named_netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace rempart::gateway {

bool isNamedNetns(const std::filesystem::path& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 &&
         fs.f_type == static_cast<decltype(fs.f_type)>(NSFS_MAGIC);
}

Result<UniqueFd> ensureNamedNetns(const std::filesystem::path& path) {
  if (!isNamedNetns(path)) {
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!file) return failErrno("creating " + path.string());
    file.reset();
    // unshare(CLONE_NEWNET) affects only the calling thread, so a throwaway thread creates the
    // namespace and pins it with a bind mount; no other thread ever changes namespace.
    int err = 0;
    std::thread([&] {
      if (::unshare(CLONE_NEWNET) != 0) {
        err = errno;
        return;
      }
      std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
      if (::mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) err = errno;
    }).join();
    if (err != 0) {
      ::unlink(path.c_str());
      return failErrno(err, "creating network namespace " + path.string());
    }
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return failErrno("opening network namespace " + path.string());
  return fd;
}

Result<void> removeNamedNetns(const std::filesystem::path& path) {
  if (isNamedNetns(path) && ::umount2(path.c_str(), MNT_DETACH) != 0) {
    return failErrno("unmounting network namespace " + path.string());
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failErrno("removing " + path.string());
  return {};
}

}  // namespace rempart::gateway
