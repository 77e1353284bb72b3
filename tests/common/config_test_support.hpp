// Shared by the config tests: a valid two-level base document with known line numbers, and
// helpers to derive invalid variants from it and to run the parser on them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "common/config/parse.hpp"

namespace rempart::config::test {

// Line numbers matter: every expected diagnostic in the tests points into this text.
inline const std::string kBase = R"(system:
  hostname: gw
  dataplane: kernel
uplink:
  interface: eth0
  ipv4:
    address: 192.0.2.10/24
    gateway: 192.0.2.1
  mtu: 1500
management:
  interface: mgmt0
  address: 10.255.0.1/24
  ssh_port: 22
  allowed_sources: [10.255.0.0/24]
levels:
  - name: office
    public_address: 192.0.2.11
    identity:
      id: gw.office.example
    credentials:
      - {name: lyon-psk, type: psk}
    lans:
      - interface: lan0
        addresses: [10.1.0.1/24]
    tunnels:
      - name: lyon
        remote_address: 198.51.100.11
        remote_id: lyon.example
        auth: psk
        psk: lyon-psk
        local_ts: [10.1.0.0/24]
        remote_ts: [10.2.0.0/24]
    firewall:
      allow:
        - direction: outbound
          tunnel: lyon
          protocol: tcp
          ports: [22, "8000-8080"]
  - name: lab
    public_address: 192.0.2.12
    identity: {id: gw.lab.example}
    credentials: [{name: k, type: psk}]
    lans:
      - interface: lan1
        addresses: [10.3.0.1/24]
    tunnels:
      - name: t
        remote_address: 198.51.100.12
        remote_id: t.example
        auth: psk
        psk: k
        local_ts: [10.3.0.0/24]
        remote_ts: [10.4.0.0/24]
roles:
  admin: [alice]
  audit: [victor]
)";

// kBase with `from` (which must occur exactly once) replaced by `to`.
inline std::string mutate(const std::string& from, const std::string& to,
                          const std::string& text = kBase) {
  size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos)
    throw std::logic_error("test bug: '" + from + "' must occur exactly once");
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// Every diagnostic of `text`, formatted; empty when the document is valid.
inline std::vector<std::string> diagnose(const std::string& text) {
  auto result = parseConfig(text, "t.yaml");
  std::vector<std::string> out;
  if (!result)
    for (const auto& d : result.error()) out.push_back(d.format());
  return out;
}

// The same list built by repeating `make(i)` for i in [0, n), joined by `sep`.
template <typename F>
std::string repeat(size_t n, F make, const std::string& sep = ", ") {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += (i ? sep : "") + make(i);
  return out;
}

}  // namespace rempart::config::test
