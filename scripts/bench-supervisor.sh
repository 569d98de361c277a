#!/usr/bin/env bash
# Supervisor benchmark (BENCHMARKS.md, section "Supervisor"). Rerunnable; not part of CI.
#
# Everything runs on a private tmux server (`-L bench-sup-<pid>`, ATLAS_TMUX_CONF=/dev/null)
# that is killed at the end, with the 13-agent demo team of `atlas init --demo`, release build.
#
# Parts (all by default; choose with --parts restart,backoff,idle):
#   restart  death-to-restart time over N kills (default 50): pick an idle agent, kill -9 its
#            pane's process, time from the kill until tmux shows the pane alive with a new pid
#            (polling `display -p '#{pane_dead} #{pane_pid}'` every ~5 ms); cross-checked with
#            the death/restart lines of logs/events.log. Config: max_restarts = 1000,
#            backoff_max = "0s", so back-off and `failed` never count.
#   backoff  the same with the default [supervisor] settings: one agent killed again as soon
#            as it is back, showing the back-off grow (0, 1, 2, 4 s) and then `failed`.
#   idle     cost of an idle supervisor watching 13 idle demo agents over S seconds (default
#            60): CPU % of one core from /proc/<pid>/stat (utime+stime; cutime+cstime for the
#            tmux clients it runs and reaps), VmRSS/VmHWM; the tmux server's CPU over the same
#            time, and again with the supervisor stopped, to show what it makes tmux do.
#
# Usage: scripts/bench-supervisor.sh [--kills N] [--idle-seconds S] [--parts LIST] [--keep]
#        (SKIP_BUILD=1 skips `cargo build --release`)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-}" != 1 ]; then
  cargo build --release -q
fi
export ATLAS_BIN="$PWD/target/release/atlas"
exec python3 - "$@" <<'PY'
import argparse, json, os, random, re, shutil, signal, statistics, subprocess, sys, tempfile, time
from datetime import datetime

ATLAS = os.environ["ATLAS_BIN"]
SOCK = f"bench-sup-{os.getpid()}"
TICK = os.sysconf("SC_CLK_TCK")

ap = argparse.ArgumentParser()
ap.add_argument("--kills", type=int, default=50)
ap.add_argument("--idle-seconds", type=float, default=60)
ap.add_argument("--parts", default="restart,backoff,idle")
ap.add_argument("--keep", action="store_true", help="keep the team folders")
args = ap.parse_args()
parts = args.parts.split(",")

env = dict(os.environ)
for k in ("TMUX", "TMUX_PANE", "ATLAS_CONFIG", "ATLAS_AGENT"):
    env.pop(k, None)
env["ATLAS_TMUX_CONF"] = "/dev/null"
env["ATLAS_FORBID_DEFAULT_SERVER"] = "1"
env["PATH"] = os.path.dirname(ATLAS) + ":" + env.get("PATH", "")
dirs = []


def tmux(*a, check=True):
    p = subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", *a], env=env,
                       capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"tmux {a}: {p.stderr.strip()}")
    return p.stdout if p.returncode == 0 else None


def server_pid():
    out = tmux("display-message", "-p", "#{pid}", check=False)
    return int(out) if out and out.strip().isdigit() else None


def kill_server():
    pid = server_pid()
    tmux("kill-server", check=False)
    if pid:
        deadline = time.time() + 5
        while time.time() < deadline and os.path.exists(f"/proc/{pid}"):
            time.sleep(0.02)
        if os.path.exists(f"/proc/{pid}"):
            os.kill(pid, signal.SIGKILL)
    try:
        os.remove(f"/tmp/tmux-{os.getuid()}/{SOCK}")
    except OSError:
        pass


class Team:
    def __init__(self, label, supervisor=None):
        self.dir = tempfile.mkdtemp(prefix=f"atlas-bench-{label}-")
        dirs.append(self.dir)
        subprocess.run([ATLAS, "init", "--demo", self.dir], env=env, check=True,
                       capture_output=True)
        self.cfg = os.path.join(self.dir, "atlas.toml")
        text = open(self.cfg).read()
        # `atlas init` names the session after the folder; this script says =atlas.
        text = re.sub(r'(?m)^session = .*$', 'session = "atlas"', text)
        for key, value in (supervisor or {}).items():
            text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
            if n == 0:
                text += f"{key} = {value}\n"  # [supervisor] is the last section
        open(self.cfg, "w").write(text)
        self.events = os.path.join(self.dir, "logs", "events.log")

    def atlas(self, *a, check=True):
        p = subprocess.run([ATLAS, "-L", SOCK, "-c", self.cfg, *a], env=env,
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"atlas {a}: {p.stderr.strip()}")
        return p

    def ls(self):
        return json.loads(self.atlas("ls", "--json").stdout)

    def up(self):
        kill_server()
        out = self.atlas("up").stdout
        assert "started the supervisor" in out, out
        wait(30, "13 idle agents", lambda: sum(r["state"] == "idle" for r in self.ls()) == 13)
        # The supervisor's pane-died hooks must be in place, or the first kill is only seen
        # at its next 1-second tick.
        wait(30, "the supervisor's pane-died hooks", self.hooks_installed)

    def hooks_installed(self):
        out = tmux("list-panes", "-s", "-t", "=atlas:", "-F", "#{window_id} #{@atlas_agent}")
        windows = {l.split()[0] for l in out.splitlines() if len(l.split()) == 2}
        return all("pane-died" in (tmux("show-hooks", "-w", "-t", w, check=False) or "")
                   for w in windows)

    def supervisor_pid(self):
        out = tmux("list-panes", "-t", "=atlas:=supervisor", "-F", "#{pane_pid} #{pane_dead}")
        pid, dead = out.split()
        assert dead == "0", "the supervisor pane is dead"
        cmd = open(f"/proc/{pid}/cmdline").read().split("\0")
        assert "watch" in cmd, cmd
        return int(pid)

    def event_lines(self):
        try:
            return open(self.events).read().splitlines()
        except OSError:
            return []


def wait(timeout, what, f, every=0.1):
    deadline = time.time() + timeout
    while True:
        v = f()
        if v:
            return v
        if time.time() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def parse_events(lines):
    out = []
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) < 3:
            continue
        t = datetime.fromisoformat(parts[0]).timestamp()
        out.append((t, parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
    return out


def pane_state(pane, status=False):
    fmt = "#{pane_dead} #{pane_pid} #{pane_dead_status}#{pane_dead_signal}" if status else "#{pane_dead} #{pane_pid}"
    out = tmux("display-message", "-p", "-t", pane, fmt, check=False)
    if not out:
        return None
    f = out.split()
    if status:
        return f[0] == "1", int(f[1]), (f[2] if len(f) > 2 else "")
    return f[0] == "1", int(f[1])


def kill_and_time(pane, timeout=60):
    """kill -9 the pane's process; (ms until alive with a new pid, ms until seen dead, polls,
    old pid, new pid, ms until tmux knew the exit status or None if never seen)."""
    dead0, pid = pane_state(pane)
    assert not dead0
    assert "demo-agent" in open(f"/proc/{pid}/cmdline").read(), "not a demo agent"
    t0 = time.perf_counter()
    os.kill(pid, signal.SIGKILL)
    seen_dead, seen_status, polls = None, None, 0
    while True:
        st = pane_state(pane, status=True)
        polls += 1
        now = time.perf_counter()
        if st is not None:
            dead, newpid, status = st
            if dead and seen_dead is None:
                seen_dead = now
            if dead and status and seen_status is None:
                seen_status = now
            if not dead and newpid != pid:
                ms_status = None if seen_status is None else (seen_status - t0) * 1000
                return ((now - t0) * 1000, ((seen_dead or now) - t0) * 1000, polls, pid, newpid,
                        ms_status)
        if now - t0 > timeout:
            raise RuntimeError(f"{pane} not restarted within {timeout}s")
        time.sleep(0.005)


def machine_load():
    return open("/proc/loadavg").read().split()[0]


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def part_restart():
    team = Team("restart", {"max_restarts": "1000", "backoff_max": '"0s"', "report_at": '""'})
    team.up()
    start_lines = len(team.event_lines())
    print(f"\n== death-to-restart: {args.kills} kills, max_restarts = 1000, backoff_max = \"0s\" ==")
    print(f"load average at start: {machine_load()}")
    rng = random.Random(5)
    results = []
    recent = {}
    for i in range(args.kills):
        def pick():
            rows = [r for r in team.ls() if r["state"] == "idle" and r["pane"]
                    and time.time() - recent.get(r["name"], 0) > 2]
            return rows or None
        rows = wait(60, "an idle agent", pick, every=0.2)
        row = rng.choice(rows)
        wall = time.time()
        ms, dead_ms, polls, old, new, st_ms = kill_and_time(row["pane"])
        recent[row["name"]] = time.time()
        results.append({"agent": row["name"], "pane": row["pane"], "ms": ms,
                        "dead_ms": dead_ms, "polls": polls, "wall": wall, "status_ms": st_ms})
        time.sleep(0.3)
    print(f"load average at end: {machine_load()}")
    ms = [r["ms"] for r in results]
    dead = [r["dead_ms"] for r in results]
    print(f"kill -> alive with new pid: median {statistics.median(ms):.0f} ms, "
          f"p90 {pct(ms, 0.9):.0f} ms, worst {max(ms):.0f} ms, best {min(ms):.0f} ms (n={len(ms)})")
    print(f"kill -> tmux shows pane_dead (first poll that saw it): median "
          f"{statistics.median(dead):.0f} ms, worst {max(dead):.0f} ms")
    nost = [r for r in results if r["status_ms"] is None]
    print(f"kills where no poll saw `pane_dead_status`/`pane_dead_signal` set while the pane was dead: {len(nost)}; "
          f"their restart times: " + " ".join(f"{r['ms']:.0f}" for r in nost))
    slow = [r for r in results if r["ms"] > 500]
    print(f"kills slower than 500 ms: {len(slow)}; of them without a known status: "
          f"{sum(1 for r in slow if r['status_ms'] is None)}")
    for r in slow:
        st = "never seen" if r["status_ms"] is None else f"{r['status_ms']:.0f} ms"
        print(f"  slow: {r['agent']} killed at {datetime.fromtimestamp(r['wall']).strftime('%H:%M:%S.%f')[:-3]}: "
              f"dead seen at {r['dead_ms']:.0f} ms, exit status seen at {st}, alive at {r['ms']:.0f} ms")
    polls = sum(r["polls"] for r in results)
    print(f"poll resolution: {sum(ms) / polls:.1f} ms per poll on average "
          f"(one `tmux display` + 5 ms sleep)")
    worst = max(results, key=lambda r: r["ms"])
    print(f"worst kill: {worst['agent']} ({worst['pane']}) {worst['ms']:.0f} ms")
    print("all, ms: " + " ".join(f"{x:.0f}" for x in ms))
    # Cross-check with events.log (its times have 1-second resolution).
    time.sleep(1.5)
    ev = parse_events(team.event_lines()[start_lines:])
    deaths = [e for e in ev if e[1] == "death"]
    restarts = [e for e in ev if e[1] == "restart" and "by=supervisor" in e[3]]
    bad = [e for e in deaths if "status=137" not in e[3]]
    gaps, unmatched = [], 0
    for r in results:
        d = next((e for e in deaths if e[2] == r["agent"] and e[0] >= int(r["wall"]) - 1
                  and not e[3].endswith("#used")), None)
        if d is None:
            unmatched += 1
            continue
        deaths[deaths.index(d)] = (d[0], d[1], d[2], d[3] + "#used")
        rs = next((e for e in restarts if e[2] == r["agent"] and e[0] >= d[0]), None)
        if rs is None:
            unmatched += 1
            continue
        restarts.remove(rs)
        gaps.append(rs[0] - d[0])
    print(f"events.log: {len(deaths)} death lines ({len(bad)} not status=137), "
          f"{len([e for e in ev if e[1] == 'restart'])} restart lines by the supervisor; "
          f"{unmatched} kills without a death+restart pair")
    hist = {}
    for g in gaps:
        hist[int(g)] = hist.get(int(g), 0) + 1
    print("events.log restart - death (whole seconds, 1 s resolution): "
          + ", ".join(f"{k} s: {v}" for k, v in sorted(hist.items())))
    kills_counted = len(results)
    ok = unmatched == 0 and len(deaths) == kills_counted and not bad
    print("cross-check: " + ("ok" if ok else "MISMATCH"))
    kill_server()
    return ok


def part_backoff():
    team = Team("backoff")  # the defaults: max_restarts 5, restart_window 10m, backoff_max 30s
    team.up()
    print("\n== back-off with the default [supervisor] settings (max_restarts 5 in 10m, backoff_max 30s) ==")
    pane = next(r["pane"] for r in team.ls() if r["name"] == "Kairos")
    start_lines = len(team.event_lines())
    for n in range(1, 6):
        if n < 5:
            ms = kill_and_time(pane)[0]
            print(f"kill {n}: restarted after {ms:.0f} ms")
            time.sleep(0.3)
        else:
            _, pid = pane_state(pane)
            os.kill(pid, signal.SIGKILL)
            row = wait(20, "Kairos failed", lambda: next(
                (r for r in team.ls() if r["name"] == "Kairos" and r["state"] == "failed"), None))
            time.sleep(10)  # longer than the next back-off (8 s) would be
            st = pane_state(pane)
            print(f"kill 5: state {row['state']}; pane still dead 10 s later: {st[0]}")
    coord = open(os.path.join(team.dir, "coordination.md")).read()
    print("FAILED entry to the operator: " + ("yes" if "] Kairos → human\nStatus: FAILED" in coord else "NO"))
    print("events.log:")
    for line in team.event_lines()[start_lines:]:
        if " Kairos " in line and (" death " in line or " restart " in line or " failed " in line):
            print("  " + line)
    kill_server()


def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    # fields after the comm: state is f[0]; utime is field 14 overall -> f[11]
    return int(f[11]) + int(f[12]), int(f[13]) + int(f[14])


def mem(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0])
    return out


def children(pid):
    kids = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            kids += [int(x) for x in open(f"/proc/{pid}/task/{tid}/children").read().split()]
        except OSError:
            pass
    return kids


def part_idle():
    secs = args.idle_seconds
    team = Team("idle")  # the demo team exactly as `atlas init --demo` writes it
    team.up()
    # Let it settle: no event for 5 s.
    last = [len(team.event_lines()), time.time()]
    def settled():
        n = len(team.event_lines())
        if n != last[0]:
            last[:] = [n, time.time()]
        return time.time() - last[1] > 5
    wait(60, "a quiet team", settled, every=0.5)
    sup, srv = team.supervisor_pid(), server_pid()
    agents = [int(tmux("display-message", "-p", "-t", r["pane"], "#{pane_pid}")) for r in team.ls()]
    print(f"\n== idle cost over {secs:.0f} s: supervisor watching 13 idle demo agents ==")
    print(f"load average at start: {machine_load()}")
    kids0 = {k: cpu(k)[0] for k in children(sup)}
    s0, v0, a0, t0 = cpu(sup), cpu(srv), sum(cpu(p)[0] for p in agents), time.time()
    ev0 = len(team.event_lines())
    time.sleep(secs)
    s1, v1, a1, t1 = cpu(sup), cpu(srv), sum(cpu(p)[0] for p in agents), time.time()
    kids1 = {k: cpu(k)[0] for k in children(sup) if os.path.exists(f"/proc/{k}")}
    m = mem(sup)
    kid_mem = {k: mem(k) for k in kids1}
    ev1 = len(team.event_lines())
    print(f"load average at end: {machine_load()}")
    el = t1 - t0
    p = lambda ticks: ticks / TICK / el * 100
    own = p(s1[0] - s0[0])
    reaped = p(s1[1] - s0[1])
    live = p(sum(kids1[k] - kids0.get(k, 0) for k in kids1))
    print(f"atlas watch itself (utime+stime, all threads): {own:.2f} % of one core")
    print(f"tmux clients it ran and reaped (cutime+cstime): {reaped:.2f} %")
    print(f"its long-lived `tmux wait-for` child: {live:.2f} %")
    print(f"supervisor total: {own + reaped + live:.2f} % of one core (target <= 1 %)")
    print(f"atlas watch memory: VmRSS {m['VmRSS'] / 1024:.1f} MB, VmHWM {m['VmHWM'] / 1024:.1f} MB (target <= 20 MB)")
    for k, mm in kid_mem.items():
        print(f"  child {k} ({open(f'/proc/{k}/cmdline').read().replace(chr(0), ' ').strip()}): "
              f"VmRSS {mm['VmRSS'] / 1024:.1f} MB")
    print(f"tmux server: {p(v1[0] - v0[0]):.2f} % (its own), {p(v1[1] - v0[1]):.2f} % (children it reaped)")
    print(f"13 demo agents together: {p(a1 - a0):.2f} %")
    print(f"events logged during the minute: {ev1 - ev0}")
    # The same minute without the supervisor: what the tmux server does on its own.
    os.kill(sup, signal.SIGTERM)
    wait(10, "the supervisor gone", lambda: not os.path.exists(f"/proc/{sup}"))
    v0, t0 = cpu(srv), time.time()
    time.sleep(secs)
    v1, t1 = cpu(srv), time.time()
    el = t1 - t0
    print(f"tmux server with the supervisor stopped: {p(v1[0] - v0[0]):.2f} % (its own), "
          f"{p(v1[1] - v0[1]):.2f} % (children)")
    kill_server()


try:
    print(f"atlas: {ATLAS}; tmux: {subprocess.run(['tmux', '-V'], capture_output=True, text=True).stdout.strip()}; "
          f"nproc {os.cpu_count()}; CLK_TCK {TICK}")
    ok = True
    if "restart" in parts:
        ok = part_restart() and ok
    if "backoff" in parts:
        part_backoff()
    if "idle" in parts:
        part_idle()
    sys.exit(0 if ok else 1)
finally:
    kill_server()
    if not args.keep:
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    else:
        print("kept: " + " ".join(dirs))
PY
