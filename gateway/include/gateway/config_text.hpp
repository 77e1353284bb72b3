// Text helpers for the config commands: defensive redaction of secrets in YAML config text, and
// a unified line diff. Pure functions, no I/O. Redaction runs before any config text leaves
// rempartd (config show, diff, history, the admin trail), so a diff can never leak a secret.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "common/config/model.hpp"

namespace rempart::gateway {

inline constexpr const char* kRedacted = "<redacted>";

// True when a YAML key names something secret: it contains "psk", "secret", "passw",
// "passphrase" or "private" (case-insensitive).
bool isSecretKey(std::string_view key);

// Returns `yaml` with the value of every secret-named key replaced by <redacted>: inline values
// (block or flow style) and block values on the following, more indented lines (which are
// dropped). A value equal to one of `references` is kept: the model refers to keystore
// credentials by name (`psk: lyon-psk`), and a name is not a secret. Comments are kept.
// Works on any text, valid YAML or not.
std::string redactSecrets(std::string_view yaml,
                          const std::set<std::string, std::less<>>& references);

// The names of every credential declared in `config`: what redactSecrets may show.
std::set<std::string, std::less<>> credentialNames(const config::Config& config);

// redactSecrets() with the credential names of `yaml` itself, when it parses as a config
// (otherwise every secret-named value is redacted).
std::string redactConfigText(std::string_view yaml);

// The unified diff of two config texts, both redacted first (credential names of either stay
// visible), so that no secret can appear in it.
std::string redactedConfigDiff(std::string_view from, std::string_view to,
                               std::string_view from_label, std::string_view to_label);

// A unified diff ("--- a_label", "+++ b_label", "@@ -l,n +l,n @@" hunks with `context` lines)
// of `a` against `b`, line by line. Empty when the texts are equal. Very large changes whose
// line-by-line comparison would cost too much are shown as one replaced block.
std::string unifiedDiff(std::string_view a, std::string_view b, std::string_view a_label,
                        std::string_view b_label, size_t context = 3);

}  // namespace rempart::gateway
