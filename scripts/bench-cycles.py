#!/usr/bin/env python3
"""Processes left after restart/down cycles of a team whose programs ignore SIGTERM.

  scripts/bench-cycles.py [--cycles 100] [--agents 2]

A team of agents on a private tmux server, each a shell that ignores SIGTERM and SIGHUP,
with a child loop and a python grandchild in a process group of its own that ignore them
too. Each cycle: `atlas up`, wait for every agent's grandchild, `atlas restart` each agent
(its old processes must all be gone when it returns), `atlas down` (nothing of the team may
be left when it returns). Processes are found in /proc by a mark in their environment.
Prints JSON: cycles, restarts, processes left after restarts and after downs (must be 0),
and how many processes atlas had to SIGKILL.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STUBBORN = r"""trap 'sleep 300 &' TERM
trap '' HUP
( trap '' TERM HUP; while :; do sleep 1; done ) &
python3 -c 'import os, signal, time
os.setpgid(0, 0)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
while True: time.sleep(1)' &
printf 'stubborn> '
while :; do sleep 1; done
"""


def procs(mark):
    """pid -> cmdline of live processes whose STUBBORN_MARK starts with mark."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            env = open("/proc/%s/environ" % d, "rb").read().split(b"\0")
            stat = open("/proc/%s/stat" % d).read()
            cmd = open("/proc/%s/cmdline" % d, "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if stat[stat.rfind(")") + 2] in "ZX":
            continue
        for kv in env:
            if kv.startswith(b"STUBBORN_MARK=" + mark.encode()):
                out[int(d)] = (kv.split(b"=", 1)[1].decode(), cmd)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=100)
    ap.add_argument("--agents", type=int, default=2)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    atlas = os.path.join(ROOT, "target", "release", "atlas")
    tmp = tempfile.mkdtemp(prefix="atlas-bench-cycles-")
    sock = "atlas-bench-cycles-%d" % os.getpid()
    mark = "cycles-%d" % os.getpid()
    names = ["S%d" % i for i in range(a.agents)]
    open(os.path.join(tmp, "stubborn.sh"), "w").write(STUBBORN)
    agents = ", ".join('{ name = "%s", env = { STUBBORN_MARK = "%s-%s" } }' % (n, mark, n) for n in names)
    cfg = os.path.join(tmp, "atlas.toml")
    open(cfg, "w").write(
        '[team]\nsession = "cycles"\n[defaults]\ncommand = "sh stubborn.sh"\npreset = "shell"\n'
        '[[windows]]\nname = "w"\nlayout = "tiled"\nagents = [%s]\n[supervisor]\nenabled = false\n' % agents
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "ATLAS_CONFIG")}
    env["ATLAS_TMUX_CONF"] = "/dev/null"

    def run(*args):
        r = subprocess.run([atlas, "-L", sock, "-c", cfg, *args], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise SystemExit("atlas %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def wait_all():
        deadline = time.time() + 30
        while time.time() < deadline:
            ps = procs(mark)
            if all(any(m == "%s-%s" % (mark, n) and "python3 -c" in c for m, c in ps.values()) for n in names):
                return ps
            time.sleep(0.05)
        raise SystemExit("the agents did not start: %s" % procs(mark))

    left_restart = left_down = restarts = killed = 0
    started = time.time()
    try:
        for _ in range(a.cycles):
            run("up")
            for n in names:
                ps = wait_all()
                old = {p for p, (m, _) in ps.items() if m == "%s-%s" % (mark, n)}
                run("restart", n)
                now = procs(mark)
                left_restart += len(old & set(now))
                restarts += 1
            wait_all()
            out = run("down")
            m = re.search(r"(\d+) process\(es\)", out)
            killed += int(m.group(1)) if m else 0
            left_down += len(procs(mark))
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
        try:
            os.remove("/tmp/tmux-%d/%s" % (os.getuid(), sock))
        except OSError:
            pass
        for p in procs(mark):
            try:
                os.kill(p, 9)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({
        "cycles": a.cycles,
        "agents": a.agents,
        "restarts": restarts,
        "left_after_restart": left_restart,
        "left_after_down": left_down,
        "killed_by_down": killed,
        "seconds": round(time.time() - started),
    }))


if __name__ == "__main__":
    sys.exit(main())
