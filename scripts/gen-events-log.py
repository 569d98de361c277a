#!/usr/bin/env python3
"""Generate a logs/events.log that matches a coordination file, for atlas's benchmarks.

Usage: scripts/gen-events-log.py COORDINATION.md [OUT] [--seed N]

For every entry of the coordination file, its sender was busy before writing it (a
`state … to=busy` a few minutes before, `state … to=idle` at the entry's time) and its
first recipient in the team is woken (`wake`, then busy and idle again). Now and then an
agent crashes and is restarted (`death`, `restart`, states dead → starting → busy), asks
a permission question (`waiting`) or hits a usage limit (`limit`, `limited` until a reset
some minutes later). Lines come out in time order, RFC 3339 with a +01:00 offset, in the
format of DESIGN §3. Deterministic for a given seed. About 4 lines per entry.
"""

import random
import re
import sys
from datetime import datetime, timedelta

TEAM = {
    "Atlas", "Prometheus", "Orpheus", "Hephaestus", "Athena", "Plutus", "Tyche",
    "Apollo", "Argus", "Mnemosyne", "Hermes", "Kairos", "Nike",
}
HEADER = re.compile(r"^## \[(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)\] (\S+) (?:→|->) (.+?)\s*$")


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "+01:00"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = 7
    for a in sys.argv[1:]:
        if a.startswith("--seed="):
            seed = int(a.split("=", 1)[1])
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    r = random.Random(seed)
    out = open(args[1], "w", encoding="utf-8", newline="\n") if len(args) > 1 else sys.stdout
    ev = []  # (time, seq, text)
    seq = 0

    def add(t, kind, agent, detail=""):
        nonlocal seq
        ev.append((t, seq, f"{stamp(t)} {kind} {agent}{' ' + detail if detail else ''}"))
        seq += 1

    first = None
    with open(args[0], encoding="utf-8") as f:
        for line in f:
            m = HEADER.match(line)
            if not m:
                continue
            ts, frm, to = m.groups()
            fmt = "%Y-%m-%d %H:%M:%S" if len(ts) == 19 else "%Y-%m-%d %H:%M"
            t = datetime.strptime(ts, fmt)
            if first is None:
                first = t
                for a in sorted(TEAM):
                    add(t - timedelta(minutes=5), "spawn", a)
                    add(t - timedelta(minutes=5), "state", a, "to=starting")
                    add(t - timedelta(minutes=4), "state", a, "from=starting to=idle")
            if frm in TEAM:
                add(t - timedelta(seconds=r.randint(30, 600)), "state", frm, "to=busy")
                x = r.random()
                if x < 0.005:
                    c = t - timedelta(seconds=20)
                    add(c, "death", frm, "status=1")
                    add(c, "state", frm, "from=busy to=dead")
                    add(c + timedelta(seconds=2), "restart", frm)
                    add(c + timedelta(seconds=2), "state", frm, "from=dead to=starting")
                    add(c + timedelta(seconds=8), "state", frm, "from=starting to=busy")
                elif x < 0.01:
                    w = t - timedelta(seconds=25)
                    add(w, "state", frm, "from=busy to=waiting")
                    add(w + timedelta(seconds=15), "state", frm, "from=waiting to=busy")
                add(t, "state", frm, "from=busy to=idle")
                if r.random() < 0.002:
                    reset = t + timedelta(minutes=r.randint(10, 90))
                    add(t + timedelta(seconds=1), "limit", frm, f"reset={reset.strftime('%H:%M')}")
                    add(t + timedelta(seconds=1), "state", frm, f"from=idle to=limited reset={reset.strftime('%H:%M')}")
                    add(reset, "state", frm, "from=limited to=idle")
            rcpt = [n.strip() for n in to.split(",")]
            if rcpt and rcpt[0] in TEAM:
                idq = '"' + line[3:].rstrip().replace('\\', '\\\\').replace('"', '\\"') + '"'
                add(t + timedelta(seconds=5), "wake", rcpt[0], f"entry={idq}")
    ev.sort()
    out.write("".join(e[2] + "\n" for e in ev))


if __name__ == "__main__":
    main()
