#!/usr/bin/env python3
"""Capture the screens of the real agent programs as test fixtures.

  scripts/capture-screens.py claude [--out tests/fixtures/screens] [--keep]

For each program it starts the fake model server (tests/fake_model/fake_model.py) and the
program itself (set up by tests/fake_model/agents.py) in a private tmux server (never yours),
drives it through its states — idle, typing, a long streamed answer, a pause mid-answer, a
message queued while busy, a permission prompt, first-run dialogs, usage limits — and writes
what `capture-pane -p -J` shows at each step to

  <out>/<program>@<version>_<state>_<n>[_reset-HHMM | _reset-MMDD-HHMM | _reset-in-<N>s][_draft].txt

The state in the name is the truth as the script knows it (it drives the program, and checks
the fake server's log: "busy" captures are taken while a request is open). Rerun it when a
program updates (after bumping its version in tests/fake_model/agents.py and running
scripts/install-agents.sh), then run `cargo test --test state_fixtures`: a preset that no
longer reads a screen fails there, naming the fixture. Old versions' fixtures can stay (they
document what atlas still reads) or be removed.

Reset times: a limit scripted with [[limit HH:MM]] resets at that local time; the file name
carries it so the fixture test can check the parsed reset.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKE = os.path.join(ROOT, "tests", "fake_model")
sys.path.insert(0, FAKE)
import agents  # noqa: E402

WIDTH, HEIGHT = 100, 30


class Rig:
    """A fake model server and a private tmux server."""

    def __init__(self, program, keep=False):
        self.program = program
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix="atlas-capture-%s-" % program)
        self.sock = "atlas-capture-%d" % os.getpid()
        self.log = os.path.join(self.tmp, "model.jsonl")
        portfile = os.path.join(self.tmp, "port")
        self.server = subprocess.Popen(
            [sys.executable, os.path.join(FAKE, "fake_model.py"), "--log", self.log, "--port-file", portfile],
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while not os.path.exists(portfile):
            if time.time() > deadline:
                raise SystemExit("the fake model server did not start")
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s" % open(portfile).read().strip()
        self.n = 0

    def tmux(self, *args, check=True):
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        r = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args], capture_output=True, text=True, env=env)
        if check and r.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (args, r.stderr.strip()))
        return r.stdout

    def start(self, agent, auth="key", first_run=False, cwd=None, ask_trust=False):
        """Start the program as agent `agent` in a session of that name; returns the target."""
        home = os.path.join(self.tmp, "home-" + agent)
        cwd = cwd or os.path.join(self.tmp, "work-" + agent)
        os.makedirs(cwd, exist_ok=True)
        subprocess.run(["git", "init", "-q", cwd], check=False)
        args = [sys.executable, os.path.join(FAKE, "agents.py"), "setup", "--program", self.program,
                "--home", home, "--cwd", cwd, "--url", self.url, "--agent", agent, "--auth", auth]
        if first_run:
            args.append("--first-run")
        if ask_trust:
            args.append("--ask-trust")
        setup = json.loads(subprocess.check_output(args))
        env = []
        for k, v in setup["env"].items():
            env += ["-e", "%s=%s" % (k, v)]
        self.tmux("new-session", "-d", "-s", agent, "-x", str(WIDTH), "-y", str(HEIGHT), "-c", cwd, *env, "--", *setup["command"])
        self.tmux("set-option", "-t", agent, "remain-on-exit", "on")
        return agent + ":"

    def screen(self, target):
        return self.tmux("capture-pane", "-p", "-J", "-t", target)

    def cursor(self, target):
        return self.tmux("display-message", "-p", "-t", target, "#{cursor_flag}").strip()

    def title(self, target):
        return self.tmux("display-message", "-p", "-t", target, "#{pane_title}").rstrip("\n")

    def wait(self, target, what, pred, timeout=30):
        deadline = time.time() + timeout
        while True:
            s = self.screen(target)
            if pred(s):
                return s
            if time.time() > deadline:
                raise SystemExit("timed out waiting for %s; the screen:\n%s" % (what, s))
            time.sleep(0.1)

    def type(self, target, text):
        self.tmux("send-keys", "-t", target, "-l", "--", text)

    def key(self, target, *keys):
        self.tmux("send-keys", "-t", target, *keys)

    def send(self, target, text):
        self.type(target, text)
        time.sleep(0.3)
        self.key(target, "Enter")

    def requests(self):
        out = []
        if os.path.exists(self.log):
            for line in open(self.log):
                out.append(json.loads(line))
        return out

    def open_request(self, agent):
        """Whether a scripted request of `agent` is being answered now."""
        ends = {r["id"] for r in self.requests() if r.get("event") == "response_end"}
        return any(
            r.get("event") == "request" and r.get("agent") == agent and r.get("tools") and r["id"] not in ends
            for r in self.requests()
        )

    def close(self):
        self.tmux("kill-server", check=False)
        try:
            os.remove("/tmp/tmux-%d/%s" % (os.getuid(), self.sock))
        except OSError:
            pass
        self.server.send_signal(signal.SIGTERM)
        self.server.wait()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("kept", self.tmp, file=sys.stderr)


class Fixtures:
    def __init__(self, out, program):
        self.out = out
        self.prefix = "%s@%s" % (program, agents.VERSIONS[program])
        self.counts = {}
        self.written = []

    def save(self, state, screen, extra="", title=None, cursor=None):
        """Write a fixture; `title`: the pane's title then, kept beside it in NAME.title (a
        program may say it works in its title)."""
        n = self.counts.get(state, 0) + 1
        self.counts[state] = n
        name = "%s_%s_%d%s.txt" % (self.prefix, state, n, extra)
        # Trailing blank lines say nothing; trailing spaces on lines are kept (prompts end
        # with one).
        text = screen.rstrip("\n") + "\n"
        with open(os.path.join(self.out, name), "w") as f:
            f.write(text)
        if title:
            with open(os.path.join(self.out, name[:-4] + ".title"), "w") as f:
                f.write(title + "\n")
        if cursor is not None:
            with open(os.path.join(self.out, name[:-4] + ".cursor"), "w") as f:
                f.write(cursor + "\n")
        self.written.append(name)
        print("wrote", name, file=sys.stderr)


def last_lines(s, n=12):
    lines = [l for l in s.splitlines() if l.strip()]
    return "\n".join(lines[-n:])


# -- Claude Code ---------------------------------------------------------------------------

CLAUDE_IDLE = re.compile(r"^[─━]{8,}\n❯[ \u00a0]*\n[─━]{8,}\n[^\n]*\? for shortcuts", re.M)
CLAUDE_BOX = re.compile(r"^[─━]{8,}\n❯", re.M)


def claude_idle(s):
    return bool(CLAUDE_IDLE.search(last_lines(s, 6)))


def capture_claude(rig, fx):
    t = rig.start("Alpha")
    s = rig.wait(t, "the prompt", claude_idle)
    fx.save("idle", s)

    # A draft typed but not submitted.
    rig.type(t, "refactor the parser into smaller functions")
    s = rig.wait(t, "the draft", lambda s: "refactor the parser" in last_lines(s, 4))
    fx.save("idle", s, "_draft")
    rig.key(t, "C-u")
    rig.wait(t, "an empty prompt", claude_idle)

    # An answer.
    rig.send(t, "say hello")
    s = rig.wait(t, "the answer", lambda s: "Done: received" in s and claude_idle(s))
    fx.save("idle", s)

    # A long streamed answer: at its start, in the middle, during a pause mid-answer.
    rig.send(t, "write a long answer [[delay 2]] [[stream 12]] [[pause 8]]")
    rig.wait(t, "the request", lambda s: rig.open_request("Alpha"))
    time.sleep(0.5)
    fx.save("busy", rig.screen(t))  # before the first token
    s = rig.wait(t, "streamed words", lambda s: "word3" in s)
    fx.save("busy", s)
    # The pause starts halfway through the words.
    s = rig.wait(t, "the pause", lambda s: "word24" in s, timeout=20)
    time.sleep(3)
    assert rig.open_request("Alpha"), "the answer ended during the pause"
    fx.save("busy", rig.screen(t))
    # A draft typed while busy, then queued with Enter.
    rig.type(t, "and then summarise it")
    s = rig.wait(t, "the draft while busy", lambda s: "and then summarise it" in last_lines(s, 4))
    fx.save("busy", s, "_draft")
    rig.key(t, "Enter")
    s = rig.wait(t, "the queued message", lambda s: "queued" in last_lines(s, 6).lower())
    assert rig.open_request("Alpha")
    fx.save("busy", s)
    s = rig.wait(t, "both answers", lambda s: s.count("Done: received") >= 3 and claude_idle(s), timeout=40)
    fx.save("idle", s)

    # A command that needs permission: the prompt, then the command running.
    rig.send(t, "make a file [[bash sleep 6 && touch made.txt]]")
    s = rig.wait(t, "the permission prompt", lambda s: "Do you want to proceed?" in s)
    time.sleep(0.5)
    fx.save("waiting", rig.screen(t))
    rig.key(t, "Enter")
    s = rig.wait(t, "the command running", lambda s: "Do you want to proceed?" not in s)
    time.sleep(1.5)
    fx.save("busy", rig.screen(t))
    s = rig.wait(t, "the command's end", lambda s: "Ran it:" in s and claude_idle(s), timeout=20)
    fx.save("idle", s)

    # Escape on a permission prompt: interrupted, idle again.
    rig.send(t, "remove it [[bash rm made.txt]]")
    rig.wait(t, "the permission prompt", lambda s: "Do you want to proceed?" in s)
    rig.key(t, "Escape")
    s = rig.wait(t, "the interruption", lambda s: "Interrupted" in s and claude_idle(s))
    fx.save("idle", s)

    # An API error (a key's 429): the message, and the prompt's retry hint.
    rig.send(t, "go on [[limit]]")
    s = rig.wait(t, "the API error", lambda s: "429" in s and CLAUDE_BOX.search(last_lines(s, 5)) and "esc to interrupt" not in s)
    time.sleep(0.5)
    fx.save("limited", rig.screen(t))

    # A rate limit Claude Code retries by itself.
    rig.key(t, "C-u")
    rig.send(t, "again [[ratelimit 30]]")
    s = rig.wait(t, "the retry line", lambda s: re.search(r"retrying in \d+s", s), timeout=40)
    m = re.search(r"retrying in (\d+)s", last_lines(s, 8))
    fx.save("limited", s, "_reset-in-%ss" % m.group(1))
    rig.key(t, "Escape")

    # A subscription login: Claude Code's own usage-limit screens.
    t = rig.start("Beta", auth="oauth")
    rig.wait(t, "the prompt", claude_idle)
    rig.send(t, "keep working [[limit 23:30]]")
    s = rig.wait(t, "the limit notice", lambda s: "Usage limit reached" in s and claude_idle(s) is False and "limit resets" in s)
    time.sleep(0.5)
    fx.save("limited", rig.screen(t), "_reset-2330")
    rig.key(t, "Escape")
    time.sleep(0.5)
    rig.send(t, "and more [[limit +200000]]")
    s = rig.wait(t, "the limit menu", lambda s: "What do you want to do?" in s)
    time.sleep(0.5)
    fx.save("waiting", rig.screen(t))
    rig.key(t, "Enter")  # 1. Stop and wait for limit to reset
    s = rig.wait(t, "the limit message", lambda s: "hit your" in s and claude_idle(s))
    m = re.search(r"resets (\w{3}) (\d{1,2}), (\d{1,2}):(\d{2})([ap]m)", s)
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    hour = int(m.group(3)) % 12 + (12 if m.group(5) == "pm" else 0)
    fx.save("limited", s, "_reset-%02d%02d-%02d%s" % (months.index(m.group(1)) + 1, int(m.group(2)), hour, m.group(4)))

    # First run: the dialogs a new folder and a new API key show (answered "yes").
    t = rig.start("Gamma", first_run=True)
    for _ in range(6):
        s = rig.wait(t, "a dialog or the prompt", lambda s: claude_idle(s) or "Enter to confirm" in s)
        time.sleep(0.8)
        s = rig.screen(t)
        if claude_idle(s) or "Pane is dead" in s:
            break
        fx.save("waiting", s)
        if "Yes, I trust this folder" in s:
            rig.key(t, "Down")
        elif "use this API key" in s:
            rig.key(t, "Up")
        time.sleep(0.3)
        rig.key(t, "Enter")
        rig.wait(t, "the next screen", lambda s2: s2 != s)

    # Exiting: the pane is dead (decided by tmux, not the screen), nothing to capture.


# -- Codex CLI ----------------------------------------------------------------------------

CODEX_COMPOSER = re.compile(r"^› ", re.M)


def codex_idle(rig, t):
    """At its composer, not working (its title has no spinner)."""
    s = rig.screen(t)
    title = rig.title(t)
    return CODEX_COMPOSER.search(last_lines(s, 5)) and not re.match(r"^[\u2800-\u28ff] ", title)


def capture_codex(rig, fx):
    def snap(state, t, extra=""):
        fx.save(state, rig.screen(t), extra, title=rig.title(t))

    t = rig.start("Alpha")
    rig.wait(t, "the composer", lambda s: codex_idle(rig, t))
    snap("idle", t)

    rig.type(t, "refactor the parser into smaller functions")
    rig.wait(t, "the draft", lambda s: "refactor the parser" in last_lines(s, 5))
    snap("idle", t, "_draft")
    rig.key(t, "C-u")
    rig.wait(t, "an empty composer", lambda s: "refactor the parser" not in s)

    rig.send(t, "say hello")
    rig.wait(t, "the answer", lambda s: "Done: received" in s and codex_idle(rig, t))
    snap("idle", t)

    # A long answer: before the first token, streaming, paused mid-answer.
    rig.send(t, "write a long answer [[delay 2]] [[stream 10]] [[pause 8]]")
    rig.wait(t, "the request", lambda s: rig.open_request("Alpha"))
    time.sleep(0.7)
    snap("busy", t)
    rig.wait(t, "streamed words", lambda s: "word3" in s)
    snap("busy", t)
    rig.wait(t, "the pause", lambda s: "word20" in s, timeout=20)
    time.sleep(3)
    assert rig.open_request("Alpha"), "the answer ended during the pause"
    snap("busy", t)
    # A draft typed while it works, then queued with Tab (Enter would interrupt the turn).
    rig.type(t, "and then summarise it")
    rig.wait(t, "the draft while busy", lambda s: "and then summarise it" in last_lines(s, 6))
    snap("busy", t, "_draft")
    rig.key(t, "Tab")
    rig.wait(t, "the queued message", lambda s: "Queued" in s)
    assert rig.open_request("Alpha")
    snap("busy", t)
    rig.wait(t, "both answers", lambda s: s.count("Done: received") >= 2 and codex_idle(rig, t), timeout=40)
    snap("idle", t)

    # A command that needs approval, then the command running.
    rig.send(t, "make a file [[bash sleep 6 && touch made.txt]]")
    rig.wait(t, "the approval prompt", lambda s: "Would you like to run" in s)
    time.sleep(0.7)
    snap("waiting", t)
    rig.key(t, "Enter")
    rig.wait(t, "the command running", lambda s: "Would you like to run" not in s)
    time.sleep(1.5)
    snap("busy", t)
    rig.wait(t, "the command's end", lambda s: "Ran it" in s and codex_idle(rig, t), timeout=30)
    snap("idle", t)

    # Escape on the approval prompt, then Escape again: the turn is interrupted.
    rig.send(t, "remove it [[bash rm made.txt]]")
    rig.wait(t, "the approval prompt", lambda s: "Would you like to run" in s)
    time.sleep(0.7)
    rig.key(t, "Escape")
    rig.wait(t, "the prompt gone", lambda s: "Would you like to run" not in s)
    rig.wait(t, "idle again", lambda s: codex_idle(rig, t), timeout=20)
    time.sleep(0.5)
    snap("idle", t)

    # Usage limits: the same day, another day.
    rig.send(t, "keep working [[limit 23:30]]")
    rig.wait(t, "the limit message", lambda s: "usage limit" in s and codex_idle(rig, t))
    time.sleep(0.5)
    snap("limited", t, "_reset-2330")
    rig.send(t, "and more [[limit +200000]]")
    rig.wait(t, "the far limit", lambda s: s.count("usage limit") >= 2 and codex_idle(rig, t))
    time.sleep(0.5)
    s = rig.screen(t)
    m = re.findall(r"try again at (\w{3}) (\d{1,2})\w*, (\d{4}) (\d{1,2}):(\d{2}) ([AP]M)", s.replace("\n", " "))
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    if m:
        mo, d, _y, h, mi, ap = m[-1]
        hour = int(h) % 12 + (12 if ap == "PM" else 0)
        snap("limited", t, "_reset-%02d%02d-%02d%s" % (months.index(mo) + 1, int(d), hour, mi))
    else:
        snap("limited", t)

    # A rate limit it retries by itself.
    rig.send(t, "again [[ratelimit 30]]")
    rig.wait(t, "the retry", lambda s: re.search(r"(?i)reconnecting|retrying", s), timeout=40)
    time.sleep(0.5)
    snap("busy", t)

    # First run in a new folder: the trust menu.
    t = rig.start("Beta", ask_trust=True)
    rig.wait(t, "the trust menu", lambda s: "trust" in s.lower() and ("enter" in s.lower()))
    time.sleep(0.7)
    snap("waiting", t)


# -- Gemini CLI ---------------------------------------------------------------------------

GEMINI_INPUT = re.compile(r"^ >   Type your message", re.M)


def gemini_idle(rig, t):
    s = rig.screen(t)
    return GEMINI_INPUT.search(last_lines(s, 6)) and "esc to cancel" not in s


def capture_gemini(rig, fx):
    def snap(state, t, extra=""):
        fx.save(state, rig.screen(t), extra, title=rig.title(t))

    t = rig.start("Alpha")
    rig.wait(t, "the input", lambda s: gemini_idle(rig, t))
    time.sleep(0.5)
    snap("idle", t)

    rig.type(t, "refactor the parser into smaller functions")
    rig.wait(t, "the draft", lambda s: "refactor the parser" in last_lines(s, 6))
    snap("idle", t, "_draft")
    rig.key(t, "C-u")
    rig.wait(t, "an empty input", lambda s: gemini_idle(rig, t))

    rig.send(t, "say hello")
    rig.wait(t, "the answer", lambda s: "Done: received" in s and gemini_idle(rig, t))
    snap("idle", t)

    rig.send(t, "write a long answer [[delay 2]] [[stream 10]] [[pause 6]]")
    rig.wait(t, "the request", lambda s: rig.open_request("Alpha"))
    time.sleep(0.7)
    snap("busy", t)
    rig.wait(t, "streamed words", lambda s: "word3" in s)
    snap("busy", t)
    rig.wait(t, "the pause", lambda s: "word20" in s, timeout=20)
    time.sleep(3)
    assert rig.open_request("Alpha"), "the answer ended during the pause"
    snap("busy", t)
    rig.type(t, "and then summarise it")
    rig.wait(t, "the draft while busy", lambda s: "and then summarise it" in last_lines(s, 6))
    snap("busy", t, "_draft")
    rig.key(t, "Enter")
    rig.wait(t, "the queued message", lambda s: "Queued" in s)
    snap("busy", t)
    rig.wait(t, "both answers", lambda s: s.count("Done: received") >= 2 and gemini_idle(rig, t), timeout=40)
    snap("idle", t)

    # A command that needs approval (a redirection), then the command running.
    rig.send(t, "make a file [[bash sleep 6; echo hi > made.txt]]")
    rig.wait(t, "the approval prompt", lambda s: "Allow execution" in s)
    time.sleep(0.7)
    snap("waiting", t)
    rig.key(t, "Enter")
    rig.wait(t, "the command running", lambda s: "Allow execution" not in s)
    time.sleep(1.5)
    snap("busy", t)
    rig.wait(t, "the command's end", lambda s: "Ran it" in s and gemini_idle(rig, t), timeout=30)
    snap("idle", t)

    # A usage limit: its menu (waiting), then "2. Stop": the error with its retry delay.
    rig.send(t, "keep working [[limit +3600]]")
    rig.wait(t, "the limit menu", lambda s: "Keep trying" in s)
    time.sleep(0.7)
    snap("waiting", t)
    rig.key(t, "Down")
    time.sleep(0.3)
    rig.key(t, "Enter")
    rig.wait(t, "the limit error", lambda s: "quota" in s.lower() and gemini_idle(rig, t))
    time.sleep(0.5)
    s = rig.screen(t)
    m = re.search(r"retry after (\d+)s", s.replace("\n", " "))
    snap("limited", t, "_reset-in-%ss" % m.group(1) if m else "")

    # First run in a new folder: the trust menu.
    t = rig.start("Beta", ask_trust=True)
    rig.wait(t, "the trust menu", lambda s: "trust the files" in s)
    time.sleep(0.7)
    snap("waiting", t)


# -- Aider --------------------------------------------------------------------------------

AIDER_PROMPT = re.compile(r"^─{8,}\n> ", re.M)


def aider_idle(rig, t):
    s = rig.screen(t)
    return AIDER_PROMPT.search(last_lines(s, 3)) and rig.cursor(t) == "1"


def capture_aider(rig, fx):
    def snap(state, t, extra=""):
        fx.save(state, rig.screen(t), extra, cursor=rig.cursor(t))

    t = rig.start("Alpha")
    rig.wait(t, "the prompt", lambda s: aider_idle(rig, t))
    snap("idle", t)

    rig.type(t, "refactor the parser into smaller functions")
    rig.wait(t, "the draft", lambda s: "refactor the parser" in last_lines(s, 3))
    snap("idle", t, "_draft")
    rig.key(t, "C-u")
    rig.wait(t, "an empty prompt", lambda s: aider_idle(rig, t) and "refactor" not in last_lines(s, 2))

    rig.send(t, "say hello")
    rig.wait(t, "the answer", lambda s: "Done: received" in s and aider_idle(rig, t))
    snap("idle", t)

    # A long answer: waiting for the first token, streaming, paused mid-answer; a line of its
    # answer that looks like a prompt ("x->y maps each key").
    rig.send(t, "write a long answer [[delay 2]] [[stream 8]] [[pause 6]] [[reply x->y maps each key]]")
    rig.wait(t, "the request", lambda s: rig.open_request("Alpha"))
    time.sleep(1.0)
    snap("busy", t)
    rig.wait(t, "streamed words", lambda s: "word3" in s)
    snap("busy", t)
    rig.wait(t, "the pause", lambda s: "word16" in s, timeout=20)
    time.sleep(3)
    assert rig.open_request("Alpha"), "the answer ended during the pause"
    snap("busy", t)
    rig.wait(t, "the prompt-like line", lambda s: "x->y maps each key" in s, timeout=30)
    if rig.open_request("Alpha"):
        snap("busy", t)
    rig.wait(t, "the end of the answer", lambda s: aider_idle(rig, t), timeout=30)
    snap("idle", t)

    # Questions: running a shell command, adding its output, adding a file.
    rig.send(t, "make a file [[bash echo hi > made.txt; echo wrote]]")
    rig.wait(t, "the question", lambda s: "Run shell command?" in s)
    time.sleep(0.5)
    snap("waiting", t)
    rig.key(t, "Enter")
    rig.wait(t, "the next question", lambda s: "Add command output" in s)
    time.sleep(0.5)
    snap("waiting", t)
    rig.key(t, "Enter")
    rig.wait(t, "the prompt again", lambda s: aider_idle(rig, t))

    # A rate limit it retries by itself, then a hard usage limit.
    rig.send(t, "again [[ratelimit 4]]")
    s = rig.wait(t, "the retry", lambda s: re.search(r"Retrying in [\d.]+ seconds\.\.\.\s*\n\s*\S", s), timeout=40)
    m = re.findall(r"Retrying in ([\d.]+) seconds", s)
    snap("limited", t, "_reset-in-%ss" % m[-1])
    rig.wait(t, "the prompt after the retries", lambda s: aider_idle(rig, t), timeout=240)
    snap("limited", t)
    rig.send(t, "more [[limit +3600]]")
    rig.wait(t, "the credits error", lambda s: "credits" in s and aider_idle(rig, t), timeout=60)
    snap("limited", t)


PROGRAMS = {
    "claude": capture_claude,
    "codex": capture_codex,
    "gemini": capture_gemini,
    "aider": capture_aider,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("program", choices=sorted(agents.VERSIONS))
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "screens"))
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = ap.parse_args()
    if not agents.find(a.program):
        raise SystemExit("%s is not installed; run scripts/install-agents.sh %s" % (a.program, a.program))
    if a.program not in PROGRAMS:
        raise SystemExit("no capture scenario for %s yet" % a.program)
    fx = Fixtures(a.out, a.program)
    # Replace this version's old captures.
    for f in os.listdir(a.out):
        if f.startswith(fx.prefix + "_"):
            os.remove(os.path.join(a.out, f))
    rig = Rig(a.program, keep=a.keep)
    try:
        PROGRAMS[a.program](rig, fx)
    finally:
        rig.close()
    print("%d fixtures for %s" % (len(fx.written), fx.prefix))


if __name__ == "__main__":
    main()
