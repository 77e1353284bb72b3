// Turns the validated config model plus the gateway's interface names into the ruleset of one
// network namespace. Pure functions: no I/O, deterministic output (golden files depend on it).
//
// Core: input accepts established/related, management SSH from the allowed prefixes (new
// connections rate-limited), IKE/NAT-T/ESP from the configured peers to the level addresses,
// DHCP replies when the uplink uses DHCP; forward passes only IKE/NAT-T/ESP between the uplink
// and each level's transit link; output only what the appliance needs. Level: forward passes
// LAN <-> tunnel as each allow rule says; cleartext LAN <-> transit is always dropped; the rest
// is dropped, counted and logged through NFLOG (rate-limited).
#pragma once

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "firewall/ruleset.hpp"
#include "firewall/topology.hpp"

namespace rempart::firewall {

// NFLOG group used for dropped packets; the rate limit keeps a flood from flooding the log.
inline constexpr uint16_t kLogGroup = 1;
inline constexpr uint32_t kLogPerSecond = 10;
inline constexpr uint32_t kSshNewPerMinute = 20;

// Fails (kInvalidInput) when the topology does not match the config (one entry per level,
// names present and at most 15 bytes) or a rule names an unknown group or tunnel.
Result<Ruleset> compileCore(const config::Config& config, const Topology& topology);
Result<Ruleset> compileLevel(const config::Config& config, const Topology& topology,
                             size_t level_index);

// The built-in closed ruleset loaded before the first config: management SSH in (from the
// allowed prefixes when `management` is known, else from anywhere on `management_interface`),
// nothing forwarded, output only established. For a level namespace pass no management.
Ruleset closedRuleset(const std::optional<config::Management>& management,
                      const std::string& management_interface);

}  // namespace rempart::firewall
