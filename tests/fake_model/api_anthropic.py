"""The Anthropic Messages API as Claude Code uses it: POST /v1/messages[?beta=true], streamed
(SSE: message_start, content_block_start/delta/stop, message_delta, message_stop, ping) or
plain JSON. The shell tool is `Bash` with {"command": ...}.

A [[limit]] answers 429 with the "unified" rate-limit headers a Claude subscription gets, so
Claude Code started with CLAUDE_CODE_OAUTH_TOKEN shows its own usage-limit screens
(`Usage limit reached · limit resets 11:30pm`, `You've hit your 5-hour limit · resets …`);
with an API key it shows `API Error: Request rejected (429) · …`.
"""

import json
import time

from core import Script, log, next_id, now


def anthropic_texts(content):
    """The text blocks of a message's content that a person wrote (not atlas's or Claude
    Code's system reminders), and its tool results."""
    texts, results = [], []
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    for block in content or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            t = block.get("text", "")
            if not t.lstrip().startswith("<system-reminder>"):
                texts.append(t)
        elif block.get("type") == "tool_result":
            c = block.get("content")
            if isinstance(c, list):
                c = "".join(x.get("text", "") for x in c if isinstance(x, dict))
            results.append(c if isinstance(c, str) else json.dumps(c))
    return texts, results


def handle(h, agent, path, body):
    rid = next_id()
    messages = [m for m in (body.get("messages") or []) if m.get("role") == "user"]
    user_texts, last_texts, last_results = [], [], []
    turn_text = None
    for m in messages:
        texts, results = anthropic_texts(m.get("content"))
        user_texts.extend(texts)
        if texts:
            turn_text = "\n".join(texts)
        last_texts, last_results = texts, results
    tools = bool(body.get("tools"))
    stream = bool(body.get("stream"))
    log(
        {
            "event": "request",
            "id": rid,
            "agent": agent,
            "api": "anthropic",
            "path": path,
            "model": body.get("model"),
            "stream": stream,
            "tools": tools,
            "user_text": "\n".join(last_texts) if last_texts else None,
            "user_texts": user_texts,
            "tool_results": last_results,
            "n_messages": len(body.get("messages") or []),
        }
    )
    script = Script(turn_text if tools else "")
    # A tool's result comes back alone; a rejected tool's result comes with the next prompt.
    after_tool = bool(last_results) and not last_texts
    kind = "text"
    if tools and not after_tool:
        if script.error:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "error"})
            return h.send_json(500, {"type": "error", "error": {"type": "api_error", "message": "fake server error"}})
        if script.ratelimit is not None:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "ratelimit"})
            return h.send_json(
                429,
                {"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited (fake)"}},
                {"retry-after": str(int(script.ratelimit))},
            )
        if script.limit is not None:
            reset = script.reset_epoch()
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "limit", "reset": reset})
            return h.send_json(
                429,
                {"type": "error", "error": {"type": "rate_limit_error", "message": "Claude AI usage limit reached|%d" % reset}},
                {
                    "anthropic-ratelimit-unified-status": "rejected",
                    "anthropic-ratelimit-unified-reset": str(reset),
                    "anthropic-ratelimit-unified-representative-claim": "five_hour",
                    "anthropic-ratelimit-unified-5h-status": "rejected",
                    "anthropic-ratelimit-unified-5h-reset": str(reset),
                    "retry-after": str(max(1, reset - int(now()))),
                },
            )
        if script.bash:
            kind = "tool_use"
    if script.delay and not after_tool:
        time.sleep(script.delay)
    if after_tool:
        first = (last_results[0] if last_results else "").strip().splitlines()
        text = "Ran it: " + (first[0] if first else "(no output)")
        chunks = [(0.0, text)]
    else:
        text = script.answer() if tools else "Fake title"
        chunks = script.chunks(text) if kind == "text" else [(0.0, "Running the command.")]
    model = body.get("model") or "claude-fake"
    msg_id = "msg_fake_%d" % rid
    usage = {"input_tokens": 100, "output_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    if not stream:
        content = [{"type": "text", "text": "".join(p for _, p in chunks)}]
        if kind == "tool_use":
            content.append({"type": "tool_use", "id": "toolu_fake_%d" % rid, "name": "Bash", "input": {"command": script.bash, "description": "Run a command"}})
        h.send_json(
            200,
            {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": content,
                "stop_reason": "tool_use" if kind == "tool_use" else "end_turn",
                "stop_sequence": None,
                "usage": usage,
            },
        )
        log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
        return
    h.start_sse({"request-id": "req_fake_%d" % rid})
    h.sse(
        {
            "type": "message_start",
            "message": {
                "id": msg_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            },
        },
        "message_start",
    )
    h.sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}, "content_block_start")
    for d, piece in chunks:
        waited = 0.0
        while waited < d:  # keep a long pause alive with pings
            step = min(1.0, d - waited)
            time.sleep(step)
            waited += step
            if waited < d:
                h.sse({"type": "ping"}, "ping")
        h.sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}, "content_block_delta")
    h.sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
    if kind == "tool_use":
        h.sse(
            {"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_fake_%d" % rid, "name": "Bash", "input": {}}},
            "content_block_start",
        )
        args = json.dumps({"command": script.bash, "description": "Run a command"})
        h.sse({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": args}}, "content_block_delta")
        h.sse({"type": "content_block_stop", "index": 1}, "content_block_stop")
    h.sse(
        {"type": "message_delta", "delta": {"stop_reason": "tool_use" if kind == "tool_use" else "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 10}},
        "message_delta",
    )
    h.sse({"type": "message_stop"}, "message_stop")
    log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
