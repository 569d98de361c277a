#!/usr/bin/env bash
# Install the real agent programs the tests run (pinned versions), into a cache outside the
# checkout: $ATLAS_AGENTS_DIR (default ~/.cache/atlas-agents). Reruns download nothing that is
# already there. Afterwards $ATLAS_AGENTS_DIR/bin holds claude, codex, gemini and aider.
#
#   scripts/install-agents.sh            # all four
#   scripts/install-agents.sh claude     # some
#
# Versions are read from tests/fake_model/agents.py (VERSIONS), the one list the tests and
# the screen fixtures use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${ATLAS_AGENTS_DIR:-$HOME/.cache/atlas-agents}"
mkdir -p "$dir/bin"
version() {
  python3 -c "import sys; sys.path.insert(0, '$root/tests/fake_model'); import agents; print(agents.VERSIONS['$1'])"
}
link() { ln -sfn "$2" "$dir/bin/$1"; }
programs=("$@")
[ "${#programs[@]}" -gt 0 ] || programs=(claude codex gemini aider)
for p in "${programs[@]}"; do
  v="$(version "$p")"
  case "$p" in
    claude)
      d="$dir/claude-$v"
      bin="$d/node_modules/@anthropic-ai/claude-code-linux-x64/claude"
      if [ ! -x "$bin" ]; then
        echo "installing Claude Code $v" >&2
        npm install --silent --no-audit --no-fund --prefix "$d" "@anthropic-ai/claude-code@$v" >&2
      fi
      # The package's own bin/claude.exe is only filled in by a postinstall script that npm
      # may not run: use the native binary of the platform package.
      [ -x "$bin" ] || bin="$(find "$d/node_modules/@anthropic-ai" -maxdepth 2 -name claude -type f -perm -u+x | head -1)"
      link claude "$bin"
      ;;
    codex)
      d="$dir/codex-$v"
      if [ ! -d "$d/node_modules/@openai/codex" ]; then
        echo "installing Codex CLI $v" >&2
        npm install --silent --no-audit --no-fund --prefix "$d" "@openai/codex@$v" >&2
      fi
      # The native binary, not the npm launcher (node_modules/.bin/codex): on Node < 22.15 the
      # launcher cannot execve and stays as a node parent that forwards signals; the native
      # binary finds its bundled rg and bwrap by itself (`codex doctor`: search provider bundled).
      bin="$(find "$d/node_modules/@openai" -path '*/vendor/*/bin/codex' -type f | head -1)"
      link codex "$bin"
      ;;
    gemini)
      d="$dir/gemini-$v"
      if [ ! -x "$d/node_modules/.bin/gemini" ]; then
        echo "installing Gemini CLI $v" >&2
        npm install --silent --no-audit --no-fund --prefix "$d" "@google/gemini-cli@$v" >&2
      fi
      link gemini "$d/node_modules/.bin/gemini"
      ;;
    aider)
      d="$dir/aider-$v"
      if [ ! -x "$d/bin/aider" ]; then
        echo "installing Aider $v" >&2
        python3 -m venv "$d"
        "$d/bin/pip" install --quiet --disable-pip-version-check "aider-chat==$v" >&2
      fi
      link aider "$d/bin/aider"
      ;;
    *) echo "install-agents.sh: unknown program $p (claude, codex, gemini, aider)" >&2; exit 2 ;;
  esac
  echo "$p $v: $(readlink "$dir/bin/$p")"
done
