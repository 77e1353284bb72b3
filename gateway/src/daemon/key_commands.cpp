// `keys generate|csr|import-cert|import-psk|list` (admin): the device keystore. Private keys are
// generated here and never printed; PSKs arrive on stdin and are never echoed or logged. After
// a change the level's charon gets the credentials again over VICI.
#include <algorithm>
#include <cstdio>
#include <variant>

#include "command_args.hpp"
#include "common/log.hpp"
#include "daemon.hpp"
#include "gateway/audit/json.hpp"
#include "gateway/keystore.hpp"

namespace rempart::gateway {

namespace {

constexpr char kGenerateUsage[] =
    "keys generate LEVEL NAME [--type ecdsa-p384|ed25519] [--replace]";
constexpr char kCsrUsage[] = "keys csr LEVEL NAME --subject \"CN=...[,O=...]\"";
constexpr char kImportCertUsage[] = "keys import-cert LEVEL NAME  (PEM certificate on stdin)";
constexpr char kImportPskUsage[] = "keys import-psk LEVEL NAME  (the secret on stdin)";
constexpr char kListUsage[] = "keys list [LEVEL] [--json]";

const char* declaredType(config::CredentialType t) {
  switch (t) {
    case config::CredentialType::kPsk:
      return "psk";
    case config::CredentialType::kPrivateKey:
      return "private_key";
    case config::CredentialType::kCertificate:
      return "certificate";
    case config::CredentialType::kCa:
      return "ca";
  }
  return "?";
}

std::string keysTable(const std::vector<KeystoreEntry>& entries) {
  std::vector<std::vector<std::string>> rows = {{"LEVEL", "NAME", "TYPE", "ALGORITHM", "DETAILS"}};
  for (const auto& e : entries) {
    std::string details = e.fingerprint;
    if (e.kind == "certificate")
      details = "subject " + e.subject + "; issuer " + e.issuer + "; not after " + e.not_after +
                (e.fingerprint.empty() ? "" : "; key " + e.fingerprint);
    rows.push_back({e.level, e.name, e.kind, e.algorithm.empty() ? "-" : e.algorithm,
                    details.empty() ? "-" : details});
  }
  std::vector<size_t> width(5, 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < 4; ++i) out += r[i] + std::string(width[i] - r[i].size() + 2, ' ');
    out += r[4] + "\n";
  }
  return out;
}

std::string keysJson(const std::vector<KeystoreEntry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    audit::JsonObject o;
    o.set("level", e.level).set("name", e.name).set("type", e.kind);
    o.setIfNonEmpty("algorithm", e.algorithm).setIfNonEmpty("fingerprint", e.fingerprint);
    o.setIfNonEmpty("subject", e.subject).setIfNonEmpty("issuer", e.issuer);
    o.setIfNonEmpty("not_after", e.not_after);
    out += (i ? "," : "") + o.toJson();
  }
  return out + "]\n";
}

}  // namespace

void Daemon::registerKeyCommands() {
  using config::Role;
  const std::vector<Role> admin = {Role::kAdmin};

  // LEVEL must be configured; NAME must be a valid credential name and, if the level declares
  // it, of the expected type. Returns the level index or a usage error.
  auto checkTarget = [this](const std::string& level, const std::string& name,
                            std::initializer_list<config::CredentialType> types)
      -> std::variant<size_t, ControlResponse> {
    auto index = levelIndex(level);
    if (!index) return usageError("unknown level '" + shownWord(level) + "'");
    if (auto p = credentialNameProblem(name); !p.empty()) return usageError("credential " + p);
    if (const auto* c = config_->levels[*index].findCredential(name)) {
      if (std::find(types.begin(), types.end(), c->type) == types.end())
        return usageError("credential '" + name + "' of level " + level + " is declared as " +
                          declaredType(c->type) + " in the configuration");
    }
    return *index;
  };

  // Pushes the level's credentials to its charon, then answers `ok` (or the push failure).
  auto pushThenReply = [this](size_t index, std::shared_ptr<PendingReply> reply,
                              ControlResponse ok) {
    if (index >= tunnels_.size()) {
      ok.out += "(the gateway is not running; charon reads the keystore when it starts)\n";
      return reply->send(std::move(ok));
    }
    tunnels_[index]->reloadCredentials([reply, ok](Result<void> r) mutable {
      if (!r) {
        ok.exit_status = 1;
        ok.err += "rempart: stored, but charon refused it: " + r.error().message() + "\n";
      } else {
        ok.out += "charon has the new credentials\n";
      }
      reply->send(std::move(ok));
    });
  };

  commands_.add({{"keys", "generate"},
                 "generate a key pair on the device (the private key never leaves it)",
                 admin,
                 {},
                 [this, checkTarget, pushThenReply](const CommandContext& c,
                                                    std::shared_ptr<PendingReply> reply) {
                   auto args = parseArgs(c.args, {"--type"}, {"--replace"}, 2, 2, kGenerateUsage);
                   if (!args) return reply->send(usageError(args.error().message()));
                   const auto& level = args->positional[0];
                   const auto& name = args->positional[1];
                   auto target = checkTarget(level, name, {config::CredentialType::kPrivateKey});
                   if (auto* r = std::get_if<ControlResponse>(&target))
                     return reply->send(std::move(*r));
                   auto algorithm = parseKeyAlgorithm(args->has("--type") ? args->value("--type")
                                                                          : "ecdsa-p384");
                   if (!algorithm) return reply->send(usageError(algorithm.error().message()));
                   Keystore ks(options_.paths.state_dir / "keystore");
                   auto pub = ks.generateKey(level, name, *algorithm, args->has("--replace"));
                   if (!pub) return reply->send(failure(pub.error().message()));
                   log::notice("key generated", {{"level", level}, {"name", name}});
                   ControlResponse ok{0, *pub, "", "generated key " + level + "/" + name};
                   pushThenReply(std::get<size_t>(target), reply, std::move(ok));
                 }});

  commands_.add({{"keys", "csr"},
                 "print a certificate request signed by a stored key",
                 admin,
                 [this, checkTarget](const CommandContext& c) {
                   auto args = parseArgs(c.args, {"--subject"}, {}, 2, 2, kCsrUsage);
                   if (!args) return usageError(args.error().message());
                   if (!args->has("--subject"))
                     return usageError(std::string("--subject is required; usage: ") + kCsrUsage);
                   const auto& level = args->positional[0];
                   const auto& name = args->positional[1];
                   auto target = checkTarget(level, name, {config::CredentialType::kPrivateKey});
                   if (auto* r = std::get_if<ControlResponse>(&target)) return *r;
                   Keystore ks(options_.paths.state_dir / "keystore");
                   auto csr = ks.makeCsr(level, name, args->value("--subject"));
                   if (!csr)
                     return csr.error().message().starts_with("--subject")
                                ? usageError(csr.error().message())
                                : failure(csr.error().message());
                   return ControlResponse{0, *csr, ""};
                 }});

  commands_.add(
      {{"keys", "import-cert"},
       "store a PEM certificate read from stdin",
       admin,
       {},
       [this, checkTarget, pushThenReply](const CommandContext& c,
                                          std::shared_ptr<PendingReply> reply) {
         auto args = parseArgs(c.args, {}, {}, 2, 2, kImportCertUsage);
         if (!args) return reply->send(usageError(args.error().message()));
         const auto& level = args->positional[0];
         const auto& name = args->positional[1];
         auto target = checkTarget(
             level, name, {config::CredentialType::kCertificate, config::CredentialType::kCa});
         if (auto* r = std::get_if<ControlResponse>(&target)) return reply->send(std::move(*r));
         const auto& identity = config_->levels[std::get<size_t>(target)].identity;
         std::optional<std::string> key;
         if (name == identity.certificate && !identity.private_key.empty())
           key = identity.private_key;
         Keystore ks(options_.paths.state_dir / "keystore");
         auto r = ks.importCertificate(level, name, c.request.input, key);
         if (!r) return reply->send(failure(r.error().message()));
         log::notice("certificate imported", {{"level", level}, {"name", name}});
         pushThenReply(std::get<size_t>(target), reply,
                       ControlResponse{0, "certificate " + level + "/" + name + " stored\n", "",
                                       "imported certificate " + level + "/" + name});
       }});

  commands_.add({{"keys", "import-psk"},
                 "store a pre-shared key read from stdin (at least 16 bytes; never shown)",
                 admin,
                 {},
                 [this, checkTarget, pushThenReply](const CommandContext& c,
                                                    std::shared_ptr<PendingReply> reply) {
                   auto args = parseArgs(c.args, {}, {}, 2, 2, kImportPskUsage);
                   if (!args) return reply->send(usageError(args.error().message()));
                   const auto& level = args->positional[0];
                   const auto& name = args->positional[1];
                   auto target = checkTarget(level, name, {config::CredentialType::kPsk});
                   if (auto* r = std::get_if<ControlResponse>(&target))
                     return reply->send(std::move(*r));
                   Keystore ks(options_.paths.state_dir / "keystore");
                   auto r = ks.importPsk(level, name, c.request.input);
                   if (!r) return reply->send(failure(r.error().message()));
                   log::notice("psk imported", {{"level", level}, {"name", name}});
                   pushThenReply(std::get<size_t>(target), reply,
                                 ControlResponse{0, "psk " + level + "/" + name + " stored\n", "",
                                                 "imported psk " + level + "/" + name +
                                                     " (secret not recorded)"});
                 }});

  commands_.add({{"keys", "list"},
                 "list the keystore: types, fingerprints, certificates (no secrets)",
                 admin,
                 [this](const CommandContext& c) {
                   auto args = parseArgs(c.args, {}, {}, 0, 1, kListUsage);
                   if (!args) return usageError(args.error().message());
                   std::optional<std::string> level;
                   if (!args->positional.empty()) {
                     level = args->positional[0];
                     if (!levelIndex(*level))
                       return usageError("unknown level '" + shownWord(*level) + "'");
                   }
                   Keystore ks(options_.paths.state_dir / "keystore");
                   auto entries = ks.list(level);
                   if (!entries) return failure(entries.error().message());
                   return ControlResponse{0, c.json ? keysJson(*entries) : keysTable(*entries), ""};
                 }});
}

}  // namespace rempart::gateway
