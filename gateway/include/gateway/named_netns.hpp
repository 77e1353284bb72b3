// Named network namespaces as files: a namespace is kept alive by bind-mounting its nsfs inode
// onto a file (iproute2's /run/netns convention, but under rempartd's own runtime directory so
// that two gateways never share names). Creating one never changes the caller's namespace.
#pragma once

#include <filesystem>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace rempart::gateway {

// Ensures `path` names a network namespace: adopts an existing one (a bind-mounted nsfs file),
// or creates a fresh namespace on a short-lived thread and bind-mounts it there. Returns an
// O_CLOEXEC fd of the namespace.
[[nodiscard]] Result<UniqueFd> ensureNamedNetns(const std::filesystem::path& path);

// Detaches the bind mount and removes the file. The namespace dies once nothing else (a
// process, a socket, an fd) holds it: its veths go with it, physical interfaces return to the
// initial namespace. Missing files are fine.
[[nodiscard]] Result<void> removeNamedNetns(const std::filesystem::path& path);

// True when `path` is a bind-mounted network namespace.
bool isNamedNetns(const std::filesystem::path& path);

}  // namespace rempart::gateway
