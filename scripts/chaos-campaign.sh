#!/usr/bin/env bash
# A chaos campaign (README "Chaos"): many seeded runs one after the other, then one table of them
# all (seed, fault kinds, operations, anomalies by kind, when the nodes agreed) and a totals line.
#   scripts/chaos-campaign.sh --from 1 --count 40 --minutes 1.5 --nodes 4 [--out DIR] [chaos options...]
# Every run keeps its history, summary, picture and logs in DIR/seed-N; the table is DIR/campaign.md.
# Exit code 0 only if every run found no anomaly.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

from=1 count=40 minutes=1.5 nodes=4 out=artifacts/chaos/campaign
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

# Builds once (and installs the fault tools when root), through the single-run script's first run.
mkdir -p "$out"
failed=0
for ((seed = from; seed < from + count; seed++)); do
  echo "== seed $seed ($((seed - from + 1)) of $count)"
  set +e
  if [ "$seed" = "$from" ]; then
    scripts/chaos.sh --seed "$seed" --minutes "$minutes" --nodes "$nodes" --out "$out/seed-$seed" "${extra[@]}" > "$out/seed-$seed.log" 2>&1
  else
    dotnet PeerVault.Load/bin/Release/net10.0/PeerVault.Load.dll chaos --seed "$seed" --minutes "$minutes" --nodes "$nodes" --out "$out/seed-$seed" "${extra[@]}" > "$out/seed-$seed.log" 2>&1
  fi
  status=$?
  set -e
  tail -n 3 "$out/seed-$seed.log" | sed 's/^/   /'
  [ "$status" = "0" ] || failed=$((failed + 1))
done

python3 - "$out" "$from" "$count" <<'EOF'
import json, os, sys
out, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kinds_all, rows, totals, ops_all, fault_seconds = set(), [], {}, 0, 0.0
for seed in range(first, first + count):
    directory = os.path.join(out, f"seed-{seed}")
    summary_path, history_path = os.path.join(directory, "summary.json"), os.path.join(directory, "history.jsonl")
    if not os.path.exists(summary_path):
        rows.append(f"| {seed} | (no summary: see seed-{seed}.log) | | | |")
        continue
    summary = json.load(open(summary_path))
    kinds, starts, ops, agreed = {}, {}, 0, ""
    for line in open(history_path):
        record = json.loads(line)
        if record.get("type") == "fault" and record.get("phase") == "start":
            kinds[record["kind"]] = kinds.get(record["kind"], 0) + 1
            starts[record["fault"]] = record["atMs"]
        elif record.get("type") == "fault" and record.get("phase") == "heal" and record["fault"] in starts:
            fault_seconds += (record["atMs"] - starts[record["fault"]]) / 1000
        elif record.get("type") == "complete":
            ops += 1
    kinds_all.update(kinds)
    ops_all += ops
    for kind, n in summary["counts"].items():
        totals[kind] = totals.get(kind, 0) + n
    failing = {k: n for k, n in summary["counts"].items() if n and k != "WeakenedRead"}
    log_path = os.path.join(out, f"seed-{seed}.log")
    agreed = next((l.split("note: ", 1)[1].strip() for l in open(log_path) if "note: " in l and "agree" in l), "") if os.path.exists(log_path) else ""
    rows.append(f"| {seed} | {', '.join(f'{k} x{n}' for k, n in sorted(kinds.items()))} | {ops} | {'PASS' if summary['passed'] else 'FAIL ' + str(failing)} | {agreed} |")
table = ["| seed | faults | operations | result | convergence |", "| --- | --- | --- | --- | --- |", *rows, "",
         f"{count} runs, {ops_all} operations, {fault_seconds / 60:.1f} fault-minutes; fault kinds: {', '.join(sorted(kinds_all))}",
         "anomalies: " + ", ".join(f"{k} {n}" for k, n in totals.items())]
open(os.path.join(out, "campaign.md"), "w").write("\n".join(table) + "\n")
print("\n".join(table))
EOF
echo "$failed of $count runs failed"
[ "$failed" = "0" ]
