#include "gateway/roles.hpp"

#include <pwd.h>

#include <vector>

namespace rempart::gateway {

namespace {

std::optional<uid_t> lookupUid(const std::string& name) {
  passwd pw{};
  passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || !result) {
    return std::nullopt;
  }
  return pw.pw_uid;
}

std::string lookupName(uid_t uid) {
  passwd pw{};
  passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) != 0 || !result) {
    return "uid:" + std::to_string(uid);
  }
  return pw.pw_name;
}

}  // namespace

RoleMap RoleMap::fromConfig(const config::RoleUsers& roles) {
  RoleMap m;
  auto add = [&](const std::vector<std::string>& users, config::Role role) {
    for (const auto& u : users) {
      if (auto uid = lookupUid(u); uid && *uid != 0) m.by_uid_[*uid] = {u, role};
    }
  };
  add(roles.admin, config::Role::kAdmin);
  add(roles.audit, config::Role::kAudit);
  add(roles.update, config::Role::kUpdate);
  return m;
}

Caller RoleMap::identify(uid_t uid) const {
  if (uid == 0) return Caller{0, "root", config::Role::kAdmin};
  if (auto it = by_uid_.find(uid); it != by_uid_.end()) {
    return Caller{uid, it->second.first, it->second.second};
  }
  return Caller{uid, lookupName(uid), std::nullopt};
}

}  // namespace rempart::gateway
