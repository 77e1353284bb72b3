#include "common/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <thread>

namespace rempart {

Result<UniqueFd> openNetns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failErrno("opening network namespace " + path);
  return UniqueFd(fd);
}

Result<UniqueFd> socketInNetns(int netns_fd, int domain, int type, int protocol) {
  if (netns_fd < 0) {
    int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) return failErrno("creating socket");
    return UniqueFd(fd);
  }
  // setns() changes only the calling thread; a throwaway thread keeps every caller thread in
  // its own namespace whatever happens.
  int fd = -1;
  int err = 0;
  bool setns_failed = false;
  std::thread worker([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      err = errno;
      setns_failed = true;
      return;
    }
    fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) err = errno;
  });
  worker.join();
  if (setns_failed) return failErrno(err, "entering network namespace");
  if (fd < 0) return failErrno(err, "creating socket in network namespace");
  return UniqueFd(fd);
}

}  // namespace rempart
