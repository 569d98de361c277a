#!/usr/bin/env python3
"""How true `atlas ls` is about real agents, and how fast it sees a change.

  scripts/bench-states.py claude [--agents 3] [--minutes 5] [--no-hooks] [--seed 1]
  scripts/bench-states.py claude --latency 20 [--no-hooks]
  scripts/bench-states.py claude --cpu [--agents 13] [--seconds 60]

Truth run (default): N real agents (tests/fake_model/agents.py) against the fake model
server, started with `atlas up` (release build) on a private tmux server, no supervisor. A
driver per agent plays a scripted session — answers streamed for 0–20 s, commands that open
a permission menu held for 2–8 s then answered, idle gaps of 2–10 s — while a sampler runs
`atlas ls --json` every 250 ms. The truth comes from the fake server's log (a request
arriving: busy; the answer's end: idle; a command call's end: waiting, until the driver
answers the menu) and the driver's own clock (busy from the moment `atlas send` returned:
the program took the text). Agreement is counted on samples outside the
second after each change of truth.

Latency run (--latency N): one agent, N directives; `atlas ls --json` polled back to back;
the time from each change of truth (a request arriving, the answer's end) to the first
`ls` that shows it.

CPU run (--cpu): N agents idle with the supervisor; the supervisor's CPU time over the
window, as a share of one core.

Figures go to stdout as JSON and a short summary; BENCHMARKS.md records them.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKE = os.path.join(ROOT, "tests", "fake_model")
sys.path.insert(0, FAKE)
import agents  # noqa: E402


def atlas_bin():
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "atlas")


class Rig:
    def __init__(self, program, n, hooks=True, supervisor=False):
        self.program = program
        self.tmp = tempfile.mkdtemp(prefix="atlas-bench-states-")
        self.sock = "atlas-bench-%d" % os.getpid()
        self.atlas = atlas_bin()
        self.log = os.path.join(self.tmp, "model.jsonl")
        portfile = os.path.join(self.tmp, "port")
        self.server = subprocess.Popen(
            [sys.executable, os.path.join(FAKE, "fake_model.py"), "--log", self.log, "--port-file", portfile],
            stderr=subprocess.DEVNULL,
        )
        while not os.path.exists(portfile):
            time.sleep(0.05)
        url = "http://127.0.0.1:%s" % open(portfile).read().strip()
        self.names = ["A%d" % i for i in range(n)]
        lines = [
            "[team]",
            'session = "bench"',
            "[supervisor]",
            "enabled = %s" % ("true" if supervisor else "false"),
            'report_at = ""',
        ]
        for i, name in enumerate(self.names):
            if i % 4 == 0:
                # Four agents a window: a 200x50 window has room for that many panes.
                if i:
                    lines.append("]")
                lines += ["[[windows]]", 'name = "w%d"' % (i // 4), 'layout = "tiled"', "agents = ["]
            home = os.path.join(self.tmp, "home-" + name)
            cwd = os.path.join(self.tmp, "work-" + name)
            os.makedirs(cwd)
            subprocess.run(["git", "init", "-q", cwd], check=True)
            setup = json.loads(
                subprocess.check_output(
                    [sys.executable, os.path.join(FAKE, "agents.py"), "setup", "--program", program,
                     "--home", home, "--cwd", cwd, "--url", url, "--agent", name]
                )
            )
            env = ", ".join("%s = %s" % (k, json.dumps(v)) for k, v in setup["env"].items())
            lines.append(
                "  { name = %s, command = %s, resume = %s, preset = %s, cwd = %s, hooks = %s, env = { %s } },"
                % (
                    json.dumps(name),
                    json.dumps(" ".join(setup["command"])),
                    json.dumps(" ".join(setup["resume"])),
                    json.dumps(setup["preset"]),
                    json.dumps(cwd),
                    "true" if hooks else "false",
                    env,
                )
            )
        lines.append("]")
        self.config = os.path.join(self.tmp, "atlas.toml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        try:
            self.run_atlas("up")
            deadline = time.time() + 120
            while not all(s == "idle" for s in self.states().values()):
                if time.time() > deadline:
                    raise SystemExit("the agents did not become idle: %s" % self.states())
                time.sleep(0.2)
        except BaseException:
            self.close()
            raise

    def env(self):
        e = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "ATLAS_CONFIG")}
        e["ATLAS_TMUX_CONF"] = "/dev/null"
        return e

    def run_atlas(self, *args, check=True):
        r = subprocess.run([self.atlas, "-L", self.sock, "-c", self.config, *args], capture_output=True, text=True, env=self.env())
        if check and r.returncode != 0:
            raise RuntimeError("atlas %s: %s" % (args, r.stderr))
        return r

    def states(self):
        r = self.run_atlas("ls", "--json", check=False)
        try:
            return {row["name"]: row["state"] for row in json.loads(r.stdout)}
        except ValueError:
            return {}

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True, env=self.env()).stdout

    def pane(self, name):
        for line in self.tmux("list-panes", "-a", "-F", "#{pane_id} #{@atlas_agent}").splitlines():
            pid, _, agent = line.partition(" ")
            if agent == name:
                return pid
        return None

    def records(self):
        out = []
        try:
            with open(self.log) as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        except OSError:
            pass
        return out

    def close(self):
        self.run_atlas("down", check=False)
        self.tmux("kill-server")
        try:
            os.remove("/tmp/tmux-%d/%s" % (os.getuid(), self.sock))
        except OSError:
            pass
        self.server.send_signal(signal.SIGTERM)
        self.server.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def wait_log(rig, pred, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for r in rig.records():
            if pred(r):
                return r
        time.sleep(0.05)
    return None


def turn_done(rig, agent, since):
    """The end of the agent's turn begun at `since`: a text answer's end."""
    return wait_log(rig, lambda r: r.get("event") == "response_end" and r.get("agent") == agent and r.get("kind") == "text" and r["t"] > since, timeout=90)


def driver(rig, agent, end, rnd, answers):
    """Play the agent's session. `answers` gets (agent, sent, returned, state): the program
    took a text (busy) or its last menu was answered (idle, where no request follows)."""
    k = 0
    while time.time() < end - 25:
        k += 1
        roll = rnd.random()
        t0 = time.time()
        if roll < 0.25:
            # A command that needs permission; the menu is held, then answered.
            r = rig.run_atlas("send", agent, "--", "step %d [[bash %s f%d.txt]]" % (k, rnd.choice(["touch", "ls -l"]), k), check=False)
            if r.returncode == 0:
                answers.append((agent, t0, time.time(), "busy"))
            r = wait_log(rig, lambda r: r.get("event") == "response_end" and r.get("agent") == agent and r.get("kind") == "tool_use" and r["t"] > t0)
            if r is None:
                continue
            time.sleep(rnd.uniform(2, 8))
            pane = rig.pane(agent)
            if rig.program == "aider":
                # Aider asks again (add its output to the chat?) when the command printed
                # something, and sends no request after: back at its prompt once the last
                # question is answered.
                first = time.time()
                rig.tmux("send-keys", "-t", pane, "Enter")
                deadline = time.time() + 3
                asked = False
                while time.time() < deadline and not asked:
                    asked = "Add command output" in rig.tmux("capture-pane", "-p", "-t", pane)
                    time.sleep(0.05)
                if asked:
                    time.sleep(rnd.uniform(1, 3))
                    pressed = time.time()
                    rig.tmux("send-keys", "-t", pane, "Enter")
                    answers.append((agent, pressed, pressed, "idle"))
                else:
                    answers.append((agent, first, first, "idle"))
            else:
                # The menu may take a moment to listen: press until the answer arrives.
                for _ in range(10):
                    pressed = time.time()
                    rig.tmux("send-keys", "-t", pane, "Enter")
                    got = wait_log(rig, lambda r: r.get("event") == "request" and r.get("agent") == agent and r.get("tool_results") and r["t"] > pressed - 0.001, timeout=2)
                    if got:
                        answers.append((agent, pressed, pressed, "busy"))
                        break
                turn_done(rig, agent, t0)
        else:
            secs = rnd.choice([0, 0, rnd.uniform(1, 20)])
            words = "[[stream %.1f]]" % secs if secs else ""
            r = rig.run_atlas("send", agent, "--", "step %d %s" % (k, words), check=False)
            if r.returncode == 0:
                # `send` returns once the program took the text: it works from then on
                # (unless it had finished already).
                answers.append((agent, t0, time.time(), "busy"))
            turn_done(rig, agent, t0)
        time.sleep(rnd.uniform(2, 10))


def truth_at(rig, answers):
    """A function (agent, t) -> state, from the log and the menu answers."""
    recs = rig.records()
    changes = {}
    for r in recs:
        a = r.get("agent")
        if r.get("event") == "request" and r.get("tools"):
            changes.setdefault(a, []).append((r["t"], "busy"))
        elif r.get("event") == "response_end" and r.get("kind") == "tool_use":
            changes.setdefault(a, []).append((r["t"], "waiting"))
        elif r.get("event") == "response_end" and r.get("kind") == "text":
            changes.setdefault(a, []).append((r["t"], "idle"))
    for a, sent, t, state in answers:
        # A turn that ended before `send` returned was not busy at its return.
        ended = any(
            r.get("event") == "response_end" and r.get("agent") == a and sent < r["t"] <= t
            for r in recs
        )
        if not ended:
            changes.setdefault(a, []).append((t, state))
    for a in changes:
        changes[a].sort()

    def at(agent, t):
        state = "idle"
        for ct, s in changes.get(agent, []):
            if ct <= t:
                state = s
            else:
                break
        return state

    return at, changes


def truth_run(a):
    rig = Rig(a.program, a.agents, hooks=not a.no_hooks)
    samples = []
    answers = []
    try:
        start = time.time()
        end = start + a.minutes * 60
        threads = []
        for i, name in enumerate(rig.names):
            rnd = random.Random(a.seed * 1000 + i)
            th = threading.Thread(target=driver, args=(rig, name, end, rnd, answers), daemon=True)
            th.start()
            threads.append(th)
        while time.time() < end:
            t0 = time.time()
            states = rig.states()
            t1 = time.time()
            samples.append(((t0 + t1) / 2, states))
            time.sleep(max(0, a.sample - (time.time() - t0)))
        for th in threads:
            th.join(timeout=120)
        at, changes = truth_at(rig, answers)
        agree = total = 0
        confusion = {}
        for t, states in samples:
            for agent, shown in states.items():
                recent = any(0 <= t - ct < 1.0 for ct, _ in changes.get(agent, []))
                if recent:
                    continue
                truth = at(agent, t)
                total += 1
                agree += truth == shown
                if truth != shown and a.debug:
                    near = [(round(ct - t, 2), st) for ct, st in changes.get(agent, []) if -3 < ct - t < 3]
                    print("disagree %s t=%.2f truth=%s shown=%s near=%s" % (agent, t - start, truth, shown, near), file=sys.stderr)
                key = "%s->%s" % (truth, shown)
                confusion[key] = confusion.get(key, 0) + 1
        turns = sum(1 for r in rig.records() if r.get("event") == "request" and r.get("tools") and r.get("user_text"))
        menus = sum(1 for r in rig.records() if r.get("event") == "response_end" and r.get("kind") == "tool_use")
        result = {
            "program": a.program,
            "version": agents.VERSIONS[a.program],
            "agents": a.agents,
            "minutes": a.minutes,
            "hooks": not a.no_hooks,
            "samples": total,
            "agreement": round(100.0 * agree / max(1, total), 2),
            "confusion": confusion,
            "turns": turns,
            "menus": menus,
        }
        print(json.dumps(result))
        print("agreement %.2f%% over %d samples (%d turns, %d menus)" % (result["agreement"], total, turns, menus), file=sys.stderr)
    finally:
        rig.close()


def latency_run(a):
    rig = Rig(a.program, 1, hooks=not a.no_hooks)
    agent = rig.names[0]
    busy, idle = [], []
    try:
        for k in range(a.latency):
            t0 = time.time()
            rig.run_atlas("send", agent, "--", "probe %d [[delay 1]] [[stream 3]]" % k, check=False)
            seen_busy = seen_idle = None
            deadline = time.time() + 30
            while time.time() < deadline and seen_idle is None:
                s0 = time.time()
                st = rig.states().get(agent)
                s1 = time.time()
                if st == "busy" and seen_busy is None:
                    seen_busy = s1
                if st == "idle" and seen_busy is not None:
                    seen_idle = s1
            req = wait_log(rig, lambda r: r.get("event") == "request" and r.get("agent") == agent and r.get("tools") and r["t"] > t0, timeout=5)
            end = wait_log(rig, lambda r: r.get("event") == "response_end" and r.get("agent") == agent and r.get("kind") == "text" and r["t"] > t0, timeout=5)
            if req and seen_busy:
                busy.append(seen_busy - req["t"])
            if end and seen_idle:
                idle.append(seen_idle - end["t"])
            time.sleep(1)

        def stats(xs):
            xs = sorted(xs)
            if not xs:
                return {}
            return {"n": len(xs), "median_ms": round(1000 * xs[len(xs) // 2]), "max_ms": round(1000 * xs[-1]), "min_ms": round(1000 * xs[0])}

        result = {"program": a.program, "hooks": not a.no_hooks, "to_busy": stats(busy), "to_idle": stats(idle)}
        print(json.dumps(result))
    finally:
        rig.close()


def cpu_run(a):
    rig = Rig(a.program, a.agents, hooks=not a.no_hooks, supervisor=True)
    try:
        pid = None
        for line in rig.tmux("list-panes", "-a", "-F", "#{pane_pid} #{window_name}").splitlines():
            p, _, w = line.partition(" ")
            if w == "supervisor":
                pid = int(p)
        ticks = os.sysconf("SC_CLK_TCK")

        def cpu():
            f = open("/proc/%d/stat" % pid).read()
            rest = f[f.rfind(")") + 2:].split()
            return (int(rest[11]) + int(rest[12])) / ticks

        time.sleep(5)
        c0, t0 = cpu(), time.time()
        time.sleep(a.seconds)
        c1, t1 = cpu(), time.time()
        share = 100.0 * (c1 - c0) / (t1 - t0)
        states = rig.states()
        result = {"program": a.program, "agents": a.agents, "seconds": round(t1 - t0), "supervisor_cpu_percent": round(share, 3), "idle": sum(1 for s in states.values() if s == "idle")}
        print(json.dumps(result))
    finally:
        rig.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("program", choices=sorted(agents.VERSIONS))
    ap.add_argument("--agents", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--sample", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-hooks", action="store_true")
    ap.add_argument("--latency", type=int, default=0)
    ap.add_argument("--cpu", action="store_true")
    ap.add_argument("--debug", action="store_true", help="print each disagreement")
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    if a.latency:
        latency_run(a)
    elif a.cpu:
        cpu_run(a)
    else:
        truth_run(a)


if __name__ == "__main__":
    main()
