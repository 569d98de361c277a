#!/usr/bin/env bash
# Delivery benchmark (BENCHMARKS.md, section "Delivery").
#
# Starts a 13-agent team on a private tmux server (release build), every agent the demo
# agent in record mode (or, where `atlas demo-agent --record` is not built, the recorder
# used by the tests, which draws the same screen), then times whole `atlas send` processes:
#   - single: `atlas send A1 -- TEXT` to an idle agent, until the submission is verified;
#   - broadcast: `atlas send --all -- TEXT` to all 13 idle agents;
#   - `atlas ls --json` of the 13 agents (what the supervisor's tick costs to observe).
# Prints the median and the 90th percentile of each, in milliseconds.
#
# Usage: scripts/bench-send.sh [RUNS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
cargo build --release -q
atlas=$PWD/target/release/atlas
dir=$(mktemp -d)
sock=atlas-bench-$$
export ATLAS_TMUX_CONF=/dev/null
unset TMUX TMUX_PANE
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -f "/tmp/tmux-$(id -u)/$sock"; rm -rf "$dir"; }
trap cleanup EXIT

if "$atlas" demo-agent --help 2>/dev/null | grep -q -- '--record'; then
  kind="demo agent (atlas demo-agent --record)"
  cmd() { echo "atlas demo-agent --record $dir/rec-$1.log"; }
else
  kind="recorder stand-in (tests/send_support/recorder.py)"
  cmd() { echo "python3 $PWD/tests/send_support/recorder.py $dir/rec-$1.log"; }
fi

{
  printf '[team]\nsession = "bench"\n[defaults]\npreset = "demo"\n[supervisor]\nenabled = false\n'
  for w in 1 2 3; do
    printf '[[windows]]\nname = "w%s"\nlayout = "tiled"\nagents = [\n' "$w"
    for i in 1 2 3 4 5; do
      n=$(( (w - 1) * 5 + i ))
      [ "$n" -le 13 ] || continue
      printf '  { name = "A%s", command = "%s" },\n' "$n" "$(cmd "A$n")"
    done
    printf ']\n'
  done
} > "$dir/atlas.toml"

A=("$atlas" -L "$sock" -c "$dir/atlas.toml")
"${A[@]}" up >/dev/null
for _ in $(seq 1 200); do
  idle=$("${A[@]}" ls --json | grep -c '"state": "idle"' || true)
  [ "$idle" -eq 13 ] && break
  sleep 0.1
done
[ "$idle" -eq 13 ] || { echo "only $idle of 13 agents became idle" >&2; exit 1; }

ms() { echo $(( ($2 - $1) / 1000000 )); }
stats() { sort -n | awk '{a[NR]=$1} END {printf "median %d ms, p90 %d ms (n=%d)\n", a[int((NR+1)/2)], a[int(NR*0.9+0.5)], NR}'; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
single=()
for i in $(seq 1 "$runs"); do
  t0=$(date +%s%N); "${A[@]}" send A1 -- "bench message $i; with Enter and #{x}" >/dev/null; t1=$(date +%s%N)
  single+=("$(ms "$t0" "$t1")")
done
broadcast=()
for i in $(seq 1 "$runs"); do
  t0=$(date +%s%N); "${A[@]}" send --all -- "broadcast $i" >/dev/null; t1=$(date +%s%N)
  broadcast+=("$(ms "$t0" "$t1")")
done
listing=()
for i in $(seq 1 "$runs"); do
  t0=$(date +%s%N); "${A[@]}" ls --json >/dev/null; t1=$(date +%s%N)
  listing+=("$(ms "$t0" "$t1")")
done
got=$(grep -c $'\x1e' "$dir/rec-A1.log")
[ "$got" -eq $((2 * runs)) ] || { echo "A1 recorded $got messages, expected $((2 * runs))" >&2; exit 1; }

echo "agents: $kind; preset demo, submit_delay 100ms; load average before/after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "single send (1 idle agent):  $(printf '%s\n' "${single[@]}" | stats)"
echo "broadcast (--all, 13 idle):  $(printf '%s\n' "${broadcast[@]}" | stats)"
echo "ls --json (13 agents):       $(printf '%s\n' "${listing[@]}" | stats)"
