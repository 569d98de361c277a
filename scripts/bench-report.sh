#!/usr/bin/env bash
# Benchmark `atlas report` over a 100,000-entry coordination file and a matching events log
# (whole process, release build). Usage: scripts/bench-report.sh [ENTRIES]
# Needs python3; uses hyperfine when installed, else times 10 runs with bash's `time`.
set -euo pipefail
entries="${1:-100000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
atlas="$root/target/release/atlas"

"$atlas" init "$work" >/dev/null
python3 "$root/scripts/gen-coord-log.py" "$entries" "$work/coordination.md"
mkdir -p "$work/logs"
python3 "$root/scripts/gen-events-log.py" "$work/coordination.md" "$work/logs/events.log"
printf 'coordination.md: %s entries, %s bytes\n' "$(grep -c '^## \[' "$work/coordination.md")" "$(wc -c <"$work/coordination.md")"
printf 'events.log: %s lines, %s bytes\n' "$(wc -l <"$work/logs/events.log")" "$(wc -l <"$work/logs/events.log" >/dev/null; wc -c <"$work/logs/events.log")"

# The window: the last 12 hours of the file, and the whole file.
last="$(grep '^## \[' "$work/coordination.md" | tail -1 | sed -E 's/^## \[([0-9-]+ [0-9:]+)\].*/\1/')"
to="$(date -d "$last 1 minute" '+%Y-%m-%d %H:%M:%S')"
night="$(date -d "$to 12 hours ago" '+%Y-%m-%d %H:%M:%S')"
first="2026-01-01 00:00"

cd "$work"
run() { "$atlas" --config "$work/atlas.toml" report "$@" >/dev/null; }
cases=(
  "last 12h (markdown)|--from|$night|--to|$to"
  "last 12h (--json)|--from|$night|--to|$to|--json"
  "whole file (markdown)|--from|$first|--to|$to"
  "whole file (--json)|--from|$first|--to|$to|--json"
)
for c in "${cases[@]}"; do
  IFS='|' read -r -a parts <<<"$c"
  name="${parts[0]}"
  args=("${parts[@]:1}")
  run "${args[@]}" # warm the page cache
  if command -v hyperfine >/dev/null; then
    q=()
    for a in "${args[@]}"; do q+=("'$a'"); done
    hyperfine --warmup 1 --runs 10 --style basic -N -n "$name" \
      "$atlas --config $work/atlas.toml report ${q[*]}" 2>&1 | grep -E 'Time|Range|Benchmark'
  else
    echo "$name"
    time (for _ in 1 2 3 4 5 6 7 8 9 10; do run "${args[@]}"; done)
  fi
done
"$atlas" --config "$work/atlas.toml" report --from "$night" --to "$to" | head -12
