#!/usr/bin/env python3
"""A fake model server for atlas's tests: loopback only, scripted by the directive text.

The real agent programs (Claude Code, Codex CLI, Gemini CLI, Aider) are pointed at it with
their base-URL settings, so their real TUIs run offline. It speaks:

- the Anthropic Messages API (Claude Code): POST /v1/messages, streamed SSE or plain JSON;
- the OpenAI Responses API (Codex CLI): POST /v1/responses, streamed SSE;
- the Gemini API (Gemini CLI): GET /v1beta/models, POST ...:generateContent,
  POST ...:streamGenerateContent?alt=sse;
- the OpenAI Chat Completions API (Aider): POST /v1/chat/completions, streamed SSE.

Which agent sent a request: a path prefix `/a/NAME/` (stripped), else the API key's text
after `fake-` (`fake-NAME`), else "?".

The script is read from the text the person (or atlas) typed — the last user message that
is not a tool result — and only for requests that offer tools (the agent's own turn; side
calls such as title generation are answered at once, whatever the text says):

  (nothing)           answer at once: "Done: received N characters."
  [[reply TEXT]]      answer TEXT
  [[stream N]]        stream the answer for N seconds (a chunk every 0.25 s)
  [[pause N]]         with [[stream]]: stop sending for N seconds halfway through
  [[delay N]]         wait N seconds before the first byte
  [[bash CMD]]        call the shell tool with CMD ({re} in it: the id the text asks to answer
                      with --re); after its result comes back, answer
                      "Ran it: <first line of the result>"
  [[limit]]           fail with the API's usage-limit error (429); [[limit HH:MM]] and
                      [[limit +SECONDS]] say when it resets where the API can say so
  [[ratelimit N]]     fail with a plain 429 rate-limit error, retry after N seconds
  [[error]]           fail with a 500
  ((word args))       the same words, obeyed only where no [[...]] is: a script that travels
                      inside another (a handoff task the next agent's model obeys)

Every request is logged to --log as one JSON line ({"event": "request", ...}), and the end of
every answer too ({"event": "response_end", ...}), so a test can assert what the model
received, byte for byte and how many times. See tests/real/mod.rs for the Rust side.
"""

import argparse
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import core
from core import log, now
import api_anthropic
import api_chat
import api_gemini
import api_responses

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-model/1"

    def log_message(self, *args):  # quiet
        pass

    # -- plumbing -------------------------------------------------------------------------

    def agent_and_path(self):
        path = self.path
        agent = None
        m = re.match(r"^/a/([^/]+)(/.*)$", path)
        if m:
            agent, path = m.group(1), m.group(2)
        if agent is None:
            key = (
                self.headers.get("x-api-key")
                or self.headers.get("x-goog-api-key")
                or (self.headers.get("authorization") or "").replace("Bearer ", "")
            )
            km = re.search(r"fake-([A-Za-z0-9_-]+)", key or "")
            if not km:
                qm = re.search(r"[?&]key=fake-([A-Za-z0-9_-]+)", path)
                km = qm
            if km:
                agent = km.group(1)
        return agent or "?", path

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        if core.DUMP_DIR:
            with open(os.path.join(core.DUMP_DIR, "%f.json" % now()), "wb") as f:
                f.write(self.path.encode() + b"\n" + raw)
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def start_sse(self, headers=None):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True

    def sse(self, data, event=None):
        out = ""
        if event:
            out += "event: %s\n" % event
        out += "data: %s\n\n" % (data if isinstance(data, str) else json.dumps(data))
        self.wfile.write(out.encode())
        self.wfile.flush()

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        agent, path = self.agent_and_path()
        log({"event": "get", "agent": agent, "path": path})
        if "/models" in path and "/v1beta/" in path or path.startswith("/models"):
            return api_gemini.models(self, agent, path)
        if path.startswith("/v1/models"):  # OpenAI style (Codex looks at it now and then)
            return self.send_json(200, {"object": "list", "data": [{"id": "gpt-5.5", "object": "model", "owned_by": "fake"}]})
        self.send_json(200, {"ok": True})

    def do_POST(self):
        agent, path = self.agent_and_path()
        body = self.body()
        try:
            if path.startswith("/v1/messages/count_tokens"):
                return self.send_json(200, {"input_tokens": 100})
            if path.startswith("/v1/messages"):
                return api_anthropic.handle(self, agent, path, body)
            if path.startswith("/v1/responses"):
                return api_responses.handle(self, agent, path, body)
            if path.startswith("/v1/chat/completions"):
                return api_chat.handle(self, agent, path, body)
            if ":generateContent" in path or ":streamGenerateContent" in path:
                return api_gemini.handle(self, agent, path, body)
            if ":countTokens" in path:
                return self.send_json(200, {"totalTokens": 100})
        except (BrokenPipeError, ConnectionResetError):
            log({"event": "client_gone", "agent": agent, "path": path})
            return
        log({"event": "unknown", "agent": agent, "path": path})
        self.send_json(404, {"error": {"message": "not found: " + path}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="append request records here (default: stdout)")
    ap.add_argument("--port-file", help="write the port here once listening")
    args = ap.parse_args()
    core.LOG_PATH = args.log
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("fake model server on 127.0.0.1:%d" % port, file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
