// Turns one tunnel of the config model into the load-conn message charon needs for it
// (IKEv2 only). Pure: no I/O, no secrets (PSKs and private keys are loaded separately with
// load-shared/load-key; certificates are public and travel inline). Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "gateway/vici/message.hpp"

namespace rempart::gateway::vici {

struct ConnBuildOptions {
  config::Dataplane dataplane = config::Dataplane::kLibipsec;
  // Kernel dataplane: the XFRM if_id of the level, set in and out. Required there, refused
  // with libipsec.
  std::optional<uint32_t> if_id{};
  // Kernel dataplane: the CHILD_SA's reqid, fixed so that the level's firewall can name the
  // tunnel (`ipsec in reqid N`, firewall::tunnelReqid). Unset: charon picks one.
  std::optional<uint32_t> reqid{};
  // Pubkey tunnels: the level's certificate (PEM or DER), required; the tunnel's CA, optional.
  std::string local_cert{};
  std::string remote_ca{};
  // What charon gets as remote_addrs when the tunnel names its peer by a host name (the
  // address rempartd resolved). Unset: the configured remote_address.
  std::optional<std::string> remote_addrs{};
};

// How a start mode maps onto charon's actions for a dataplane. on-demand needs trap policies,
// which kernel-libipsec 5.9.8 cannot serve, so there it falls back to start (`fallback` set).
struct StartActions {
  std::string start_action;  // start, trap or none
  std::string dpd_action;    // restart, trap or clear
  std::string close_action;  // start, trap or none
  bool fallback = false;
};
StartActions startActions(config::StartMode mode, config::Dataplane dataplane);

// { <tunnel> { version=2 local_addrs=[public address] remote_addrs proposals dpd_delay
//   rekey_time [if_id_in if_id_out] [mobike=no] local{auth id [certs]} remote{auth id
//   [cacerts]} children { <tunnel> { local_ts remote_ts esp_proposals start_action
//   dpd_action close_action rekey_time } } } }
// kInvalidInput when the options do not fit the tunnel (missing certificate, if_id).
Result<Section> buildLoadConn(const config::Level& level, const config::Tunnel& tunnel,
                              const ConnBuildOptions& options);

}  // namespace rempart::gateway::vici
