#!/usr/bin/env bash
# Measures how much memory two real nodes use while a large object is stored through one of them
# and replicated to the other, then read back. Prints each node's resident set size after start-up
# (the baseline) and its peak (VmHWM) during the transfer, and their ratio.
#   scripts/measure-memory.sh [size-in-MiB]   (default 1024)
set -euo pipefail
size_mib=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build "$root/PeerVault.Node" -c Release -v q -nologo >/dev/null
dll="$root/PeerVault.Node/bin/Release/net10.0/PeerVault.Node.dll"
export PEERVAULT_CLUSTER_KEY=$(openssl rand -hex 32) PEERVAULT_AUTH_TOKEN=$(openssl rand -hex 24) PEERVAULT_API_KEY=$(openssl rand -hex 24)
auth="Authorization: Bearer $PEERVAULT_API_KEY"
PEERVAULT_NODE_NAME=node1 P2P_PORT=17101 ASPNETCORE_URLS=http://127.0.0.1:17001 PEERVAULT_DATA_DIR="$work/node1" \
  dotnet "$dll" >"$work/node1.log" 2>&1 &
pid1=$!
PEERVAULT_NODE_NAME=node2 P2P_PORT=17102 ASPNETCORE_URLS=http://127.0.0.1:17002 PEERVAULT_DATA_DIR="$work/node2" \
  PEERVAULT_BOOTSTRAP=127.0.0.1:17101 dotnet "$dll" >"$work/node2.log" 2>&1 &
pid2=$!
until curl -H "$auth" -sf http://127.0.0.1:17001/health >/dev/null && curl -H "$auth" -sf http://127.0.0.1:17002/health >/dev/null; do sleep 0.2; done
until [ "$(curl -H "$auth" -s http://127.0.0.1:17001/v1/cluster | grep -o '"state":"alive"' | wc -l)" -ge 2 ]; do sleep 0.2; done

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
base1=$(kib $pid1 VmRSS); base2=$(kib $pid2 VmRSS)

head -c "$((size_mib << 20))" /dev/urandom >"$work/object.bin"
want=$(sha256sum "$work/object.bin" | cut -d' ' -f1)
start=$(date +%s.%N)
curl -H "$auth" -sf -T "$work/object.bin" http://127.0.0.1:17001/v1/objects/large.bin >"$work/put.json"
put_done=$(date +%s.%N)
got=$(curl -H "$auth" -sf http://127.0.0.1:17002/v1/objects/large.bin | sha256sum | cut -d' ' -f1)
get_done=$(date +%s.%N)
[ "$want" = "$got" ] || { echo "read-back mismatch" >&2; exit 1; }

peak1=$(kib $pid1 VmHWM); peak2=$(kib $pid2 VmHWM)
echo "object: ${size_mib} MiB, stored through node1, replicated to node2, read back from node2 (sha256 matches)"
echo "PUT $(cat "$work/put.json")"
awk -v s="$start" -v p="$put_done" -v g="$get_done" -v m="$size_mib" 'BEGIN { printf "PUT+replicate %.1f s (%.0f MiB/s), GET %.1f s (%.0f MiB/s)\n", p-s, m/(p-s), g-p, m/(g-p) }'
awk -v b="$base1" -v p="$peak1" 'BEGIN { printf "node1 (coordinator): baseline RSS %.0f MiB, peak RSS %.0f MiB, peak/baseline %.2f\n", b/1024, p/1024, p/b }'
awk -v b="$base2" -v p="$peak2" 'BEGIN { printf "node2 (replica+GET): baseline RSS %.0f MiB, peak RSS %.0f MiB, peak/baseline %.2f\n", b/1024, p/1024, p/b }'
