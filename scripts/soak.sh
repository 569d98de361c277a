#!/usr/bin/env bash
# Supervisor soak test (BENCHMARKS.md, section "Supervisor"). Not part of CI.
#
# Runs the 13-agent demo team (`atlas init --demo`, release build; demo agents sped up with
# ATLAS_DEMO_START=0.5, ATLAS_DEMO_WORK=1) on a private tmux server (`-L soak-<pid>`,
# ATLAS_TMUX_CONF=/dev/null, killed at the end) for DURATION seconds (default 600) while it:
#   - crashes random live agents about every 8 s: kill -9 of the pane's process, or
#     `atlas send AGENT -- /crash`, or `atlas send AGENT -- /exit N` (N in 1..255);
#   - three times (at 20 %, 50 %, 80 % of the run) puts one random agent in a crash loop
#     (kill -9 each time it is back) until the supervisor marks it `failed`;
#   - writes `atlas handoff` entries every ~2 s (mostly boss to report, which the demo agents
#     answer; the rest between random agents and the operator),
#     sometimes eight at once, with awkward text (#{…}, %, quotes, $(…), unicode, multi-line
#     notes);
#   - adds `atlas queue add` items for random agents every ~4 s;
#   - kills the supervisor itself (kill -9) twice (at 35 % and 70 %) and brings it back with
#     `atlas up`.
# with [supervisor] max_restarts = 4, restart_window = "2m", backoff_max = "2s".
#
# Then it stops, lets the team settle, and checks:
#   1. the supervisor is alive;
#   2. every agent is running (pane alive) or `failed`, and `failed` exactly when events.log
#      shows max_restarts deaths within restart_window (same rule as the supervisor's);
#      every death was followed by a restart or by `failed`;
#   3. every handoff the script wrote is in the coordination file, whole (byte for byte);
#      every `failed` event has its FAILED entry to the operator; `atlas check` finds no
#      malformed block;
#   4. every queue item is in the queue exactly once; none was dispatched twice (events.log)
#      or worked on twice (the demo agents' output files);
#   5. no inbox entry was woken for twice;
#   6. every agent the supervisor restarted got its brief within 30 s (or died again).
# Prints a summary; exits 1 if a check fails (the team folder is then kept).
#
# Usage: scripts/soak.sh [DURATION_SECONDS] [--seed N] [--keep]   (SKIP_BUILD=1 skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-}" != 1 ]; then
  cargo build --release -q
fi
export ATLAS_BIN="$PWD/target/release/atlas"
exec python3 - "$@" <<'PY'
import argparse, collections, glob, json, os, random, re, shutil, signal, subprocess, sys, tempfile, threading, time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

ATLAS = os.environ["ATLAS_BIN"]
SOCK = f"soak-{os.getpid()}"
MAX_RESTARTS, WINDOW = 4, 120

ap = argparse.ArgumentParser()
ap.add_argument("duration", nargs="?", type=float, default=600)
ap.add_argument("--seed", type=int, default=None)
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()
seed = args.seed if args.seed is not None else random.randrange(1 << 30)
rng = random.Random(seed)

env = dict(os.environ)
for k in ("TMUX", "TMUX_PANE", "ATLAS_CONFIG", "ATLAS_AGENT"):
    env.pop(k, None)
env["ATLAS_TMUX_CONF"] = "/dev/null"
env["ATLAS_FORBID_DEFAULT_SERVER"] = "1"
env["PATH"] = os.path.dirname(ATLAS) + ":" + env.get("PATH", "")

DIR = tempfile.mkdtemp(prefix="atlas-soak-")
CFG = os.path.join(DIR, "atlas.toml")
EVENTS = os.path.join(DIR, "logs", "events.log")
COORD = os.path.join(DIR, "coordination.md")
lock = threading.Lock()
stats = collections.Counter()
notes = []


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def tmux(*a):
    p = subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", *a], env=env,
                       capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


def atlas(*a, timeout=60):
    return subprocess.run([ATLAS, "-L", SOCK, "-c", CFG, *a], env=env, capture_output=True,
                          text=True, timeout=timeout)


def kill_server():
    out = tmux("display-message", "-p", "#{pid}")
    tmux("kill-server")
    if out and out.strip().isdigit():
        pid = int(out)
        deadline = time.time() + 5
        while time.time() < deadline and os.path.exists(f"/proc/{pid}"):
            time.sleep(0.02)
        if os.path.exists(f"/proc/{pid}"):
            os.kill(pid, signal.SIGKILL)
    try:
        os.remove(f"/tmp/tmux-{os.getuid()}/{SOCK}")
    except OSError:
        pass


def panes():
    """agent -> (pane, dead, pid, @atlas_state)"""
    out = tmux("list-panes", "-s", "-t", "=atlas:", "-F",
               "#{pane_id}\t#{@atlas_agent}\t#{pane_dead}\t#{pane_pid}\t#{@atlas_state}") or ""
    res = {}
    for line in out.splitlines():
        pane, agent, dead, pid, state = line.split("\t")
        if agent:
            res[agent] = (pane, dead == "1", int(pid), state)
    return res


def ls():
    p = atlas("ls", "--json")
    return {r["name"]: r for r in json.loads(p.stdout)} if p.returncode == 0 else {}


def wait(timeout, f, every=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = f()
        if v:
            return v
        time.sleep(every)
    return None


def is_demo(pid):
    try:
        return "demo-agent" in open(f"/proc/{pid}/cmdline").read()
    except OSError:
        return False


# ---- setup -------------------------------------------------------------------------------
subprocess.run([ATLAS, "init", "--demo", DIR], env=env, check=True, capture_output=True)
text = open(CFG).read()
text = text.replace('restart = "on-failure"',
                    'restart = "on-failure"\nenv = { ATLAS_DEMO_START = "0.5", ATLAS_DEMO_WORK = "1" }')
for key, value in (("max_restarts", str(MAX_RESTARTS)), ("restart_window", f'"{WINDOW}s"'),
                   ("backoff_max", '"2s"'), ("report_at", '""'),
                   # `atlas init` names the session after the folder; this script says =atlas.
                   ("session", '"atlas"')):
    text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    assert n == 1, key
open(CFG, "w").write(text)
AGENTS = [l.split('"')[1] for l in re.findall(r'name = "[^"]+", role', text)]
assert len(AGENTS) == 13, AGENTS
REPORTS = collections.defaultdict(list)   # boss -> reports
for name, boss in re.findall(r'name = "([^"]+)", role = "[^"]*", reports_to = "([^"]+)"', text):
    REPORTS[boss].append(name)
LEAVES = [a for a in AGENTS if a not in REPORTS]
assert REPORTS and LEAVES
TEAM = AGENTS + ["human"]
kill_server()
up = atlas("up")
assert "started the supervisor" in up.stdout, up.stdout + up.stderr
if not wait(60, lambda: sum(r["state"] == "idle" for r in ls().values()) == 13):
    sys.exit("the team did not become idle")
log(f"soak: {args.duration:.0f} s, seed {seed}, team in {DIR}, tmux -L {SOCK}")
log(f"config: max_restarts {MAX_RESTARTS}, restart_window {WINDOW}s, backoff_max 2s")

pool = ThreadPoolExecutor(max_workers=12)
handoffs = []      # dicts with id and expected block
queued = []        # (agent, text)
injected = collections.defaultdict(list)   # agent -> [(time, method, status)]
failures_seen = set()
sup_logs = []      # the supervisor window's text, captured before each kill
WEIRD = ["#{pane_id}", "50%", "'single'", '"double"', "$(echo hi)", "`ls`", "ü ✓ →", "#(true)",
         "back\\slash", "semi;colon", "tab\tin", "<tag>", "%%", "~/path"]


def live_agents():
    return [(a, p) for a, p in panes().items() if not p[1] and p[3] not in ("failed", "dead")
            and is_demo(p[2])]


def crash(agent, pane, pid, method):
    if method == "kill9":
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            return
        with lock:
            injected[agent].append((time.time(), "kill9", 137))
            stats["crash kill -9"] += 1
        return
    directive = "/crash" if method == "crash" else f"/exit {rng.randint(1, 255)}"

    def job():
        p = atlas("send", agent, "--", directive)
        with lock:
            key = f"crash {directive.split()[0]}"
            if p.returncode == 0:
                stats[key + " (delivered)"] += 1
                injected[agent].append((time.time(), directive, None))
            else:
                stats[key + " (refused: " + classify(p.stderr) + ")"] += 1
                if "unsent" in p.stderr:
                    notes.append(f"{time.strftime('%H:%M:%S')} {p.stderr.strip()}")
    pool.submit(job)


def classify(err):
    for word in ("unsent", "draft", "busy", "dead", "failed", "waiting", "not submitted", "lock", "timed out"):
        if word in err.lower():
            return word
    return err.strip()[:60]


def crash_random():
    live = live_agents()
    if not live:
        return
    agent, (pane, _, pid, _) = rng.choice(live)
    crash(agent, pane, pid, rng.choice(["kill9", "crash", "exit"]))


def crash_loop():
    live = live_agents()
    if not live:
        return
    agent, _ = rng.choice(live)
    log(f"crash loop: {agent}")
    stats["crash loops"] += 1

    def job():
        last = None
        for _ in range(3 * MAX_RESTARTS):
            def alive():
                p = panes().get(agent)
                if p and p[3] == "failed":
                    return "failed"
                if p and not p[1] and p[2] != last and is_demo(p[2]):
                    return p
            p = wait(30, alive, every=0.1)
            if p is None or p == "failed":
                break
            time.sleep(0.5)
            last = p[2]
            crash(agent, p[0], p[2], "kill9")
    pool.submit(job)


def handoff_one(n):
    # A demo agent answers by handing off DONE to its boss (no Re:), which answers only the
    # entries its boss sent it; so most actionable handoffs go from a boss to a report (they
    # get answered and the report's inbox empties, letting queued work through), some are
    # not actionable, and some are actionable between anyone (they pile up, as in real life).
    r = rng.random()
    if r < 0.45:
        frm = rng.choice(sorted(REPORTS))
        to = [rng.choice(REPORTS[frm])]
        status = rng.choice(["IN_PROGRESS", "REVISION", "BLOCKED", "DONE", "FAILED"])
    else:
        frm = rng.choice(TEAM)
        # Actionable entries nobody answers go to leads and the operator only, so the
        # reports' inboxes empty and their queues get handed out.
        pool_to = TEAM if r < 0.75 else [x for x in TEAM if x not in LEAVES]
        to = rng.sample([x for x in pool_to if x != frm], rng.choice([1, 1, 1, 2]))
        status = rng.choice(["INFO", "ACK", "APPROVED"] if r < 0.75 else
                            ["DONE", "IN_PROGRESS", "BLOCKED", "REVISION", "INFO", "FAILED"])
    task = f"soak-h-{n} {rng.choice(WEIRD)} {rng.choice(WEIRD)} item {rng.randint(1, 999)}"
    notes_lines = [f"note {n} {rng.choice(WEIRD)}"]
    if rng.random() < 0.4:
        notes_lines.append(f"and a second line {rng.choice(WEIRD)}")
    note = "\n".join(notes_lines)
    argv = ["handoff", "--from", frm, "--to", ",".join(to), "--status", status, "--task", task,
            "--notes", note]
    output = None
    if rng.random() < 0.3:
        output = f"out/soak/{n}-{rng.randint(1, 99)}.md"
        argv += ["--output", output]
    re_id = None
    with lock:
        if handoffs and rng.random() < 0.2:
            re_id = rng.choice(handoffs)["id"]
    if re_id:
        argv += ["--re", re_id]
    p = atlas(*argv)
    if p.returncode != 0:
        with lock:
            stats["handoff refused"] += 1
            notes.append(f"handoff {n} refused: {p.stderr.strip()}")
        return
    hid = p.stdout.strip()
    block = [f"## {hid}", f"Status: {status}", f"Task: {task}"]
    if output:
        block.append(f"Output: {output}")
    block.append(f"Notes: {note}")
    if re_id:
        block.append(f"Re: {re_id}")
    with lock:
        handoffs.append({"id": hid, "block": "\n".join(block), "n": n})
        stats["handoffs written"] += 1


def queue_one(n):
    agent = rng.choice(LEAVES if rng.random() < 0.8 else AGENTS)
    text = f"soak-q-{n} {rng.choice(WEIRD)} job {rng.randint(1, 999)}".replace("\t", " ")
    p = atlas("queue", "add", agent, text)
    with lock:
        if p.returncode == 0:
            queued.append((agent, text))
            stats["queue items added"] += 1
        else:
            stats["queue add refused"] += 1
            notes.append(f"queue add refused: {p.stderr.strip()}")


def kill_supervisor():
    out = tmux("list-panes", "-t", "=atlas:=supervisor", "-F", "#{pane_pid} #{pane_dead}")
    if not out:
        return
    pid, dead = out.split()
    if dead == "1" or "watch" not in open(f"/proc/{pid}/cmdline").read():
        return
    before = tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "=atlas:=supervisor") or ""
    os.kill(int(pid), signal.SIGKILL)
    sup_logs.append(before)
    log("killed the supervisor (kill -9)")
    time.sleep(rng.uniform(1, 5))
    p = atlas("up")
    ok = "started the supervisor" in p.stdout
    stats["supervisor kills"] += 1
    log("atlas up: " + ("started the supervisor again" if ok else "DID NOT start it: " + p.stdout + p.stderr))
    if not ok:
        notes.append("atlas up did not restart the supervisor")


# ---- the run -------------------------------------------------------------------------------
t_start = time.time()
T = args.duration
loops_at = [0.2 * T, 0.5 * T, 0.8 * T]
sup_kills_at = [0.35 * T, 0.7 * T]
next_crash, next_handoff, next_queue = t_start + 3, t_start + 1, t_start + 2
hn = qn = 0
last_report = t_start
while time.time() - t_start < T:
    now = time.time()
    el = now - t_start
    if loops_at and el >= loops_at[0]:
        loops_at.pop(0)
        crash_loop()
    if sup_kills_at and el >= sup_kills_at[0]:
        sup_kills_at.pop(0)
        kill_supervisor()
    if now >= next_crash:
        crash_random()
        next_crash = now + rng.uniform(2, 14)
    if now >= next_handoff:
        burst = 8 if rng.random() < 0.08 else 1
        for _ in range(burst):
            hn += 1
            pool.submit(handoff_one, hn)
        next_handoff = now + rng.uniform(0.5, 3.5)
    if now >= next_queue:
        qn += 1
        pool.submit(queue_one, qn)
        next_queue = now + rng.uniform(1, 7)
    if now - last_report >= 60:
        last_report = now
        st = collections.Counter(p[3] or "?" for p in panes().values())
        log(f"{el:.0f}s: states {dict(st)}; handoffs {stats['handoffs written']}, "
            f"queue {stats['queue items added']}, kill -9 {stats['crash kill -9']}")
    time.sleep(0.1)

log("injection stopped; waiting for in-flight commands and for the team to settle")
pool.shutdown(wait=True)


def settled():
    rows = ls()
    ps = panes()
    pending = [a for a in AGENTS if rows.get(a, {}).get("state") in ("dead", "missing", None)
               or (ps.get(a, (0, True))[1] and rows.get(a, {}).get("state") != "failed")]
    return not pending


wait(120, settled, every=1)
# Then wait for the event log to go quiet (wakes and dispatches cascading), at most 3 minutes.
last = [os.path.getsize(EVENTS), time.time()]


def quiet():
    s = os.path.getsize(EVENTS)
    if s != last[0]:
        last[:] = [s, time.time()]
    return time.time() - last[1] > 15


was_quiet = wait(180, quiet, every=1)
log("the event log is quiet" if was_quiet else "the event log was still moving after 3 minutes; checking anyway")

# ---- checks ----------------------------------------------------------------------------------
results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def parse_events():
    out = []
    for line in open(EVENTS).read().splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 3:
            continue
        out.append((datetime.fromisoformat(parts[0]).timestamp(), parts[1], parts[2],
                    parts[3] if len(parts) > 3 else ""))
    return out


ev = parse_events()
evcount = collections.Counter(e[1] for e in ev)

# 1. the supervisor
out = tmux("list-panes", "-t", "=atlas:=supervisor", "-F", "#{pane_pid} #{pane_dead}") or "0 1"
spid, sdead = out.split()
check("supervisor alive", sdead == "0" and "watch" in open(f"/proc/{spid}/cmdline").read())

# 2. agents
rows, ps = ls(), panes()
deaths = collections.defaultdict(list)
failed_ev = collections.defaultdict(list)
for t, kind, agent, detail in ev:
    if kind == "death":
        deaths[agent].append(t)
    elif kind == "failed":
        failed_ev[agent].append(t)


def expected_failed(times, window):
    for i, t in enumerate(times):
        if sum(1 for u in times[: i + 1] if u >= t - window) >= MAX_RESTARTS:
            return True
    return False


bad_agents, borderline = [], []
states = collections.Counter()
for a in AGENTS:
    st = rows.get(a, {}).get("state")
    states[st] += 1
    pane = ps.get(a)
    exp = expected_failed(deaths[a], WINDOW)
    if expected_failed(deaths[a], WINDOW - 1) != expected_failed(deaths[a], WINDOW + 1):
        borderline.append(a)
    if st == "failed":
        if not failed_ev[a]:
            bad_agents.append(f"{a}: failed without a failed event")
        elif not exp and a not in borderline:
            bad_agents.append(f"{a}: failed but events.log shows fewer than {MAX_RESTARTS} deaths in {WINDOW}s")
    elif st in ("idle", "busy", "waiting", "limited", "starting"):
        if pane is None or pane[1]:
            bad_agents.append(f"{a}: state {st} but its pane is dead")
        if failed_ev[a]:
            bad_agents.append(f"{a}: running but events.log says failed")
        if exp and a not in borderline:
            bad_agents.append(f"{a}: events.log shows {MAX_RESTARTS} deaths in {WINDOW}s but it is not failed")
    else:
        bad_agents.append(f"{a}: state {st}")
check("every agent running or correctly failed", not bad_agents,
      "; ".join(bad_agents) + (f" (borderline, not judged: {borderline})" if borderline else ""))
restarts = sum(1 for e in ev if e[1] == "restart" and "by=supervisor" in e[3])
check("every death followed by a restart or failed",
      evcount["death"] == restarts + evcount["failed"],
      f"{evcount['death']} deaths, {restarts} restarts by the supervisor, {evcount['failed']} failed")

# 3. the coordination file
coord = open(COORD).read()
blocks = collections.defaultdict(list)
cur = None
for line in coord.split("\n"):
    if line.startswith("## "):
        cur = [line]
        blocks[line[3:]].append(cur)
    elif cur is not None:
        cur.append(line)
texts = {k: ["\n".join(b).rstrip("\n") for b in v] for k, v in blocks.items()}
missing = []
for h in handoffs:
    cands = texts.get(h["id"], [])
    if h["block"] in cands:
        cands.remove(h["block"])
    else:
        missing.append(f"soak-h-{h['n']} ({h['id']})")
check("every handoff present and whole", not missing,
      f"{len(handoffs)} written, {len(missing)} missing or altered: {missing[:5]}")
fe = collections.Counter(b[0].split("] ", 1)[1].split(" →")[0] for k, v in blocks.items()
                        for b in v if k.endswith("→ human") and len(b) > 2
                        and b[1] == "Status: FAILED"
                        and "the supervisor stopped restarting it" in b[2])
fe_bad = [a for a in set(fe) | set(failed_ev) if fe[a] != len(failed_ev[a])]
check("a FAILED entry to the operator for every failed event", not fe_bad,
      f"{evcount['failed']} failed events, {sum(fe.values())} supervisor FAILED entries; "
      f"mismatched: {fe_bad}")
chk = atlas("check")
m = re.search(r"(\d+) entries, (\d+) errors?, (\d+) warnings?", chk.stdout)
check("atlas check: no malformed blocks", chk.returncode == 0 and m and m.group(2) == "0",
      chk.stdout.strip().splitlines()[-1] if chk.stdout.strip() else chk.stderr.strip())

# 4. queues
ql = json.loads(atlas("queue", "ls", "--json").stdout)
rows_q = collections.Counter((r["agent"], r["text"]) for r in ql)
q_bad = [f"{a}: {t} x{rows_q[(a, t)]}" for a, t in queued if rows_q[(a, t)] != 1]
check("every queue item in its queue exactly once", not q_bad, "; ".join(q_bad[:5]))
disp = collections.Counter()
for t, kind, agent, detail in ev:
    if kind == "dispatch":
        mm = re.match(r'text="((?:[^"\\]|\\.)*)"', detail)
        disp[(agent, mm.group(1) if mm else detail)] += 1
twice = [k for k, v in disp.items() if v > 1]
handed = sum(1 for r in ql if r["state"] == "handed_out")
check("no queue item dispatched twice (events.log)", not twice,
      f"{sum(disp.values())} dispatch events, {handed} items handed out, "
      f"{len(ql) - handed} still waiting; repeated: {twice[:3]}")
# A demo agent writes each directive it works on to out/<AGENT>/…md, the directive as the
# first line; a dispatch is the default template (the wakes that pass the task on to its
# boss start with the same words, so only the exact first line in the agent's own folder
# counts).
worked = collections.Counter()
firsts = collections.defaultdict(list)
for path in glob.glob(os.path.join(DIR, "out", "*", "*.md")):
    firsts[os.path.basename(os.path.dirname(path))].append(
        open(path, errors="replace").readline().rstrip("\n"))
for agent, text in queued:
    want = f"# Next item from your work queue: {text}. When done, report with atlas handoff --from {agent}."
    n = firsts[agent].count(want)
    if n:
        worked[text.split()[0]] = n
worked_twice = [k for k, v in worked.items() if v > 1]
check("no queue item worked on twice (agents' output files)", not worked_twice,
      f"{len(worked)} items worked on; twice: {worked_twice[:5]}")

# 5. wakes
wakes = collections.Counter()
for t, kind, agent, detail in ev:
    if kind == "wake":
        mm = re.match(r'entry="((?:[^"\\]|\\.)*)"', detail)
        wakes[(agent, mm.group(1) if mm else detail)] += 1
dup = []
for (agent, eid), n in wakes.items():
    same = sum(1 for b in blocks.get(eid, []) if agent in b[0].split("→", 1)[-1])
    if n > max(1, same):
        dup.append(f"{agent} {eid} x{n}")
check("no entry woken for twice", not dup, f"{sum(wakes.values())} wakes; repeated: {dup[:3]}")

# What the supervisor said it could not do, and drafts left in agents' input lines.
sup_out = "\n".join(sup_logs + [tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "=atlas:=supervisor") or ""])
open(os.path.join(DIR, "logs", "supervisor-window.txt"), "w").write(sup_out)
sup_problems = [l for l in dict.fromkeys(sup_out.splitlines()) if "could not deliver" in l or " error: " in l
                or "cannot " in l]
drafts = []
for a, (pane, dead, pid, st) in panes().items():
    if dead:
        continue
    lines = [l for l in (tmux("capture-pane", "-p", "-t", pane) or "").splitlines() if l.strip()]
    if lines and lines[-1].startswith("demo> ") and lines[-1].strip() != "demo>":
        drafts.append(f"{a}: {lines[-1][:80]}")

# 6. every restarted agent was briefed: the supervisor prints "briefed NAME after its restart"
#    (or "could not deliver to NAME"); a restart with neither within 30 s, while the agent
#    did not die again, means the agent was left without its brief, wakes and queued work.
said = collections.defaultdict(list)
for l in sup_out.splitlines():
    mm = re.match(r"(\d\d:\d\d:\d\d) (?:briefed (\S+) after its restart|could not deliver to (\S+?):)", l)
    if mm:
        said[mm.group(2) or mm.group(3)].append(mm.group(1))
end_t = time.time()
unbriefed = []
for i, (t, kind, agent, detail) in enumerate(ev):
    if kind != "restart" or end_t - t < 30:
        continue
    day = datetime.fromtimestamp(t)
    hits = [h for h in said[agent] if -1 <= (datetime.combine(day.date(), datetime.strptime(h, "%H:%M:%S").time()) - day.replace(microsecond=0)).total_seconds() <= 30]
    again = any(e[1] == "death" and e[2] == agent and 0 <= e[0] - t <= 30 for e in ev[i + 1:])
    if not hits and not again:
        unbriefed.append(f"{agent} restarted {day.strftime('%H:%M:%S')}")
check("every restarted agent briefed within 30 s (or dead again)", not unbriefed,
      f"{restarts} restarts; not briefed: {unbriefed[:5]}")

# ---- report ---------------------------------------------------------------------------------
print()
print(f"soak {T:.0f} s, seed {seed}")
print("injected: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
print("events.log: " + ", ".join(f"{k} {v}" for k, v in sorted(evcount.items())))
print("final states: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items(), key=str)))
failed_names = sorted(a for a in AGENTS if rows.get(a, {}).get("state") == "failed")
for a in failed_names:
    print(f"  {a}: failed; deaths logged {len(deaths[a])}")
unknown = sum(1 for e in ev if e[1] == "death" and "status=unknown" in e[3])
print(f"deaths with status unknown: {unknown}")
entries = len(re.findall(r"(?m)^## \[", coord))
print(f"coordination file: {entries} entries, {len(coord.encode())} bytes")
for n in notes[:10]:
    print("note: " + n)
print(f"supervisor messages about deliveries it could not make or errors: {len(sup_problems)}")
for l in sup_problems[:15]:
    print("  " + l)
print(f"agents left with a draft in their input line: {len(drafts)}")
for d in drafts:
    print("  " + d)
print()
allok = True
for name, ok, detail in results:
    allok &= bool(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
kill_server()
if allok and not args.keep:
    shutil.rmtree(DIR, ignore_errors=True)
else:
    print(f"team folder kept: {DIR}")
sys.exit(0 if allok else 1)
PY
