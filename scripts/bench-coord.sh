#!/usr/bin/env bash
# Benchmarks of the coordination file (issue 4): cold full read against grep, `atlas status`
# after one appended entry, and peak memory on a 1,000,000-entry log.
#
# Usage: scripts/bench-coord.sh [WORKDIR]   (default /tmp/atlas-bench-coord; rerunnable)
# RUNS=N sets the runs per command (default 20); BASE=/path/to/another/atlas adds that
# binary's cold read to the same rounds, for a before/after comparison.
# The cold reads are timed by scripts/interleave.py (round after round, each command once
# per round); `atlas status` by hyperfine when installed (apt-get install -y hyperfine),
# else a loop timed with date +%s%N. Output goes to a pipe in every case: GNU grep stops at
# the first match when its output is /dev/null, which would make it look faster than it is.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/atlas-bench-coord}"
runs="${RUNS:-20}"
mkdir -p "$work"

echo "== building atlas (release)"
(cd "$here" && cargo build --release --quiet)
atlas="$here/target/release/atlas"
export ATLAS_FORBID_DEFAULT_SERVER=1
# A tmux socket name with no server: {down}/{waiting} cost one failing tmux call.
sock="atlas-bench-none-$$"

team() { # DIR
  mkdir -p "$1"
  cat > "$1/atlas.toml" <<'TOML'
[team]
session = "bench"
[defaults]
command = "sleep 1000"
[supervisor]
enabled = false
[[windows]]
name = "ceo"
agents = [ { name = "Atlas" } ]
[[windows]]
name = "content"
agents = [ { name = "Prometheus" }, { name = "Orpheus" }, { name = "Hephaestus" } ]
[[windows]]
name = "revenue"
agents = [ { name = "Athena" }, { name = "Plutus" }, { name = "Tyche" } ]
[[windows]]
name = "intel"
agents = [ { name = "Apollo" }, { name = "Argus" }, { name = "Mnemosyne" } ]
[[windows]]
name = "trading"
agents = [ { name = "Hermes" }, { name = "Kairos" }, { name = "Nike" } ]
TOML
}

for n in 100000 1000000; do
  d="$work/log-$n"
  team "$d"
  if [ ! -s "$work/coord-$n.md" ]; then
    echo "== generating $n entries"
    python3 "$here/scripts/gen-coord-log.py" "$n" "$work/coord-$n.md"
  fi
  cp "$work/coord-$n.md" "$d/coordination.md"
  rm -rf "$d/logs"
done

echo
echo "== machine"
nproc; lscpu | grep -E 'Model name|^CPU\(s\)' || true
echo

for n in 100000 1000000; do
  d="$work/log-$n"
  size=$(du -h "$d/coordination.md" | cut -f1)
  echo "== cold full read, $n entries ($size)"
  # Interleaved (each command once per round), so a slow phase of a shared machine hits
  # every command alike. BASE=/path/to/an/older/atlas adds that binary to the same rounds.
  (cd "$d" && python3 "$here/scripts/interleave.py" "$runs" 3 \
    "grep -c '^## \\[' coordination.md" \
    "$atlas inbox human" \
    "$atlas check" ${BASE:+"$BASE inbox human"})
  echo
done

d="$work/log-100000"
echo "== atlas status after one appended entry (100,000-entry log, whole process)"
(cd "$d" && "$atlas" -L "$sock" status > /dev/null)  # builds the cache
append="$atlas handoff --from Orpheus --to Prometheus --status DONE --task bench"
# A private tmux server running the team's session, for the default format's one
# list-panes call.
live="atlas-bench-live-$$"
(cd "$d" && "$atlas" -L "$live" up > /dev/null)
trap 'tmux -L "$live" kill-server 2> /dev/null; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$live"' EXIT
for fmt in '{inbox} {attention}' 'default-none' 'default-live'; do
  case "$fmt" in
    default-none) args=(-L "$sock" status); label="default format, no tmux server (socket missing: no tmux call)" ;;
    default-live) args=(-L "$live" status); label="default format, live session of 13 panes (one list-panes call)" ;;
    *) args=(-L "$sock" status --format "$fmt"); label="--format '$fmt' (no tmux call)" ;;
  esac
  echo "-- $label"
  if command -v hyperfine > /dev/null; then
    (cd "$d" && hyperfine -N --output=pipe -w 3 -r "$runs" --prepare "$append" \
      --export-json "$work/status.json" "$atlas ${args[*]@Q}" 2>&1 | grep -E 'Time|Range' )
    python3 -c "import json,statistics;r=json.load(open('$work/status.json'))['results'][0]['times'];print('  median %.2f ms' % (statistics.median(r)*1000))"
  else
    times=()
    for _ in $(seq "$runs"); do
      (cd "$d" && $append > /dev/null)
      s=$(date +%s%N); (cd "$d" && "$atlas" "${args[@]}" | cat > /dev/null); e=$(date +%s%N)
      times+=($(( (e - s) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "  median %.2f ms\n", a[int((NR+1)/2)]/1000}'
  fi
done
echo

d="$work/log-1000000"
echo "== peak memory on the 1,000,000-entry log (max RSS)"
for cmd in "inbox human" "check" "status"; do
  rm -rf "$d/logs"
  rss=$(cd "$d" && /usr/bin/time -v "$atlas" -L "$sock" $cmd 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}')
  echo "atlas $cmd: $(( rss / 1024 )) MB ($rss KB)"
done
