#!/usr/bin/env bash
# How long a node that missed writes takes to converge, without any client reading its keys.
# Three Release nodes on loopback (R=3, W=2). For each object count N:
#   restart: node3 is stopped, N small objects (4 KiB) are stored through node1, node3 is
#            started again; measured from its start until it holds all N (its /v1/cluster count);
#   wipe:    node3 is stopped, its data directory deleted, started again; same measure.
# Then repair throughput: node3 stopped, 8 objects of 32 MiB stored, node3 started; bytes / time.
# Needs curl and jq.   scripts/measure-convergence.sh [N ...]   (default: 1000 10000)
set -euo pipefail
counts=("${@:-1000 10000}")
[ $# -eq 0 ] && counts=(1000 10000)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; [ -n "${KEEP:-}" ] && echo "logs kept in $work" >&2 || rm -rf "$work"' EXIT

dotnet build "$root/PeerVault.Node" -c Release -v q -nologo >/dev/null
dll="$root/PeerVault.Node/bin/Release/net10.0/PeerVault.Node.dll"
export PEERVAULT_CLUSTER_KEY=$(openssl rand -hex 32) PEERVAULT_AUTH_TOKEN=$(openssl rand -hex 24) PEERVAULT_API_KEY=$(openssl rand -hex 24)
auth="Authorization: Bearer $PEERVAULT_API_KEY"
export PEERVAULT_BOOTSTRAP=127.0.0.1:17201,127.0.0.1:17202,127.0.0.1:17203
export Logging__LogLevel__Default=Warning
declare -A pids

start_node() {
  local n=$1
  PEERVAULT_NODE_NAME=node$n P2P_PORT=1720$n ASPNETCORE_URLS=http://127.0.0.1:1710$n PEERVAULT_DATA_DIR="$work/node$n" \
    dotnet "$dll" >>"$work/node$n.log" 2>&1 &
  pids[$n]=$!
  until curl -H "$auth" -sf "http://127.0.0.1:1710$n/health" >/dev/null 2>&1; do sleep 0.05; done
}
stop_node() { kill "${pids[$1]}"; wait "${pids[$1]}" 2>/dev/null || true; }
objects_on() { curl -H "$auth" -sf "http://127.0.0.1:1710$1/v1/cluster" | jq '.node.objects'; }
alive_on() { curl -H "$auth" -sf "http://127.0.0.1:1710$1/v1/cluster" | jq '[.members[] | select(.state == "alive")] | length'; }
now() { date +%s.%N; }

for n in 1 2 3; do start_node $n; done
until [ "$(alive_on 1)" = 3 ] && [ "$(alive_on 3)" = 3 ]; do sleep 0.1; done
head -c 4096 /dev/urandom >"$work/small.bin"
head -c $((32 << 20)) /dev/urandom >"$work/large.bin"
total=0

wait_until_holds() {
  local node=$1 want=$2 started=$3
  until [ "$(objects_on "$node" 2>/dev/null || echo 0)" -ge "$want" ]; do sleep 0.05; done
  awk -v s="$started" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }'
}

for count in "${counts[@]}"; do
  stop_node 3
  seq "$total" $((total + count - 1)) | xargs -P 16 -I{} curl -H "$auth" -sf -o /dev/null -T "$work/small.bin" "http://127.0.0.1:17101/v1/objects/small/{}"
  total=$((total + count))
  t=$(now); start_node 3
  echo "restart after missing $count objects: node3 holds all $total in $(wait_until_holds 3 "$total" "$t") s"
  stop_node 3
  rm -rf "$work/node3"
  t=$(now); start_node 3
  echo "wipe with $total objects in the cluster: node3 holds all $total in $(wait_until_holds 3 "$total" "$t") s"
done

stop_node 3
for i in $(seq 1 8); do curl -H "$auth" -sf -o /dev/null -T "$work/large.bin" "http://127.0.0.1:17101/v1/objects/large/$i"; done
total=$((total + 8))
t=$(now); start_node 3
seconds=$(wait_until_holds 3 "$total" "$t")
awk -v s="$seconds" 'BEGIN { printf "repair: 8 x 32 MiB = 256 MiB pulled by node3 in %.2f s = %.0f MiB/s (from process start, handshakes and digests included)\n", s, 256 / s }'
