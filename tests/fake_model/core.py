"""What every fake API shares: the request log, and the script read from the directive text.
See fake_model.py for the script's words."""

import json
import os
import re
import threading
import time
from datetime import datetime, timedelta

LOG_LOCK = threading.Lock()
LOG_PATH = None
DUMP_DIR = os.environ.get("FAKE_MODEL_DUMP")  # for debugging: every request body, raw
COUNTER = [0]

SCRIPT_RE = re.compile(r"\[\[(\w+)(?:[ \t]+([^\]]*?))?\]\]")
# A second level, for a script that travels inside another one's text (a handoff's task that
# the next agent's model obeys): ((word args)), read only where no [[...]] is.
SCRIPT2_RE = re.compile(r"\(\((\w+)(?:[ \t]+(.*?))?\)\)", re.S)
# The id a wake asks to answer with `--re "ID"`; {re} in a [[bash]] command is replaced by it.
RE_ID = re.compile(r'--re "(\[[^"\n]*)"')


def now():
    return time.time()


def log(record):
    record.setdefault("t", now())
    line = json.dumps(record, ensure_ascii=False)
    with LOG_LOCK:
        if LOG_PATH:
            with open(LOG_PATH, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        else:
            print(line, flush=True)


def next_id():
    with LOG_LOCK:
        COUNTER[0] += 1
        return COUNTER[0]


class Script:
    """What the directive text asks of the fake model."""

    def __init__(self, text):
        self.text = text or ""
        self.stream = 0.0
        self.pause = 0.0
        self.delay = 0.0
        self.bash = None
        self.limit = None
        self.ratelimit = None
        self.error = False
        self.reply = None
        words = list(SCRIPT_RE.finditer(self.text)) or list(SCRIPT2_RE.finditer(self.text))
        for m in words:
            word, arg = m.group(1).lower(), (m.group(2) or "").strip()
            if word == "stream":
                self.stream = float(arg or "5")
            elif word == "pause":
                self.pause = float(arg or "5")
            elif word == "delay":
                self.delay = float(arg or "1")
            elif word == "bash":
                ids = RE_ID.findall(self.text)
                self.bash = arg.replace("{re}", ids[-1]) if ids else arg
            elif word == "limit":
                self.limit = arg
            elif word == "ratelimit":
                self.ratelimit = float(arg or "30")
            elif word == "error":
                self.error = True
            elif word == "reply":
                self.reply = arg

    def answer(self):
        if self.reply is not None:
            return self.reply
        return "Done: received %d characters." % len(self.text)

    def reset_epoch(self):
        """When a [[limit]] resets, as Unix seconds (default: in 2 hours)."""
        arg = self.limit or ""
        if arg.startswith("+"):
            return int(now() + float(arg[1:]))
        m = re.match(r"^(\d{1,2}):(\d{2})$", arg)
        if m:
            local = datetime.now().astimezone()
            at = local.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
            if at <= local:
                at += timedelta(days=1)
            return int(at.timestamp())
        return int(now() + 7200)

    def chunks(self, text):
        """The answer's pieces and the pause before each: (delay, piece)."""
        if self.stream <= 0:
            return [(0.0, text)]
        n = max(1, int(self.stream / 0.25))
        words = []
        for i in range(n):
            words.append("word%d " % i)
        words.append(text)
        out = []
        for i, w in enumerate(words):
            d = 0.25 if i > 0 else 0.0
            if self.pause and i == len(words) // 2:
                d += self.pause
            out.append((d, w))
        return out


