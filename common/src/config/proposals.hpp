// Checks strongSwan IKE and ESP proposal strings ("aes256gcm16-prfsha384-ecp384") against the
// algorithms Rempart allows: strong ciphers only, no weak hash, group or cipher, and never
// IKEv1. Internal.
#pragma once

#include <string>
#include <string_view>

namespace rempart::config::detail {

enum class ProposalKind { kIke, kEsp };

// Returns "" for a good proposal, else the full message for the operator.
std::string proposalProblem(std::string_view proposal, ProposalKind kind);

}  // namespace rempart::config::detail
