# A stand-in for `atlas demo-agent --record FILE` in delivery tests: raw mode, bracketed
# paste on, the demo agent's prompt (`demo> `), and each submitted message appended to FILE
# as its exact bytes followed by "\x1e\n". A few directives change the screen like the demo
# agent does: /sleep (busy for 1.5 s), /ask (a menu), /limit HH:MM, /exit N, /strange (a
# screen no preset knows, for good: every key pressed after it is recorded as "key:…").
import os, sys, time, tty

rec = sys.argv[1]
tty.setraw(0)
out = sys.stdout.buffer
START, END = b"\x1b[200~", b"\x1b[201~"


def w(b):
    out.write(b)
    out.flush()


w(b"\x1b[?2004h")
w(b"demo> ")
buf = bytearray()
pending = b""
paste = False
menu = False
strange = False


def submit():
    global menu, strange
    msg = bytes(buf)
    buf.clear()
    with open(rec, "ab") as f:
        f.write(msg + b"\x1e\n")
    text = msg.decode("utf-8", "replace")
    if text == "/sleep":
        w(b"\r\n\xe2\x9c\xbb Working on \"/sleep\"\xe2\x80\xa6 (1s \xc2\xb7 esc to interrupt)")
        time.sleep(1.5)
        w(b"\r\x1b[KDone.\r\ndemo> ")
    elif text == "/ask":
        w("\r\nDo you want to proceed?\r\n\u276f 1. Yes\r\n  2. No".encode())
        menu = True
    elif text.startswith("/limit "):
        w(("\r\nUsage limit reached \u00b7 resets " + text[7:].strip() + "\r\ndemo> ").encode())
    elif text == "/strange":
        w(b"\x1b[2J\x1b[H\x1b[?25lSomething atlas has never seen.\r\n  [ a ]  [ b ]  [ c ]\r\n")
        strange = True
    elif text.startswith("/exit"):
        w(b"\x1b[?2004l")
        sys.exit(int(text[5:].strip() or "0"))
    else:
        w(b"\r\ndemo> ")


while True:
    data = os.read(0, 65536)
    if not data:
        break
    pending += data
    while pending:
        if strange:
            with open(rec, "ab") as f:
                f.write(b"key:" + pending + b"\x1e\n")
            pending = b""
            break
        if menu:
            c, pending = pending[:1], pending[1:]
            if c in b"1y\r2n":
                menu = False
                w(("\r\nAnswered: " + ("No" if c in b"2n" else "Yes") + "\r\ndemo> ").encode())
            continue
        if paste:
            i = pending.find(END)
            if i < 0:
                keep = max([k for k in range(1, len(END)) if pending.endswith(END[:k])] or [0])
                chunk, pending = pending[: len(pending) - keep], pending[len(pending) - keep :]
                buf += chunk
                w(chunk.replace(b"\n", b"\r\n"))
                break
            chunk, pending = pending[:i], pending[i + len(END) :]
            buf += chunk
            w(chunk.replace(b"\n", b"\r\n"))
            paste = False
            continue
        if pending.startswith(START):
            paste = True
            pending = pending[len(START) :]
            continue
        if pending.startswith(b"\x1b") and START.startswith(pending):
            break
        c, pending = pending[:1], pending[1:]
        if c == b"\r":
            submit()
        elif c == b"\x03":
            buf.clear()
            w(b"^C\r\ndemo> ")
        elif c in (b"\x7f", b"\x08"):
            if buf:
                buf.pop()
                w(b"\b \b")
        else:
            buf += c
            w(c)
