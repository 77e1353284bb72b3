// Syntax of the config's plain string values: object names, host and DNS names, interface
// names, Unix user names, IKE identities and durations. Each check returns "" when the text is
// fine, else the complete message ("'Lyon' is not a valid name (...)"). Internal.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rempart::config::detail {

std::string nameProblem(std::string_view text);           // [a-z][a-z0-9-]*, <= kMaxNameLength
std::string hostnameProblem(std::string_view text);       // the appliance's host name
std::string interfaceNameProblem(std::string_view text);  // a Linux interface name
std::string unixUserProblem(std::string_view text);       // a Unix login, never a system user
std::string identityProblem(std::string_view text);       // an IKE identity
bool isDnsName(std::string_view text);                    // RFC 1123 host name, not all-numeric

// "30s", "20m", "4h", "1d" or a combination in that order ("1h30m"); nullopt when malformed.
std::optional<std::chrono::seconds> parseDuration(std::string_view text);
std::string formatDuration(std::chrono::seconds s);  // "1h30m", "0s"

}  // namespace rempart::config::detail
