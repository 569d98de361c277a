#!/usr/bin/env python3
"""How each real agent program runs offline against the fake model server: the private HOME
(or CODEX_HOME) files that skip its first-run dialogs, its environment, and its command and
resume command. One place for the tests (tests/real/mod.rs), the screen captures
(scripts/capture-screens.py) and the benchmarks.

  agents.py setup --program claude --bin PATH --home DIR --cwd DIR --url http://127.0.0.1:PORT \\
      --agent NAME [--auth key|oauth] [--ask-trust] [--atlas PATH]

writes what the program needs under --home and prints one JSON object:
{"env": {...}, "command": [...], "resume": [...], "preset": "claude"}.

--ask-trust leaves the folder-trust setting out (Codex, Gemini CLI), so the program asks.
The agent's NAME reaches the fake server as a /a/NAME/ path prefix (Claude Code, Codex, Aider)
or as the API key fake-NAME (Gemini CLI). What each program does on screen: FINDINGS.md.

Where the programs are: $ATLAS_AGENTS_DIR (default ~/.cache/atlas-agents, filled by
scripts/install-agents.sh) holds bin/claude, bin/codex, bin/gemini, bin/aider.
"""

import argparse
import json
import os
import sys

# The versions the tests and fixtures are made with (scripts/install-agents.sh installs them).
VERSIONS = {
    "claude": "2.1.332",
    "codex": "0.171.0",
    "gemini": "0.61.0",
    "aider": "0.86.2",
}


def agents_dir():
    return os.environ.get("ATLAS_AGENTS_DIR") or os.path.expanduser("~/.cache/atlas-agents")


def find(program):
    """The program's path, or None."""
    p = os.path.join(agents_dir(), "bin", program)
    return p if os.path.exists(p) else None


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def claude(a):
    key = "sk-ant-fake-%s-0123456789abcdefghij" % a.agent
    cfg = {
        "hasCompletedOnboarding": True,
        "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []},
        "projects": {os.path.realpath(a.cwd): {"hasTrustDialogAccepted": True}, a.cwd: {"hasTrustDialogAccepted": True}},
    }
    if a.first_run:
        # The onboarding needs the real service; leave out only what a new folder and a new
        # key ask about.
        cfg = {"hasCompletedOnboarding": True}
    write(os.path.join(a.home, ".claude.json"), json.dumps(cfg))
    env = {
        "HOME": a.home,
        "ANTHROPIC_BASE_URL": "%s/a/%s" % (a.url, a.agent),
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_TELEMETRY": "1",
    }
    if a.auth == "oauth":
        # A subscription login: Claude Code then shows its own usage-limit screens.
        env["CLAUDE_CODE_OAUTH_TOKEN"] = "fake-%s-oauth" % a.agent
    else:
        env["ANTHROPIC_API_KEY"] = key
    flags = ["--permission-mode", "default", "--allowedTools", "Bash(atlas handoff:*)"]
    return {
        "env": env,
        "command": [a.bin] + flags,
        "resume": [a.bin, "--continue"] + flags,
        "preset": "claude",
    }


def toml_str(s):
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def codex(a):
    """Codex CLI: a private CODEX_HOME whose config.toml points at the fake server."""
    codex_home = os.path.join(a.home, ".codex")
    cwds = sorted({os.path.realpath(a.cwd), os.path.abspath(a.cwd)})
    lines = [
        'model = "gpt-5.5"',
        'model_provider = "fake"',
        'approval_policy = "on-request"',
        'sandbox_mode = "workspace-write"',
        "check_for_update_on_startup = false",
        "",
        "[model_providers.fake]",
        'name = "fake"',
        "base_url = %s" % toml_str("%s/a/%s/v1" % (a.url, a.agent)),
        'env_key = "FAKE_OPENAI_API_KEY"',
        'wire_api = "responses"',
        "",
        "[features]",
        # No shared `codex app-server --managed-daemon` that would outlive the pane: the TUI
        # runs its app server inside its own process.
        "daemon_auto_start = false",
        # Off the network: these look up github.com, api.github.com and chatgpt.com at start.
        "plugins = false",
        "apps = false",
        "remote_plugin = false",
        "plugin_sharing = false",
        "recommended_plugins = false",
        "tool_suggest = false",
        "skill_mcp_dependency_install = false",
        "",
        # What Codex records after its one-time notices (the "Meet GPT-6 Sol / 1. Try new model"
        # menu and the screen-reader probe), so they do not show.
        "[tui]",
        "screen_reader_detection_done = true",
        "",
        "[tui.model_availability_nux]",
        '"gpt-6.1-sol" = 1',
        "",
        "[notice.model_migrations]",
        '"gpt-5.5" = "gpt-6-sol"',
        "",
    ]
    if not a.ask_trust:
        for c in cwds:
            lines += ["[projects.%s]" % toml_str(c), 'trust_level = "trusted"', ""]
    write(os.path.join(codex_home, "config.toml"), "\n".join(lines))
    # As Claude Code's --allowedTools 'Bash(atlas handoff:*)': this command runs unasked.
    write(
        os.path.join(codex_home, "rules", "default.rules"),
        'prefix_rule(pattern=["atlas", "handoff"], decision="allow")\n',
    )
    env = {
        "HOME": a.home,
        "CODEX_HOME": codex_home,
        "FAKE_OPENAI_API_KEY": "fake-%s" % a.agent,
    }
    return {
        "env": env,
        "command": [a.bin],
        "resume": [a.bin, "resume", "--last"],
        "preset": "codex",
    }


def gemini(a):
    """Gemini CLI: a private HOME whose .gemini/settings.json skips its first-run dialogs."""
    settings = {
        "security": {
            "auth": {"selectedType": "gemini-api-key"},
            "folderTrust": {"enabled": bool(a.ask_trust)},
        },
        "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
        "privacy": {"usageStatisticsEnabled": False},
        "ide": {"enabled": False},
    }
    write(os.path.join(a.home, ".gemini", "settings.json"), json.dumps(settings, indent=2))
    env = {
        "HOME": a.home,
        "GEMINI_API_KEY": "fake-%s" % a.agent,
        "GOOGLE_GEMINI_BASE_URL": a.url,
    }
    return {
        "env": env,
        "command": [a.bin],
        "resume": [a.bin, "--resume", "latest"],
        "preset": "gemini",
    }


def aider(a):
    """Aider: flags, and a private HOME (its cwd must be a git repository; .aider* files are
    written there)."""
    # The model's metadata, so Aider does not fetch litellm's price list from GitHub.
    metadata = os.path.join(a.home, ".aider.model.metadata.json")
    info = {
        "max_input_tokens": 128000,
        "max_output_tokens": 8192,
        "input_cost_per_token": 0,
        "output_cost_per_token": 0,
        "litellm_provider": "openai",
        "mode": "chat",
    }
    write(metadata, json.dumps({"openai/fake": info}, indent=2))
    # The model's own edit format is SEARCH/REPLACE blocks ("diff"), the format in which Aider
    # also offers to run ```bash blocks; as the model's default it is not shown in the prompt
    # (`--edit-format diff` would make the prompt `diff> `).
    settings = os.path.join(a.home, ".aider.model.settings.yml")
    write(settings, "- name: openai/fake\n  edit_format: diff\n")
    # Without a git identity Aider prints `Update git name with: git config user.name …`.
    write(os.path.join(a.home, ".gitconfig"), "[user]\n\tname = atlas test\n\temail = atlas@example.invalid\n")
    flags = [
        "--model-metadata-file", metadata,
        "--model", "openai/fake",
        "--model-settings-file", settings,
        "--openai-api-base", "%s/a/%s/v1" % (a.url, a.agent),
        "--openai-api-key", "fake-%s" % a.agent,
        "--no-check-update",
        "--no-show-release-notes",
        "--no-analytics",
        "--no-gitignore",
        "--map-tokens", "0",
        "--no-show-model-warnings",
    ]
    env = {
        "HOME": a.home,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    return {
        "env": env,
        "command": [a.bin] + flags,
        "resume": [a.bin, "--restore-chat-history"] + flags,
        "preset": "aider",
    }


PROGRAMS = {"claude": claude, "codex": codex, "gemini": gemini, "aider": aider}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--program", required=True, choices=sorted(VERSIONS))
    s.add_argument("--bin")
    s.add_argument("--home", required=True)
    s.add_argument("--cwd", required=True)
    s.add_argument("--url", required=True)
    s.add_argument("--agent", required=True)
    s.add_argument("--auth", default="key", choices=["key", "oauth"])
    s.add_argument("--first-run", action="store_true", help="leave out what skips first-run dialogs")
    s.add_argument("--ask-trust", action="store_true", help="leave the folder-trust setting out, so the program asks")
    f = sub.add_parser("find")
    f.add_argument("program")
    a = ap.parse_args()
    if a.cmd == "find":
        p = find(a.program)
        if not p:
            sys.exit(1)
        print(p)
        return
    a.bin = a.bin or find(a.program) or a.program
    a.home, a.cwd = os.path.abspath(a.home), os.path.abspath(a.cwd)
    os.makedirs(a.home, exist_ok=True)
    if a.program not in PROGRAMS:
        sys.exit("agents.py: %s is not set up yet" % a.program)
    print(json.dumps(PROGRAMS[a.program](a)))


if __name__ == "__main__":
    main()
