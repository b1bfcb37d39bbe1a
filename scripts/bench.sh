#!/usr/bin/env bash
# The load tool's bench against a local cluster it starts (Release build): machine limits, large
# and small objects, a mix and a listing, every result as a ratio to its limit; JSON in
# bench-result.json. Arguments go to the tool, e.g. scripts/bench.sh --large-mb 64 --duration 5s
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build PeerVault.Load -c Release -nologo -v q
exec dotnet PeerVault.Load/bin/Release/net10.0/PeerVault.Load.dll bench "$@"
