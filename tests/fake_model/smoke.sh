#!/usr/bin/env bash
# A quick re-check that a real agent program runs against the fake model server:
#
#   tests/fake_model/smoke.sh PROGRAM [DIRECTIVE]      # PROGRAM: claude, codex, gemini, aider
#
# Starts the fake server and the program (set up by agents.py, installed by
# scripts/install-agents.sh) in a private tmux server, waits for its input, sends one directive
# (default "smoke test [[stream 2]]"), waits for the answer, prints the screen and the log
# records of that turn, and cleans everything up (the pane's whole process tree included: the
# Gemini CLI launcher ignores SIGTERM and SIGHUP). Exit status 0 when the model got the
# directive byte for byte and answered.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
program="${1:?usage: smoke.sh PROGRAM [DIRECTIVE]}"
directive="${2:-smoke test [[stream 2]]}"
bin="$(python3 "$here/agents.py" find "$program")" || { echo "smoke.sh: $program is not installed (scripts/install-agents.sh $program)" >&2; exit 2; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/atlas-smoke.XXXXXX")"
sock="smoke-$$"
tmux_() { env -u TMUX -u TMUX_PANE tmux -L "$sock" -f /dev/null "$@"; }
fm_pid=""
tree() { # a pid and all its descendants
  local p
  echo "$1"
  for p in $(pgrep -P "$1" 2>/dev/null); do tree "$p"; done
}
cleanup() {
  local pids="" pane_pid
  pane_pid="$(tmux_ display -p -t smoke '#{pane_pid}' 2>/dev/null)"
  [ -n "$pane_pid" ] && pids="$(tree "$pane_pid")"
  tmux_ kill-server 2>/dev/null
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null
    sleep 1
    kill -KILL $pids 2>/dev/null
  fi
  [ -n "$fm_pid" ] && kill "$fm_pid" 2>/dev/null
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
  rm -rf "$dir"
}
trap cleanup EXIT

python3 "$here/fake_model.py" --port 0 --port-file "$dir/port" --log "$dir/log.jsonl" 2>"$dir/fake.err" &
fm_pid=$!
for _ in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
[ -s "$dir/port" ] || { echo "smoke.sh: the fake server did not start" >&2; cat "$dir/fake.err" >&2; exit 1; }
port="$(cat "$dir/port")"

mkdir -p "$dir/cwd" "$dir/home"
git -C "$dir/cwd" init -q && echo hello >"$dir/cwd/README.md" &&
  git -C "$dir/cwd" add README.md && git -C "$dir/cwd" -c user.name=t -c user.email=t@t commit -qm init

setup="$(python3 "$here/agents.py" setup --program "$program" --bin "$bin" --home "$dir/home" \
  --cwd "$dir/cwd" --url "http://127.0.0.1:$port" --agent smoke)" || exit 1
# The tmux command line: -e NAME=VALUE for the environment, then the program's argv.
mapfile -d '' argv < <(python3 -c '
import json, sys
c = json.loads(sys.argv[1])
out = []
env = dict(c["env"]); env.setdefault("TERM", "xterm-256color")
for k, v in env.items():
    out += ["-e", "%s=%s" % (k, v)]
out += ["--"] + c["command"]
sys.stdout.write("\0".join(out) + "\0")
' "$setup")
tmux_ new-session -d -s smoke -x 120 -y 40 -c "$dir/cwd" "${argv[@]}" || exit 1
tmux_ set -t smoke remain-on-exit on >/dev/null

case "$program" in
  claude) ready='❯' ;;
  codex) ready='Ask Codex to do anything' ;;
  gemini) ready='Type your message' ;;
  aider) ready='^> *$' ;;
esac
screen() { tmux_ capture-pane -p -J -t smoke; }
ok=""
for _ in $(seq 120); do
  if screen | grep -qE -- "$ready"; then ok=1; break; fi
  sleep 0.25
done
[ -n "$ok" ] || { echo "smoke.sh: $program showed no input line in 30 s:" >&2; screen | grep -v '^ *$' >&2; exit 1; }

tmux_ send-keys -t smoke -l -- "$directive"
sleep 0.5 # an Enter right after the text can count as part of a paste (Codex, Gemini CLI)
tmux_ send-keys -t smoke Enter

# The turn: the request that carries the directive, and its response_end.
turn() {
  python3 - "$dir/log.jsonl" "$directive" <<'EOF'
import json, sys
path, text = sys.argv[1], sys.argv[2]
ids, out, done = set(), [], False
try:
    lines = open(path, encoding="utf-8").read().splitlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)
    if r.get("event") == "request" and r.get("tools") and r.get("user_text") == text:
        ids.add(r["id"]); out.append(line)
    elif r.get("event") == "response_end" and r.get("id") in ids:
        out.append(line); done = True
print("\n".join(out))
sys.exit(0 if done else 1)
EOF
}
status=1
for _ in $(seq 240); do
  if turn >/dev/null; then status=0; break; fi
  sleep 0.25
done
sleep 1.5
echo "── $program screen ($(tmux_ display -p -t smoke '#{pane_width}x#{pane_height}, cursor_flag #{cursor_flag}')) ──"
screen | grep -v '^ *$' | tail -25
echo "── fake server log ──"
turn || echo "(no answer to the directive in 60 s)"
exit $status
