#!/usr/bin/env bash
# Benchmark the tmux plugin on private tmux servers (never the default one):
#   1. a plugin reload (atlas.tmux, as TPM runs it): wall time and tmux invocations;
#   2. the menu: time from the key press (prefix + A) until a real client draws it.
# Usage: scripts/bench-plugin.sh [RUNS]   (ATLAS_BIN=path to pick the binary; default:
# target/release/atlas when built, else target/debug/atlas)
set -euo pipefail

RUNS="${1:-30}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ATLAS_BIN:-}"
if [ -z "$BIN" ]; then
	if [ -x "$ROOT/target/release/atlas" ]; then BIN="$ROOT/target/release/atlas"; else BIN="$ROOT/target/debug/atlas"; fi
fi
[ -x "$BIN" ] || { echo "no atlas binary at $BIN; run cargo build first" >&2; exit 1; }
REAL_TMUX="$(command -v tmux)"
WORK="$(mktemp -d)"
INNER="atlas-bench-inner-$$"
OUTER="atlas-bench-outer-$$"
cleanup() {
	"$REAL_TMUX" -L "$INNER" kill-server 2>/dev/null || true
	"$REAL_TMUX" -L "$OUTER" kill-server 2>/dev/null || true
	rm -f "/tmp/tmux-$(id -u)/$INNER" "/tmp/tmux-$(id -u)/$OUTER"
	rm -rf "$WORK"
}
trap cleanup EXIT

# A tmux that counts its invocations, first on PATH (atlas.tmux and atlas find it there),
# with the atlas binary next to it.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/tmux" <<SHIM
#!/bin/sh
echo x >>"$WORK/count"
exec "$REAL_TMUX" "\$@"
SHIM
chmod +x "$WORK/bin/tmux"
ln -s "$BIN" "$WORK/bin/atlas"
export PATH="$WORK/bin:$PATH"
unset TMUX TMUX_PANE
export ATLAS_FORBID_DEFAULT_SERVER=1

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %.1f ms, p90 %.1f ms, max %.1f ms (n=%d)\n", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], v[NR], NR }'; }

# A team of 13 agent panes (cat), its config, a plugin already loaded.
cat >"$WORK/atlas.toml" <<TOML
[team]
session = "team"
[defaults]
command = "cat"
preset = "shell"
[[windows]]
name = "crew"
agents = [ { name = "A1" }, { name = "A2" }, { name = "A3" }, { name = "A4" }, { name = "A5" }, { name = "A6" }, { name = "A7" }, { name = "A8" }, { name = "A9" }, { name = "A10" }, { name = "A11" }, { name = "A12" }, { name = "A13" } ]
TOML
printf '## [2026-04-11 01:14] A2 → human\nStatus: BLOCKED\nTask: #(touch %s/pwned)\n' "$WORK" >"$WORK/coordination.md"
T() { "$REAL_TMUX" -L "$INNER" "$@"; }
T -f /dev/null new-session -d -s team -n crew -x 200 -y 60 cat
for i in $(seq 2 13); do T split-window -t =team: cat; T select-layout -t =team: tiled >/dev/null; done
i=0
for p in $(T list-panes -t =team: -F '#{pane_id}'); do
	i=$((i + 1)); T set-option -p -t "$p" @atlas_agent "A$i"
done
T set-option -t =team: @atlas_config "$WORK/atlas.toml"
T set-option -s escape-time 0
T set-option -g status-right '#{atlas_status} %H:%M'
T run-shell "$ROOT/atlas.tmux"

echo "machine: $(nproc) CPUs, $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'); $("$REAL_TMUX" -V); binary: $BIN"

# 1. Reloads.
: >"$WORK/times"
for _ in $(seq "$RUNS"); do
	: >"$WORK/count"
	T set-option -g status-right '#{atlas_status} %H:%M'
	: >"$WORK/count"
	a=$(date +%s%N)
	T run-shell "$ROOT/atlas.tmux"
	b=$(date +%s%N)
	ms "$a" "$b" >>"$WORK/times"
	calls=$(($(wc -l <"$WORK/count") ))
done
echo "reload (run-shell atlas.tmux, status re-interpolated): $(stats <"$WORK/times")"
echo "tmux invocations per reload inside atlas.tmux: $calls (plus the run-shell that starts it)"

# 2. The menu, drawn on a real client: a pane of a second server attached to the first.
"$REAL_TMUX" -L "$OUTER" -f /dev/null new-session -d -s o -x 200 -y 60 \
	"env -u TMUX $REAL_TMUX -L $INNER attach -t =team"
"$REAL_TMUX" -L "$OUTER" set-option -s escape-time 0
for _ in $(seq 100); do T list-clients | grep -q . && break; sleep 0.05; done
O() { "$REAL_TMUX" -L "$OUTER" "$@"; }
: >"$WORK/times"
for _ in $(seq "$RUNS"); do
	a=$(date +%s%N)
	O send-keys -t o C-b A
	until O capture-pane -p -t o | grep -q 'Send a directive'; do :; done
	b=$(date +%s%N)
	ms "$a" "$b" >>"$WORK/times"
	O send-keys -t o Escape
	until ! O capture-pane -p -t o | grep -q 'Send a directive'; do :; done
done
echo "menu, key press to drawn (incl. ~2 ms per capture poll): $(stats <"$WORK/times")"
: >"$WORK/times"
for _ in $(seq "$RUNS"); do
	a=$(date +%s%N)
	"$BIN" -L "$INNER" menu --print --pane "$(T display-message -p '#{pane_id}')" >/dev/null
	b=$(date +%s%N)
	ms "$a" "$b" >>"$WORK/times"
done
echo "atlas menu --print alone (reads tmux and the inbox, builds the menu): $(stats <"$WORK/times")"
[ ! -e "$WORK/pwned" ] || { echo "FAIL: a #() from the coordination file ran" >&2; exit 1; }
