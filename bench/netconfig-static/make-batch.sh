#!/usr/bin/env bash
# Emits the ip -batch equivalent of netconfig_static_bench's desired state.
# Usage: make-batch.sh <count> <add|replace>
set -euo pipefail
count=$1 verb=$2
for ((k = 0; k < count; k++)); do
  j=$((k % 4))
  if ((k % 2 == 0)); then
    echo "addr $verb 10.$j.$((k / 256)).$((k % 256))/16 dev bench$j"
  else
    echo "addr $verb fd00:$j::$k/64 dev bench$j"
  fi
done
for ((k = 0; k < count; k++)); do
  j=$((k % 4))
  if ((k % 2 == 0)); then
    echo "route $verb 172.$((16 + k / 256)).$((k % 256)).0/24 via 10.$j.255.254 dev bench$j proto 252"
  else
    echo "route $verb fd10:$k::/64 via fd00:$j::ffff dev bench$j proto 252"
  fi
done
