// `users add-key`, `users remove-key`, `users list`: the SSH public keys of the role users.
// Keys live in <state>/ssh/authorized_keys/<user>, one "restrict,pty <type> <key> [comment]"
// line each, root-owned and world-readable (sshd reads them as the user), written atomically.
#include <cstdio>
#include <sstream>

#include "command_args.hpp"
#include "common/atomic_file.hpp"
#include "daemon.hpp"
#include "gateway/ssh_public_key.hpp"
#include "gateway/sshd.hpp"

namespace rempart::gateway {

namespace {

constexpr size_t kMaxKeysPerUser = 32;
constexpr std::string_view kPrefix = "restrict,pty ";

const std::vector<std::string>* usersOf(const config::RoleUsers& roles, std::string_view role) {
  if (role == "admin") return &roles.admin;
  if (role == "audit") return &roles.audit;
  if (role == "update") return &roles.update;
  return nullptr;
}

// The keys in one user's file; lines that do not parse are skipped (they came from elsewhere).
std::vector<SshPublicKey> readKeys(const std::filesystem::path& file) {
  std::vector<SshPublicKey> keys;
  auto text = readFile(file, kMaxKeysPerUser * (kMaxPublicKeyLineBytes + 16));
  if (!text) return keys;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = line;
    if (l.starts_with(kPrefix)) l.remove_prefix(kPrefix.size());
    if (auto k = parsePublicKeyLine(l)) keys.push_back(std::move(*k));
  }
  return keys;
}

Result<void> writeKeys(const std::filesystem::path& file, const std::vector<SshPublicKey>& keys) {
  std::string text;
  for (const auto& k : keys) text += k.authorizedKeysLine() + "\n";
  return writeFileAtomic(file, text, 0644);
}

}  // namespace

std::filesystem::path Daemon::authorizedKeysDir() const {
  return options_.paths.state_dir / "ssh" / "authorized_keys";
}

void Daemon::registerUserCommands() {
  using config::Role;
  commands_.add(
      {{"users", "add-key"},
       "add the SSH public key on stdin for ROLE's user (or USER of ROLE)",
       {Role::kAdmin},
       [this](const CommandContext& c) {
         if (c.args.empty() || c.args.size() > 2)
           return failure(kExitUsage, "usage: users add-key ROLE [USER] < key.pub");
         const auto* users = usersOf(config_->roles, c.args[0]);
         if (!users)
           return failure(kExitUsage, "unknown role '" + c.args[0] + "' (admin, audit, update)");
         if (users->empty())
           return failure(1, "role " + c.args[0] + " has no user in the configuration");
         std::string user = c.args.size() == 2 ? c.args[1] : users->front();
         if (std::find(users->begin(), users->end(), user) == users->end())
           return failure(1, "user '" + user + "' is not in role " + c.args[0]);
         if (!isPlainUserName(user)) return failure(1, "user '" + user + "' is not a plain name");
         auto key = parsePublicKeyLine(c.request.input);
         if (!key) return failure(1, "the key on stdin: " + key.error().message());
         auto file = authorizedKeysDir() / user;
         auto keys = readKeys(file);
         for (const auto& k : keys)
           if (k.fingerprint == key->fingerprint)
             return failure(1, "key " + key->fingerprint + " is already there for " + user);
         if (keys.size() >= kMaxKeysPerUser)
           return failure(1, user + " already has " + std::to_string(kMaxKeysPerUser) + " keys");
         keys.push_back(*key);
         if (auto r = writeKeys(file, keys); !r) return failure(1, r.error().message());
         ControlResponse out{0,
                             "added " + key->fingerprint + " (" + key->type + ") for " + user +
                                 " (" + c.args[0] + ")\n",
                             ""};
         out.audit_note = "added key " + key->fingerprint + " " + key->type + " '" + key->comment +
                          "' for " + user;
         return out;
       }});
  commands_.add(
      {{"users", "remove-key"},
       "remove the key with FINGERPRINT from ROLE's users",
       {Role::kAdmin},
       [this](const CommandContext& c) {
         if (c.args.size() != 2)
           return failure(kExitUsage, "usage: users remove-key ROLE FINGERPRINT");
         const auto* users = usersOf(config_->roles, c.args[0]);
         if (!users)
           return failure(kExitUsage, "unknown role '" + c.args[0] + "' (admin, audit, update)");
         std::string removed_from;
         for (const auto& user : *users) {
           if (!isPlainUserName(user)) continue;
           auto file = authorizedKeysDir() / user;
           auto keys = readKeys(file);
           auto n = keys.size();
           std::erase_if(keys, [&](const SshPublicKey& k) { return k.fingerprint == c.args[1]; });
           if (keys.size() == n) continue;
           if (auto r = writeKeys(file, keys); !r) return failure(1, r.error().message());
           removed_from += (removed_from.empty() ? "" : ", ") + user;
         }
         if (removed_from.empty())
           return failure(1, "no key " + c.args[1] + " for role " + c.args[0]);
         ControlResponse out{0, "removed " + c.args[1] + " from " + removed_from + "\n", ""};
         out.audit_note = "removed key " + c.args[1] + " from " + removed_from;
         return out;
       }});
  commands_.add({{"users", "list"},
                 "list the role users and the fingerprints of their SSH keys",
                 {Role::kAdmin},
                 [this](const CommandContext& c) {
                   std::ostringstream o;
                   char line[512];
                   if (!c.json) {
                     std::snprintf(line, sizeof line, "%-7s %-16s %-20s %-51s %s\n", "ROLE", "USER",
                                   "TYPE", "FINGERPRINT", "COMMENT");
                     o << line;
                   }
                   bool first = true;
                   if (c.json) o << "[";
                   for (std::string_view role : {"admin", "audit", "update"}) {
                     for (const auto& user : *usersOf(config_->roles, role)) {
                       auto keys = isPlainUserName(user) ? readKeys(authorizedKeysDir() / user)
                                                         : std::vector<SshPublicKey>{};
                       if (keys.empty()) keys.push_back(SshPublicKey{"-", "", "", "-", 0});
                       for (const auto& k : keys) {
                         if (c.json) {
                           audit::JsonObject j;
                           j.set("role", role).set("user", user).set("type", k.type);
                           j.set("fingerprint", k.fingerprint).set("comment", k.comment);
                           o << (first ? "" : ",") << j.toJson();
                         } else {
                           std::snprintf(line, sizeof line, "%-7s %-16s %-20s %-51s %s\n",
                                         std::string(role).c_str(), user.c_str(), k.type.c_str(),
                                         k.fingerprint.c_str(), k.comment.c_str());
                           o << line;
                         }
                         first = false;
                       }
                     }
                   }
                   if (c.json) o << "]\n";
                   return ControlResponse{0, o.str(), ""};
                 },
                 {},
                 0});
}

}  // namespace rempart::gateway
