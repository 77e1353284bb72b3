// pidfd system calls. glibc 2.36's <sys/pidfd.h> lacks extern "C", so C++ cannot link its
// wrappers; these call the kernel directly.
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace rempart::gateway::charon {

inline int pidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

inline int pidfdSignal(int pidfd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace rempart::gateway::charon
