// Network-namespace plumbing shared by the netlink users (firewall, netconfig): open a namespace
// by path, and create a socket that lives in a given namespace without moving the caller.
// A socket keeps the namespace it was created in, so the returned fd may be used from any thread.
#pragma once

#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace rempart {

// Opens a namespace file (e.g. /run/netns/NAME or /proc/PID/ns/net) O_RDONLY|O_CLOEXEC.
Result<UniqueFd> openNetns(const std::string& path);

// Creates socket(domain, type | SOCK_CLOEXEC, protocol) inside the network namespace `netns_fd`
// (an fd from openNetns), on a short-lived thread that setns()es, so that no caller thread ever
// changes namespace. netns_fd < 0 means the caller's own namespace. Safe from any thread.
Result<UniqueFd> socketInNetns(int netns_fd, int domain, int type, int protocol);

}  // namespace rempart
