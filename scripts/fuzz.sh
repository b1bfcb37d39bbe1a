#!/usr/bin/env bash
# Fuzzes one PeerVault decoder with afl-fuzz (through SharpFuzz) for a while, then prints how many
# inputs it ran and what it found.
#
#   scripts/fuzz.sh <harness> [seconds]      (default: 300 seconds)
#
#   frame          frame decoder: FrameCodec, FrameConnection (clear and sealed), FrameSealer
#   messages       peer message codec (EnvelopeCodec, every PeerMessage) and the receiver's entry checks
#   handshake      listener side of the handshake, the fuzzer as dialer
#   object-header  sealed object header and the chunks behind it
#
# Installs what is missing (afl++ from the distribution, the SharpFuzz.CommandLine dotnet tool),
# publishes PeerVault.Fuzz in Release, instruments PeerVault.Node.dll, starts from the committed
# seeds in PeerVault.Fuzz/Corpus/<harness>/ and writes everything afl-fuzz finds to
# artifacts/fuzz/<harness>/default/ (crashes/, hangs/, queue/). Each crash is replayed at the end
# with the exception it raised; replay one yourself with
#   dotnet artifacts/fuzz/replay/PeerVault.Fuzz.dll <harness> --check <file>
# (the uninstrumented build: the instrumented one only runs under afl-fuzz)
# Regenerate the seeds after a wire format change with
#   dotnet run --project PeerVault.Fuzz -- seeds PeerVault.Fuzz/Corpus
set -euo pipefail
harness=${1:?usage: scripts/fuzz.sh frame|messages|handshake|object-header [seconds]}
seconds=${2:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/PeerVault.Fuzz/Corpus/$harness"
out="$root/artifacts/fuzz"
bin="$out/bin"
replay="$out/replay"
findings="$out/$harness"
[ -d "$corpus" ] || { echo "unknown harness '$harness' (no $corpus)" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
fi
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v sharpfuzz >/dev/null; then
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

# A fresh publish (sharpfuzz instruments the assembly in place), unless FUZZ_REUSE_BUILD=1 and
# one is there (to run several harnesses on one build).
if [ "${FUZZ_REUSE_BUILD:-0}" != 1 ] || [ ! -f "$bin/PeerVault.Fuzz.dll" ]; then
  rm -rf "$bin" "$replay"
  dotnet publish "$root/PeerVault.Fuzz" -c Release -o "$bin" -v q -nologo >/dev/null
  cp -r "$bin" "$replay"
  sharpfuzz "$bin/PeerVault.Node.dll" >/dev/null
fi

# dotnet itself is not instrumented (SharpFuzz reports coverage), this machine is shared (no CPU
# governor or core binding to insist on), and a crash is an exception, not a core dump.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
rm -rf "$findings"
mkdir -p "$findings"
echo "fuzzing '$harness' for $seconds s; findings in $findings" >&2
# -t: a run over 2 s is a hang (one run takes well under a millisecond; the first starts the runtime).
afl-fuzz -i "$corpus" -o "$findings" -V "$seconds" -t 2000 -m none -- dotnet "$bin/PeerVault.Fuzz.dll" "$harness" >"$findings/afl.log" 2>&1 || {
  tail -30 "$findings/afl.log" >&2
  exit 1
}

stats="$findings/default/fuzzer_stats"
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(field saved_crashes)
hangs=$(field saved_hangs)
echo "harness:        $harness"
echo "run time:       $(field run_time) s"
echo "executions:     $(field execs_done)"
echo "exec/s:         $(field execs_per_sec)"
echo "corpus:         $(field corpus_count) inputs (from $(ls "$corpus" | wc -l) seeds)"
echo "stability:      $(field stability)"
echo "crashes:        $crashes"
echo "hangs:          $hangs"
if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
  for file in "$findings"/default/crashes/id:* "$findings"/default/hangs/id:*; do
    [ -e "$file" ] && dotnet "$replay/PeerVault.Fuzz.dll" "$harness" --check "$file" || true
  done
  exit 1
fi
