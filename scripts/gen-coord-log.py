#!/usr/bin/env python3
"""Generate a realistic coordination file for atlas's benchmarks.

Usage: scripts/gen-coord-log.py ENTRIES [OUT] [--seed N]

The seed team of `atlas init` (Atlas; Prometheus, Orpheus, Hephaestus; Athena, Plutus,
Tyche; Apollo, Argus, Mnemosyne; Hermes, Kairos, Nike) and the operator `human` run
review loops: a lead hands a task to a helper (IN_PROGRESS), the helper answers DONE
(mostly with `Re:`, sometimes by plain reply), the lead sends REVISION or APPROVED; helpers
get BLOCKED or FAILED now and then and ask the lead or the operator, who answer; leads
report to Atlas, who acknowledges; Atlas broadcasts INFO to several leads. Notes span
several lines, outputs are real-looking paths, timestamps move forward (with seconds, as
`atlas handoff` writes them, or without, as people write them), and a few threads are left
unanswered, as in real life. About 250 bytes per entry: 100,000 entries make ~25 MB.
Deterministic for a given seed.
"""

import random
import sys
from datetime import datetime, timedelta

TEAM = {
    "Prometheus": ["Orpheus", "Hephaestus"],
    "Athena": ["Plutus", "Tyche"],
    "Apollo": ["Argus", "Mnemosyne"],
    "Hermes": ["Kairos", "Nike"],
}
LEADS = list(TEAM)
CEO = "Atlas"
OPERATOR = "human"

TASKS = [
    "3 IG captions for batch-{d}",
    "landing page copy for the spring offer",
    "60s product video cut {n}",
    "pricing table for the EU launch",
    "outreach sequence for {n} leads",
    "competitor scan: tRPC and GraphQL tooling",
    "knowledge base article on onboarding #{n}",
    "weekly signals digest {d}",
    "execute rebalance ticket T-{n}",
    "newsletter draft issue {n}",
    "thumbnail variants for video {n}",
    "summary of customer calls, week {n}",
]
NOTES = [
    "used hook variant B for the tRPC post, CTR-optimised",
    "first draft; tone follows the brand guide v3, with the product names checked",
    "numbers checked against the finance sheet of last quarter and this one",
    "see the comparison table in the output",
    "kept it under 120 words as asked; the long version is in the same folder",
    "two alternatives included, my pick is the first",
    "needs a second pass on the call to action",
]
EXTRA_LINES = [
    "- sources: analytics export, CRM notes, the support inbox of last week",
    "- open question: do we mention the discount?",
    "  (the legal review is still pending)",
    "Next: schedule for Tuesday 09:00.",
    "- assets in the shared drive under /campaigns",
]
BLOCKERS = [
    "need the brand kit (logos, fonts) to continue",
    "API key for the analytics export expired",
    "waiting on legal approval of the claims",
    "rate limit on the data provider; retry after reset",
]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.t = datetime(2026, 1, 5, 8, 0, 0)
        self.n = 0
        self.out = []
        self.total = 0

    def tick(self):
        self.t += timedelta(seconds=self.r.randint(5, 240))

    def header(self, frm, to):
        self.tick()
        if self.r.random() < 0.8:
            ts = self.t.strftime("%Y-%m-%d %H:%M:%S")
        else:
            ts = self.t.strftime("%Y-%m-%d %H:%M")
        arrow = "→" if self.r.random() < 0.95 else "->"
        return f"[{ts}] {frm} {arrow} {', '.join(to)}"

    def notes(self):
        r = self.r
        first = r.choice(NOTES)
        if r.random() < 0.5:
            more = [r.choice(EXTRA_LINES) for _ in range(r.randint(1, 4))]
            return first + "\n" + "\n".join(more)
        return first

    def task(self):
        return self.r.choice(TASKS).format(
            d=self.t.strftime("%Y-%m-%d"), n=self.r.randint(1, 999)
        )

    def output(self, frm):
        return f"content/{frm.lower()}/{self.t.strftime('%Y-%m-%d')}/{self.r.randint(1, 99999)}.md"

    def entry(self, frm, to, status, task, re=None, outputs=(), notes=None):
        hid = self.header(frm, to)
        if self.n >= self.total:
            return hid
        lines = [f"## {hid}"]
        if status is not None:
            lines.append(f"Status: {status}")
        lines.append(f"Task: {task}")
        for o in outputs:
            lines.append(f"Output: {o}")
        if notes is not None:
            lines.append(f"Notes: {notes}")
        if re is not None:
            lines.append(f"Re: {re}")
        self.out.append("\n".join(lines) + "\n\n")
        self.n += 1
        return hid


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = 42
    for a in sys.argv[1:]:
        if a.startswith("--seed="):
            seed = int(a.split("=", 1)[1])
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    total = int(args[0])
    out = open(args[1], "w", encoding="utf-8", newline="\n") if len(args) > 1 else sys.stdout
    g = Gen(seed)
    g.total = total
    r = g.r
    out.write("# Coordination\n\nThe team's message bus. Append with `atlas handoff`.\n\n")
    # An open thread: (stage, lead, helper, last_id, task)
    threads = []
    written = 0

    def flush():
        nonlocal written
        out.write("".join(g.out))
        written += len(g.out)
        g.out.clear()

    while g.n < total:
        if len(threads) < 30 or r.random() < 0.25:
            kind = r.random()
            if kind < 0.08:
                # Atlas broadcasts to several leads.
                to = r.sample(LEADS, r.randint(2, 4))
                g.entry(CEO, to, "INFO", "priorities for " + g.t.strftime("%A"), notes=g.notes())
                continue
            lead = r.choice(LEADS)
            helper = r.choice(TEAM[lead])
            task = g.task()
            hid = g.entry(lead, [helper], "IN_PROGRESS", task, notes=g.notes() if r.random() < 0.7 else None)
            threads.append(["assigned", lead, helper, hid, task])
            continue
        # Advance an open thread (older ones more likely).
        i = min(int(r.expovariate(1 / 8)), len(threads) - 1)
        th = threads[i]
        stage, lead, helper, last, task = th
        if r.random() < 0.002:
            threads.pop(i)  # abandoned: stays in someone's inbox
            continue
        if stage == "assigned":
            x = r.random()
            use_re = r.random() < 0.85
            if x < 0.05:
                to = OPERATOR if r.random() < 0.4 else lead
                hid = g.entry(helper, [to], "BLOCKED", task, re=last if use_re else None, notes=r.choice(BLOCKERS))
                th[0], th[3] = ("blocked-op" if to == OPERATOR else "blocked"), hid
            elif x < 0.07:
                hid = g.entry(helper, [lead], "FAILED", task, re=last if use_re else None, notes=g.notes())
                th[0], th[3] = "failed", hid
            else:
                outs = [g.output(helper) for _ in range(r.randint(1, 2))]
                hid = g.entry(helper, [lead], "DONE", task, re=last if use_re else None, outputs=outs, notes=g.notes())
                th[0], th[3] = "done", hid
        elif stage == "done":
            if r.random() < 0.3:
                hid = g.entry(lead, [helper], "REVISION", task, re=last, notes=g.notes())
                th[0], th[3] = "assigned", hid
            else:
                g.entry(lead, [helper], "APPROVED", task, re=last)
                threads.pop(i)
                if r.random() < 0.3:
                    hid = g.entry(lead, [CEO], "DONE", task, outputs=[g.output(lead)], notes=g.notes())
                    g.entry(CEO, [lead], "ACK", task, re=hid)
        elif stage == "blocked-op":
            hid = g.entry(OPERATOR, [helper], "INFO", task, re=last, notes="done, try again now")
            th[0], th[3] = "assigned", hid
        elif stage in ("blocked", "failed"):
            hid = g.entry(lead, [helper], "REVISION", task, re=last, notes="try another approach:\n" + r.choice(EXTRA_LINES))
            th[0], th[3] = "assigned", hid
        if len(g.out) >= 1000:
            flush()
    flush()
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
