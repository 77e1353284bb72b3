#!/usr/bin/env python3
"""Writes the configurations of the tunnel bring-up bench.

gen.py DIR COUNT PSK writes:
  DIR/a.yaml              Rempart gateway "a": COUNT tunnels to the peer, started at once;
  DIR/a/swanctl.conf      the same COUNT connections for plain charon, as conn_builder loads them;
  DIR/peer/swanctl.conf   the answering peer: plain charon, one connection per tunnel.
Tunnel i joins a's 10.1.i.0/24 to the peer's 10.2.i.0/24. libipsec needs distinct selectors per
CHILD_SA, an address of its own inside each local selector (a holds 10.1.i.1, 50 per LAN
interface, the peer 10.2.i.1), and distinct remote selectors (it routes each one to its TUN in
table 220; two CHILD_SAs with one remote selector collide there). Each tunnel
has its own peer identity t<i>.peer.bench.test: charon 5.9.8 picks the responder's connection by
identities only, so tunnels that share both identities would all land on the first one.
"""
import os
import sys

PER_LAN = 50  # addresses per LAN interface (the model allows 64)


def lan_count(count):
    return (count + PER_LAN - 1) // PER_LAN


def rempart_yaml(count):
    out = [
        "system:",
        "  hostname: bench-a",
        "  dataplane: libipsec",
        "uplink:",
        "  interface: eth0",
        "  ipv4:",
        "    address: 192.0.2.10/24",
        "management:",
        "  interface: mgmt0",
        "  address: 10.255.1.1/24",
        "  allowed_sources: [10.255.1.0/24]",
        "levels:",
        "  - name: a",
        "    public_address: 192.0.2.11",
        "    identity:",
        "      id: a.bench.test",
        "    credentials:",
        "      - {name: psk, type: psk}",
        "    lans:",
    ]
    for lan in range(lan_count(count)):
        first, last = lan * PER_LAN, min(count, (lan + 1) * PER_LAN)
        addrs = ", ".join(f"10.1.{i}.1/24" for i in range(first, last))
        out += [f"      - interface: lan{lan}", f"        addresses: [{addrs}]"]
    out.append("    tunnels:")
    for i in range(count):
        out += [
            f"      - name: t{i}",
            "        remote_address: 192.0.2.21",
            f"        remote_id: t{i}.peer.bench.test",
            "        auth: psk",
            "        psk: psk",
            f"        local_ts: [10.1.{i}.0/24]",
            f"        remote_ts: [10.2.{i}.0/24]",
            "        start: always",
            "        dpd_interval: 30s",
        ]
    out += ["roles:", "  admin: [alice]"]
    return "\n".join(out) + "\n"


def swanctl_conf(side, count, psk):
    out = ["connections {"]
    for i in range(count):
        if side == "a":  # what conn_builder loads for a tunnel with start: always
            me, peer, local, remote = "a.bench.test", f"t{i}.peer.bench.test", f"10.1.{i}.0/24", f"10.2.{i}.0/24"
            addrs = ("192.0.2.11", "192.0.2.21")
            actions = ("start", "restart", "start")
        else:
            me, peer, local, remote = f"t{i}.peer.bench.test", "a.bench.test", f"10.2.{i}.0/24", f"10.1.{i}.0/24"
            addrs = ("192.0.2.21", "192.0.2.11")
            actions = ("none", "clear", "none")
        out += [
            f"  t{i} {{",
            "    version = 2",
            f"    local_addrs = {addrs[0]}",
            f"    remote_addrs = {addrs[1]}",
            "    proposals = aes256gcm16-prfsha384-ecp384, aes256gcm16-prfsha384-x25519",
            "    dpd_delay = 30s",
            "    rekey_time = 14400s",
            "    mobike = no",
            f"    local {{\n      auth = psk\n      id = {me}\n    }}",
            f"    remote {{\n      auth = psk\n      id = {peer}\n    }}",
            "    children {",
            f"      t{i} {{",
            f"        local_ts = {local}",
            f"        remote_ts = {remote}",
            "        esp_proposals = aes256gcm16-ecp384, aes256gcm16-x25519",
            f"        start_action = {actions[0]}",
            f"        dpd_action = {actions[1]}",
            f"        close_action = {actions[2]}",
            "        rekey_time = 3600s",
        ]
        if side == "a":
            out.append(f"        reqid = {i + 1}")  # firewall::tunnelReqid
        out += [
            "      }",
            "    }",
            "  }",
        ]
    out.append("}")
    out += ["secrets {", "  ike-bench {", "    id = a.bench.test", f"    secret = {psk}", "  }", "}"]
    return "\n".join(out) + "\n"


def main():
    d, count, psk = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(os.path.join(d, "a.yaml"), "w") as f:
        f.write(rempart_yaml(count))
    for side in ("a", "peer"):
        os.makedirs(os.path.join(d, side), exist_ok=True)
        with open(os.path.join(d, side, "swanctl.conf"), "w") as f:
            f.write(swanctl_conf(side, count, psk))
    print(lan_count(count))


if __name__ == "__main__":
    main()
