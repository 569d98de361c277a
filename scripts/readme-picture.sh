#!/usr/bin/env bash
# Make the README's "What you get" captures from a real session: the demo team on a private
# server with the plugin loaded, viewed by a client attached inside a second private server
# (so the capture includes the status line, the pane borders and the menu).
# Usage: scripts/readme-picture.sh OUTDIR   (needs target/debug/atlas)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/readme-picture.sh OUTDIR}
mkdir -p "$out"
export PATH="$root/target/debug:$PATH" ATLAS_TMUX_CONF=/dev/null
unset TMUX TMUX_PANE
inner="pic-$$" outer="picview-$$" team=$(mktemp -d)
cleanup() {
  tmux -L "$outer" kill-server 2>/dev/null || true
  tmux -L "$inner" kill-server 2>/dev/null || true
  rm -f "/tmp/tmux-$(id -u)/$outer" "/tmp/tmux-$(id -u)/$inner"
  rm -rf "$team"
}
trap cleanup EXIT
atlas init --demo "$team" >/dev/null
# `atlas init` names the session after the folder; the captures below say =atlas.
sed -i 's/^session = .*/session = "atlas"/' "$team/atlas.toml"
printf 'set -g status-right "#{atlas_status} %%H:%%M"\nrun-shell %s/atlas.tmux\n' "$root" > "$team/tmux.conf"
tmux -L "$inner" -f "$team/tmux.conf" new-session -d -s scratch
sleep 2
ATLAS_TMUX_CONF= atlas -L "$inner" -c "$team/atlas.toml" up >/dev/null
sleep 2
atlas -L "$inner" -c "$team/atlas.toml" send Orpheus "write 3 captions" >/dev/null
tmux -L "$outer" -f /dev/null new-session -d -x 110 -y 32 "env -u TMUX tmux -L $inner attach -t =atlas:=content"
sleep 5
tmux -L "$outer" capture-pane -p > "$out/team.txt"
tmux -L "$outer" send-keys C-b A
sleep 1
tmux -L "$outer" capture-pane -p > "$out/menu.txt"
tmux -L "$outer" send-keys Escape
echo "wrote $out/team.txt and $out/menu.txt"
