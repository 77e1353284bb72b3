// Typed views of charon's IKE_SA and CHILD_SA blocks (list-sa, ike-updown, child-updown,
// ike-rekey, child-rekey) and of the log event, for the audit log and `show tunnels`.
// Pure parsing, no I/O; any thread. Absent optional fields stay empty or zero; a present
// but malformed number is an error (charon never sends one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "gateway/vici/message.hpp"

namespace rempart::gateway::vici {

struct ChildSa {
  std::string name;  // the child config name
  std::string key;   // the section name: "<name>-<uniqueid>" in events, <name> in rekeys
  uint32_t uniqueid = 0;
  uint32_t reqid = 0;
  std::string state;     // INSTALLED, REKEYED, DELETED, ...
  std::string mode;      // TUNNEL, TRANSPORT
  std::string protocol;  // ESP, AH
  bool encap = false;
  std::string spi_in, spi_out;  // 8 hex digits
  std::string encr_alg, integ_alg, dh_group;
  uint32_t encr_keysize = 0;
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0;
  uint64_t rekey_time = 0, life_time = 0, install_time = 0;  // seconds
  std::vector<std::string> local_ts, remote_ts;
};

struct IkeSa {
  std::string name;  // the connection name (the section name)
  uint32_t uniqueid = 0;
  unsigned version = 0;
  std::string state;  // CREATED, CONNECTING, ESTABLISHED, REKEYING, DELETING, ...
  std::string local_host, remote_host, local_id, remote_id;
  uint16_t local_port = 0, remote_port = 0;
  bool initiator = false;
  std::string initiator_spi, responder_spi;  // 16 hex digits
  std::string encr_alg, integ_alg, prf_alg, dh_group;
  uint32_t encr_keysize = 0;
  std::optional<uint64_t> established;  // seconds since establishment, only when ESTABLISHED
  uint64_t rekey_time = 0, reauth_time = 0;
  std::string if_id_in, if_id_out;
  std::vector<ChildSa> children;  // from "child-sas"
};

// An ike-updown or child-updown event: `up` is false for a down or a failed attempt.
struct UpdownEvent {
  bool up = false;
  IkeSa ike;  // for child-updown, ike.children holds the child that changed
};

// ike-rekey / child-rekey: the same SA before and after. For child-rekey both IkeSa hold
// one child each, and the IKE fields are the same.
struct RekeyEvent {
  IkeSa old_sa;
  IkeSa new_sa;
};

struct LogEvent {
  std::string group;
  int level = 0;
  uint32_t thread = 0;
  std::string ike_name;
  uint32_t ike_uniqueid = 0;
  std::string message;
};

// `name` is the section name; `block` its contents.
Result<ChildSa> parseChildSa(std::string_view name, const Section& block);
Result<IkeSa> parseIkeSa(std::string_view name, const Section& block);
// One list-sa event (exactly one IKE_SA section).
Result<IkeSa> parseListSaEvent(const Section& event);
Result<UpdownEvent> parseUpdownEvent(const Section& event);
Result<RekeyEvent> parseIkeRekeyEvent(const Section& event);
Result<RekeyEvent> parseChildRekeyEvent(const Section& event);
LogEvent parseLogEvent(const Section& event);

}  // namespace rempart::gateway::vici
