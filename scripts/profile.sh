#!/usr/bin/env bash
# Where the time goes: starts three Release nodes (R=3, W=2), then records a sampled thread-time trace
# (dotnet-trace) of the coordinating node while the load tool runs (1) large PUTs and (2) small PUTs
# at concurrency 32 through it, and prints the top methods of each by exclusive and inclusive time
# (thread time: idle pool threads show as waits; read the node's own frames below them),
# plus dotnet-counters' view (GC, thread pool, CPU) of the small-PUT run.
#   scripts/profile.sh [seconds-per-profile]   (default 30; the load tool measures the machine first)
# Needs: dotnet tool install -g dotnet-trace; dotnet tool install -g dotnet-counters
set -euo pipefail
seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
export PATH="$PATH:$HOME/.dotnet/tools"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build "$root/PeerVault.Load" -c Release -v q -nologo >/dev/null
dll="$root/PeerVault.Node/bin/Release/net10.0/PeerVault.Node.dll"
load="$root/PeerVault.Load/bin/Release/net10.0/PeerVault.Load.dll"
export PEERVAULT_CLUSTER_KEY=$(openssl rand -hex 32) PEERVAULT_AUTH_TOKEN=$(openssl rand -hex 24) PEERVAULT_API_KEY=$(openssl rand -hex 24)
export PEERVAULT_REPLICAS=3 PEERVAULT_WRITE_QUORUM=2
for n in 1 2 3; do
  PEERVAULT_NODE_NAME=node$n P2P_PORT=1730$n ASPNETCORE_URLS=http://127.0.0.1:1740$n PEERVAULT_DATA_DIR="$work/node$n" \
    PEERVAULT_BOOTSTRAP=127.0.0.1:17301 dotnet "$dll" >"$work/node$n.log" 2>&1 &
  eval "pid$n=$!"
done
for n in 1 2 3; do until curl -sf http://127.0.0.1:1740$n/health >/dev/null; do sleep 0.2; done; done
sleep 3

profile() { # name, then the load tool's arguments
  local name=$1; shift
  dotnet-trace collect -p "$pid1" --profile dotnet-sampled-thread-time --duration "00:00:$(printf %02d "$seconds")" -o "$work/$name.nettrace" >/dev/null &
  local tracer=$!
  sleep 1
  dotnet "$load" bench --endpoint http://127.0.0.1:17401 --api-key "$PEERVAULT_API_KEY" --pids "$pid1,$pid2,$pid3" \
    --work-dir "$work" --json "$work/$name.json" "$@" >"$work/$name.bench.log" 2>&1 || true
  wait "$tracer" || true
  echo "== $name: top methods by exclusive time (node1)"
  dotnet-trace report "$work/$name.nettrace" topN -n 15
  echo "== $name: top methods by inclusive time (node1)"
  dotnet-trace report "$work/$name.nettrace" topN -n 25 --inclusive
}

profile large-put --only large --large-mb 256 --duration "${seconds}s"
dotnet-counters collect -p "$pid1" --format csv -o "$work/small-put.counters.csv" --refresh-interval 1 \
  --counters System.Runtime,Microsoft.AspNetCore.Hosting --duration "00:00:$(printf %02d "$seconds")" >/dev/null 2>&1 &
counters=$!
profile small-put --only small --concurrency 32 --small-count 100000 --duration "${seconds}s"
wait "$counters" || true
echo "== small-put: dotnet-counters (node1), last reading of each counter"
awk -F, 'NR>1 { last[$3]=$5 } END { for (c in last) print c ": " last[c] }' "$work/small-put.counters.csv" | sort
