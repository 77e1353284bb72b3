// Who may do what. rempartd maps the uid of each control-socket peer to a role using the
// config's `roles` (user names resolved through the passwd database) and checks every command
// against that role. uid 0 (a local root shell, which the appliance does not offer remotely) is
// treated as admin. The CLI's own checks are only for friendliness; this is the boundary.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>

#include "common/config/model.hpp"

namespace rempart::gateway {

struct Caller {
  uid_t uid = 0;
  std::string user;                  // from the passwd database, or "uid:<n>"
  std::optional<config::Role> role;  // nullopt: no role, every command is refused
};

class RoleMap {
 public:
  // Resolves each configured user name to its uid. Names that do not exist are skipped (they
  // cannot connect anyway).
  static RoleMap fromConfig(const config::RoleUsers& roles);

  Caller identify(uid_t uid) const;

 private:
  std::map<uid_t, std::pair<std::string, config::Role>> by_uid_;
};

}  // namespace rempart::gateway
