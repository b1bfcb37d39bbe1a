#!/usr/bin/env bash
# Where the CPU goes in a large PUT, kernel included: starts three Release nodes (R=3, W=2), PUTs a
# 256 MiB object through node1 twice to warm up, then records `perf record -g` on all three nodes
# while two more go through, and prints the samples by library and the top symbols (.NET frames are
# named through DOTNET_PerfMapEnabled). dotnet-trace (scripts/profile.sh) shows thread time, where
# waiting threads dominate; this shows CPU.
#   scripts/perf-large-put.sh        Needs: perf (apt-get install linux-perf), curl, openssl
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build "$root/PeerVault.Node" -c Release -v q -nologo >/dev/null
dll="$root/PeerVault.Node/bin/Release/net10.0/PeerVault.Node.dll"
export PEERVAULT_CLUSTER_KEY=$(openssl rand -hex 32) PEERVAULT_AUTH_TOKEN=$(openssl rand -hex 24) PEERVAULT_API_KEY=$(openssl rand -hex 24)
export PEERVAULT_REPLICAS=3 PEERVAULT_WRITE_QUORUM=2 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
pids=()
for n in 1 2 3; do
  PEERVAULT_NODE_NAME=node$n P2P_PORT=1750$n ASPNETCORE_URLS=http://127.0.0.1:1760$n PEERVAULT_DATA_DIR="$work/node$n" \
    PEERVAULT_BOOTSTRAP=127.0.0.1:17501 dotnet "$dll" >"$work/node$n.log" 2>&1 &
  pids+=($!)
done
for n in 1 2 3; do until curl -sf http://127.0.0.1:1760$n/health >/dev/null; do sleep 0.2; done; done
sleep 3
head -c 268435456 /dev/urandom >"$work/big.bin"
put() { curl -sf -o /dev/null -w "$1 %{time_total} s\n" -H "Authorization: Bearer $PEERVAULT_API_KEY" -T "$work/big.bin" "http://127.0.0.1:17601/v1/objects/$1"; }
put warm1; put warm2
perf record -F 499 -g -o "$work/perf.data" -p "$(IFS=,; echo "${pids[*]}")" -- sleep 9 >/dev/null 2>&1 &
recorder=$!
sleep 0.5
put big1; put big2
wait $recorder || true
perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -12
perf report -i "$work/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null | grep '%' | head -25
