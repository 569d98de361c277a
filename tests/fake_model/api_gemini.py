"""The Gemini API as Gemini CLI uses it: GET /v1beta/models, the JSON side calls (the model
router's complexity score, …) as POST …:generateContent with a `responseJsonSchema`, and the
agent's turn as POST …:streamGenerateContent?alt=sse (SSE: every event a `data:` line with a
GenerateContentResponse; a comment or another field stalls Gemini CLI's reader, so a pause sends
nothing at all).

The shell tool is the function `run_shell_command` ({"command": …, "description": …}); Gemini
CLI asks `Allow execution of [Shell]?` before it runs it. The result comes back as a
`functionResponse` part.

[[limit]] answers 429 RESOURCE_EXHAUSTED with a RetryInfo delay over 300 s: Gemini CLI takes it
for a terminal quota error and shows its quota menu (`Usage limit reached for …` / `Access resets
at 6:19 PM UTC.`). [[ratelimit N]] answers 429 with RetryInfo `Ns` (N <= 300): a retryable quota
error, which Gemini CLI retries by itself.
"""

import json
import time

from core import Script, log, next_id, now

SHELL_TOOL = "run_shell_command"


def models(h, agent, path):
    h.send_json(
        200,
        {
            "models": [
                {
                    "name": "models/%s" % m,
                    "displayName": m,
                    "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
                    "inputTokenLimit": 1048576,
                    "outputTokenLimit": 65536,
                }
                for m in ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview", "gemini-3.5-flash-lite")
            ]
        },
    )


def from_schema(schema, name=""):
    """A value that satisfies a (Gemini-style) JSON schema: what a side call gets."""
    t = str(schema.get("type", "object")).lower()
    if schema.get("enum"):
        values = schema["enum"]
        return "user" if "user" in values else values[0]
    if t == "object":
        props = schema.get("properties") or {}
        return {k: from_schema(v, k) for k, v in props.items()}
    if t == "array":
        return []
    if t in ("integer", "number"):
        return 10
    if t == "boolean":
        return False
    if name == "next_speaker":
        return "user"
    return "fake"


def texts_of(parts):
    texts, results = [], []
    for p in parts or []:
        if not isinstance(p, dict):
            continue
        if "text" in p and not p.get("thought"):
            texts.append(p["text"])
        elif "functionResponse" in p:
            r = (p["functionResponse"] or {}).get("response")
            if isinstance(r, dict):
                out = r.get("output", r.get("content", r))
                results.append(out if isinstance(out, str) else json.dumps(out))
            else:
                results.append(r if isinstance(r, str) else json.dumps(r))
    return texts, results


def is_context(text):
    """Text Gemini CLI itself puts into user turns (not typed by a person)."""
    t = text.lstrip()
    return t.startswith(("<session_context>", "This is the Gemini CLI. We are setting up the context", "<system-reminder>"))


def response(parts, finish=None, rid=0):
    cand = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    out = {"candidates": [cand], "responseId": "fake-%d" % rid, "modelVersion": "gemini-fake"}
    if finish:
        out["usageMetadata"] = {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110}
    return out


def quota_error(seconds, message):
    return {
        "error": {
            "code": 429,
            "message": message,
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "%ds" % int(seconds)},
            ],
        }
    }


def command_output(result):
    """The command's own output inside Gemini CLI's run_shell_command result
    (`<untrusted_context>\nOutput: …\nProcess Group PGID: N\n</untrusted_context>`)."""
    r = result.strip()
    if r.startswith("<untrusted_context>"):
        r = r[len("<untrusted_context>"):].rsplit("</untrusted_context>", 1)[0].strip()
    if r.startswith("Output:"):
        r = r[len("Output:"):].lstrip(" ")
    return r


def handle(h, agent, path, body):
    rid = next_id()
    stream = ":streamGenerateContent" in path
    contents = body.get("contents") or []
    user_texts, last_texts, last_results = [], [], []
    turn_text = None
    for c in contents:
        if c.get("role", "user") != "user":
            continue
        texts, results = texts_of(c.get("parts"))
        texts = [t for t in texts if not is_context(t)]
        user_texts.extend(texts)
        if texts and not results:
            turn_text = "\n".join(texts)
        last_texts, last_results = texts, results
    if contents and contents[-1].get("role", "user") != "user":
        last_texts, last_results = [], []
    gen = body.get("generationConfig") or {}
    schema = gen.get("responseJsonSchema") or gen.get("responseSchema")
    tools = bool(body.get("tools")) and not schema
    log(
        {
            "event": "request",
            "id": rid,
            "agent": agent,
            "api": "gemini",
            "path": path,
            "model": path.split("/models/", 1)[-1].split(":", 1)[0],
            "stream": stream,
            "tools": tools,
            "user_text": "\n".join(last_texts) if last_texts and not last_results else None,
            "user_texts": user_texts,
            "tool_results": last_results,
            "n_messages": len(contents),
        }
    )
    script = Script(turn_text if tools else "")
    after_tool = bool(last_results)
    kind = "text"
    if tools and not after_tool:
        if script.error:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "error"})
            return h.send_json(500, {"error": {"code": 500, "message": "fake server error", "status": "INTERNAL"}})
        if script.ratelimit is not None:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "ratelimit"})
            return h.send_json(
                429,
                quota_error(script.ratelimit, "Resource exhausted (fake rate limit). Please retry in %ds." % int(script.ratelimit)),
                {"retry-after": str(int(script.ratelimit))},
            )
        if script.limit is not None:
            reset = script.reset_epoch()
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "limit", "reset": reset})
            return h.send_json(
                429,
                quota_error(max(301, reset - int(now())), "You exceeded your current quota (fake usage limit)."),
            )
        if script.bash:
            kind = "tool_use"
    if script.delay and not after_tool:
        time.sleep(script.delay)
    if not tools:
        text = json.dumps(from_schema(schema)) if schema else "Fake title"
        chunks = [(0.0, text)]
    elif after_tool:
        first = command_output(last_results[0] if last_results else "").strip().splitlines()
        text = "Ran it: " + (first[0] if first else "(no output)")
        chunks = [(0.0, text)]
    else:
        text = script.answer()
        chunks = script.chunks(text) if kind == "text" else [(0.0, "Running the command.")]
    call = None
    if kind == "tool_use":
        call = {"functionCall": {"name": SHELL_TOOL, "args": {"command": script.bash, "description": "Run a command"}}}
    if not stream:
        parts = [{"text": "".join(p for _, p in chunks)}]
        if call:
            parts.append(call)
        h.send_json(200, response(parts, "STOP", rid))
        log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
        return
    h.start_sse()
    for i, (d, piece) in enumerate(chunks):
        if d:
            time.sleep(d)  # nothing is sent while waiting: only `data:` lines are allowed
        last = i == len(chunks) - 1
        parts = [{"text": piece}]
        if last and call:
            parts.append(call)
        h.sse(response(parts, "STOP" if last else None, rid))
    log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
