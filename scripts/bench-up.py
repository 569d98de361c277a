#!/usr/bin/env python3
"""Benchmark `atlas up` of the 13-agent demo team against the floor: the same layout made
by one batched `tmux` invocation, measured in the same run, alternating.

Both are timed as whole processes, from start until every one of the 13 agent panes has
its program running (the batch returns after tmux has forked every pane; we then confirm
13 live panes). Each run uses a fresh private server (`-L`), killed afterwards.

Usage: scripts/bench-up.py [RUNS]   (needs `cargo build --release` first)
"""
import os, shlex, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATLAS = os.path.join(ROOT, "target", "release", "atlas")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
ENV = dict(os.environ, ATLAS_TMUX_CONF="/dev/null")
ENV.pop("TMUX", None)
ENV.pop("TMUX_PANE", None)

TEAM = [
    ("ceo", ["Atlas"]),
    ("content", ["Prometheus", "Orpheus", "Hephaestus"]),
    ("revenue", ["Athena", "Plutus", "Tyche"]),
    ("intel", ["Apollo", "Argus", "Mnemosyne"]),
    ("trading", ["Hermes", "Kairos", "Nike"]),
]


def floor_args(sock, d):
    """One tmux invocation building the same layout: windows, panes running the demo agent
    directly with its environment, titles, remain-on-exit, pipe-pane logging, layouts."""
    cfg = os.path.join(d, "atlas.toml")
    logs = os.path.join(d, "logs")
    args = ["tmux", "-L", sock, "-f", "/dev/null"]
    first = True
    for win, agents in TEAM:
        for i, a in enumerate(agents):
            spawn = ["-c", d, "-e", f"ATLAS_AGENT={a}", "-e", f"ATLAS_CONFIG={cfg}", "--", ATLAS, "demo-agent"]
            t = f"=floor:={win}"
            if first:
                args += ["new-session", "-d", "-s", "floor", "-n", win, "-x", "200", "-y", "50"] + spawn
                first = False
            elif i == 0:
                args += [";", "new-window", "-d", "-t", "=floor:", "-n", win] + spawn
            else:
                args += [";", "split-window", "-t", t] + spawn
            pipe = f"exec {shlex.quote(ATLAS)} pipe-log --dir {shlex.quote(logs)} --agent {a}"
            args += [";", "set-option", "-p", "-t", t, "@atlas_agent", a,
                     ";", "set-option", "-p", "-t", t, "remain-on-exit", "on",
                     ";", "select-pane", "-t", t, "-T", a,
                     ";", "pipe-pane", "-o", "-t", t, pipe]
        args += [";", "select-layout", "-t", f"=floor:={win}", "main-vertical"]
    return args


def live_panes(sock):
    out = subprocess.run(["tmux", "-L", sock, "list-panes", "-a", "-F", "#{pane_dead}#{@atlas_agent}"],
                         capture_output=True, text=True, env=ENV).stdout
    return sum(1 for l in out.splitlines() if l.startswith("0") and len(l) > 1)


def kill(sock):
    subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True, env=ENV)
    try:
        os.unlink(f"/tmp/tmux-{os.getuid()}/{sock}")
    except FileNotFoundError:
        pass


def timed(argv, sock, cwd):
    t0 = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True, env=ENV, cwd=cwd)
    if r.returncode != 0:
        sys.exit(f"failed: {argv[:4]}: {r.stderr}")
    while live_panes(sock) < 13:
        time.sleep(0.0005)
    return time.perf_counter() - t0


def main():
    if not os.path.exists(ATLAS):
        sys.exit("build first: cargo build --release")
    atlas_t, floor_t = [], []
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([ATLAS, "init", "--demo", d], check=True, capture_output=True)
        cfg = os.path.join(d, "atlas.toml")
        text = open(cfg).read().replace("enabled = true", "enabled = false")
        open(cfg, "w").write(text)
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        for i in range(RUNS):
            for kind in ("atlas", "floor") if i % 2 == 0 else ("floor", "atlas"):
                sock = f"bench-up-{os.getpid()}-{i}-{kind}"
                try:
                    if kind == "atlas":
                        atlas_t.append(timed([ATLAS, "-L", sock, "--config", cfg, "up"], sock, d))
                    else:
                        floor_t.append(timed(floor_args(sock, d), sock, d))
                finally:
                    kill(sock)
    ma, mf = statistics.median(atlas_t), statistics.median(floor_t)
    print(f"runs: {RUNS} each, alternating")
    print(f"atlas up (13 agents):        median {ma*1000:.1f} ms  min {min(atlas_t)*1000:.1f}  max {max(atlas_t)*1000:.1f}")
    print(f"one batched tmux invocation: median {mf*1000:.1f} ms  min {min(floor_t)*1000:.1f}  max {max(floor_t)*1000:.1f}")
    print(f"ratio atlas/floor (medians): {ma/mf:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
