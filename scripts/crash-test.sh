#!/usr/bin/env bash
# The kill-point crash test (PeerVault.Tests, KillPointTests) for a long run: each round is 500
# PUTs, overwrites and DELETEs from four writers through the three nodes of the real AppHost, with
# four SIGKILLs of random nodes at random moments (a restart after each), then the check that
# every acknowledged write and delete holds on every node, nothing is partial and no temporary file
# is left. One cluster runs all the rounds of a batch; batches start fresh clusters with new seeds.
#   scripts/crash-test.sh [rounds-per-batch] [batches]       (default 10 rounds, 3 batches)
#   PEERVAULT_CRASH_SEED=N scripts/crash-test.sh 1 1         replays the seed a failure printed
set -euo pipefail
rounds=${1:-10}
batches=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$root/PeerVault.sln" -c Release -v q -nologo >/dev/null
cd "$root/PeerVault.Tests/bin/Release/net10.0"
log=$(mktemp -t peervault-crash-XXXXXX.log)
for batch in $(seq 1 "$batches"); do
  echo "== batch $batch of $batches: $rounds round(s); full output in $log"
  set +e
  PEERVAULT_CRASH_ROUNDS=$rounds dotnet PeerVault.Tests.dll -noColor -showLiveOutput \
    -method '*KillPointTests.Every_acknowledged_put_and_delete*' >"$log" 2>&1
  status=$?
  set -e
  # The nodes' own output stays in the log; the test's lines and any failure are shown.
  grep -oE '(KILL POINTS|kill [0-9]+/|round [0-9]+ ).*' "$log" | cut -c1-240 || true
  [ "$status" -eq 0 ] || { grep -A30 '\[FAIL\]' "$log" | head -60; echo "batch $batch failed: replay with the seed above"; exit 1; }
done
echo "all $batches batch(es) of $rounds round(s) passed"
