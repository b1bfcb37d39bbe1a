#!/usr/bin/env bash
# Measures a large GET three ways on four Release nodes (R=3, W=2), in the same run, so the
# figures compare as ratios on a shared machine: served from the node's own disk ("local"),
# streamed through a node that is not a placed replica ("stream-through"), and through a placed
# replica whose blob was removed, which fetches it from a peer and keeps a verified copy on the way
# ("replica refill"). Each case runs --runs times (default 3); the best and median times print.
# Also prints each node's peak resident memory (VmHWM) at the end.
#   scripts/measure-read-path.sh [size-in-MiB] [runs]   (default 256 3)
set -euo pipefail
size_mib=${1:-256}
runs=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build "$root/PeerVault.Node" -c Release -v q -nologo >/dev/null
dll="$root/PeerVault.Node/bin/Release/net10.0/PeerVault.Node.dll"
export PEERVAULT_CLUSTER_KEY=$(openssl rand -hex 32) PEERVAULT_AUTH_TOKEN=$(openssl rand -hex 24) PEERVAULT_API_KEY=$(openssl rand -hex 24)
export PEERVAULT_REPLICAS=3 PEERVAULT_WRITE_QUORUM=2
auth="Authorization: Bearer $PEERVAULT_API_KEY"
declare -A pid
for n in 1 2 3 4; do
  PEERVAULT_NODE_NAME=node$n P2P_PORT=1720$n ASPNETCORE_URLS=http://127.0.0.1:1710$n PEERVAULT_DATA_DIR="$work/node$n" \
    PEERVAULT_BOOTSTRAP=127.0.0.1:17201 dotnet "$dll" >"$work/node$n.log" 2>&1 &
  pid[node$n]=$!
done
for n in 1 2 3 4; do until curl -sf http://127.0.0.1:1710$n/health >/dev/null; do sleep 0.2; done; done
for n in 1 2 3 4; do until [ "$(curl -H "$auth" -s http://127.0.0.1:1710$n/v1/cluster | grep -o '"state":"alive"' | wc -l)" -ge 4 ]; do sleep 0.2; done; done
url() { echo "http://127.0.0.1:1710${1#node}"; }

head -c "$((size_mib << 20))" /dev/urandom >"$work/object.bin"
want=$(sha256sum "$work/object.bin" | cut -d' ' -f1)
key=large.bin
curl -H "$auth" -sf -T "$work/object.bin" "$(url node1)/v1/objects/$key" >"$work/put.json"
id=$(grep -o '"objectId":"[0-9a-f]*"' "$work/put.json" | cut -d'"' -f4)
placed=$(grep -o '"placement":\[[^]]*\]' "$work/put.json" | grep -o 'node[0-9]')
replica=$(echo "$placed" | head -1)
outsider=$(for n in node1 node2 node3 node4; do echo "$placed" | grep -qx $n || echo $n; done | head -1)
blob() { echo "$work/$1/blobs/${id:0:2}/${id:2:2}/$id"; }
for n in $placed; do until [ -f "$(blob $n)" ]; do sleep 0.2; done; done
echo "object: $size_mib MiB ($id), placed on $(echo $placed), not on $outsider"

# Checks the body's SHA-256 of a GET through a node.
check() {
  got=$(curl -H "$auth" -sf "$(url $1)/v1/objects/$key" | sha256sum | cut -d' ' -f1)
  [ "$got" = "$want" ] || { echo "GET via $1 returned wrong bytes" >&2; exit 1; }
}
# One timed GET, body discarded: prints seconds and who served it.
get() {
  t=$(curl -H "$auth" -sf -D "$work/headers" -o /dev/null -w '%{time_total}' "$(url $1)/v1/objects/$key")
  echo "$t $(tr -d '\r' <"$work/headers" | awk -F': ' 'tolower($1)=="x-peervault-served-by" {print $2}')"
}
stats() { sort -n | awk -v m="$size_mib" '{ t[NR]=$1 } END { printf "best %.3f s (%.0f MiB/s), median %.3f s (%.0f MiB/s)", t[1], m/t[1], t[int((NR+1)/2)], m/t[int((NR+1)/2)] }'; }

# The client has its last byte before the refilled copy is fsynced and committed: wait for it.
kept() { for _ in $(seq 1 100); do [ -f "$(blob "$replica")" ] && return 0; sleep 0.1; done; echo "no copy kept on $replica" >&2; exit 1; }
check "$replica"; check "$outsider"; rm -f "$(blob "$replica")"; check "$replica"; kept
echo "bytes check out through $replica (local), $outsider (stream-through), $replica (refill, copy kept)"
local_times=(); through_times=(); refill_times=()
for r in $(seq 1 "$runs"); do
  read -r t by < <(get "$replica"); [ "$by" = local ] || { echo "local case served by $by" >&2; exit 1; }; local_times+=("$t")
  read -r t by < <(get "$outsider"); [ "$by" != local ] || { echo "stream-through case served locally" >&2; exit 1; }; through_times+=("$t")
  rm -f "$(blob "$replica")"
  read -r t by < <(get "$replica"); [ "$by" != local ] || { echo "refill case served locally" >&2; exit 1; }; refill_times+=("$t")
  kept
done
l=$(printf '%s\n' "${local_times[@]}" | stats); s=$(printf '%s\n' "${through_times[@]}" | stats); f=$(printf '%s\n' "${refill_times[@]}" | stats)
best() { printf '%s\n' "$@" | sort -n | head -1; }
echo "local GET via $replica:            $l"
echo "stream-through GET via $outsider:   $s"
echo "replica refill GET via $replica:    $f"
awk -v l="$(best "${local_times[@]}")" -v s="$(best "${through_times[@]}")" -v f="$(best "${refill_times[@]}")" \
  'BEGIN { printf "ratio to local (best of each): stream-through %.2f, replica refill %.2f\n", l/s, l/f }'
for n in node1 node2 node3 node4; do
  awk -v n=$n '$1 == "VmHWM:" { printf "%s peak RSS %.0f MiB\n", n, $2/1024 }' "/proc/${pid[$n]}/status"
done
