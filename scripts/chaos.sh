#!/usr/bin/env bash
# Chaos run (README "Chaos"): builds Release and runs the load tool's chaos verb, which starts the
# nodes in network namespaces of their own (as root; loopback otherwise), runs a seeded fault
# schedule against concurrent clients, checks the history and writes it, a summary and a latency
# picture to artifacts/chaos/seed-N/. Exit code 0 only if the checker found no anomaly.
#   scripts/chaos.sh --seed 7 --minutes 3 --nodes 5
#   scripts/chaos.sh --seed 7 --preset partition
#   scripts/chaos.sh --restarts 100 --nodes 4
#   scripts/chaos.sh --preset skew-small --minutes 2 --nodes 4
# Every option: scripts/chaos.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  dotnet run -c Release --project PeerVault.Load -- chaos --help 2>&1 | sed -n '/usage: PeerVault.Load chaos/,$p'
  exit 0
fi

# What the faults need, where this user may install it (the harness skips what is missing and says so).
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nft >/dev/null 2>&1 || missing+=(nftables)
  ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1 || missing+=(faketime)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

dotnet build PeerVault.Load -c Release -v quiet -nologo
exec dotnet PeerVault.Load/bin/Release/net10.0/PeerVault.Load.dll chaos "$@"
