"""The OpenAI Responses API as Codex CLI uses it (`wire_api = "responses"`): POST /v1/responses,
always streamed (SSE: response.created, response.output_item.added,
response.output_text.delta, response.output_item.done, response.completed).

Codex offers its shell as the function tool `exec_command` ({"cmd": ..., "sandbox_permissions":
"use_default" | "require_escalated", "justification": ...}). [[bash CMD]] asks for
`require_escalated`, so under `approval_policy = "on-request"` Codex shows its approval prompt
(`Would you like to run the following command?`) unless an execpolicy rule allows the command.
The tool result comes back as a `function_call_output` input item.

Side calls (the thread title: a `text.format` JSON schema, sometimes with an `apply_patch` tool)
are answered at once and logged with `tools: false`.

[[limit]] answers 429 {"error": {"type": "usage_limit_reached", "plan_type": "plus",
"resets_at": EPOCH}}: Codex prints `■ You've hit your usage limit. Upgrade to Pro (…), visit …
to purchase more credits or try again at 2:04 PM.` (another day: `at Dec 9th, 2026 7:11 PM.`).
[[ratelimit N]] answers a plain 429 with `retry-after: N`; Codex retries
(`Reconnecting... 1/5`) and gives up after its retry budget.
"""

import json
import time

from core import Script, log, next_id, now

# Text Codex itself puts into user messages (not typed by a person).
CONTEXT_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "<turn_aborted>",
    "<user_shell_command>",
    "<codex_internal_context",
    "<skills_instructions>",
    "<permissions instructions>",
    "# AGENTS.md instructions for ",
)


def result_text(output):
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "".join(x.get("text", "") for x in output if isinstance(x, dict))
    if isinstance(output, dict):
        return output.get("content") if isinstance(output.get("content"), str) else json.dumps(output)
    return json.dumps(output)


def command_output(result):
    """The command's own output inside Codex's exec_command result (which starts with
    `Chunk ID:`, `Wall time:`, `Process exited with code N` … `Output:`)."""
    marker = "\nOutput:\n"
    if marker in result:
        return result.split(marker, 1)[1]
    return result


def handle(h, agent, path, body):
    rid = next_id()
    items = body.get("input") or []
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    user_texts = []
    turn_text = None
    for it in items:
        if not isinstance(it, dict):
            continue
        if it.get("type", "message") == "message" and it.get("role") == "user":
            content = it.get("content")
            if isinstance(content, str):
                content = [{"type": "input_text", "text": content}]
            texts = []
            for c in content or []:
                if isinstance(c, dict) and c.get("type") in ("input_text", "text"):
                    t = c.get("text", "")
                    if not t.lstrip().startswith(CONTEXT_PREFIXES):
                        texts.append(t)
            if texts:
                user_texts.extend(texts)
                turn_text = "\n".join(texts)
    # The tool results this request answers: the function_call_output items at its end.
    last_results = []
    for it in reversed(items):
        if not isinstance(it, dict) or it.get("type") not in ("function_call_output", "custom_tool_call_output", "function_call", "custom_tool_call"):
            break
        if it.get("type").endswith("_output"):
            last_results.insert(0, result_text(it.get("output")))
    after_tool = bool(last_results)
    # A side call (the thread title) asks for JSON by a schema and may still offer a tool
    # (apply_patch): it is not the agent's turn, so it is logged as offering no tools.
    fmt = (body.get("text") or {}).get("format") or {}
    side_call = fmt.get("type") == "json_schema"
    tools = bool(body.get("tools")) and not side_call
    stream = bool(body.get("stream"))
    log(
        {
            "event": "request",
            "id": rid,
            "agent": agent,
            "api": "responses",
            "path": path,
            "model": body.get("model"),
            "stream": stream,
            "tools": tools,
            "user_text": turn_text if not after_tool else None,
            "user_texts": user_texts,
            "tool_results": last_results,
            "n_messages": len(items),
        }
    )
    script = Script(turn_text if tools else "")
    kind = "text"
    if tools and not after_tool:
        if script.error:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "error"})
            return h.send_json(500, {"error": {"type": "server_error", "message": "fake server error"}})
        if script.ratelimit is not None:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "ratelimit"})
            return h.send_json(
                429,
                {"error": {"type": "rate_limit_exceeded", "code": "rate_limit_exceeded", "message": "Rate limit reached (fake). Please try again in %ds." % int(script.ratelimit)}},
                {"retry-after": str(int(script.ratelimit))},
            )
        if script.limit is not None:
            reset = script.reset_epoch()
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "limit", "reset": reset})
            return h.send_json(
                429,
                {
                    "error": {
                        "type": "usage_limit_reached",
                        "message": "The usage limit has been reached",
                        "plan_type": "plus",
                        "resets_at": reset,
                        "resets_in_seconds": max(0, reset - int(now())),
                    }
                },
            )
        if script.bash:
            kind = "tool_use"
    if script.delay and not after_tool:
        time.sleep(script.delay)
    if after_tool:
        first = command_output(last_results[0] if last_results else "").strip().splitlines()
        text = "Ran it: " + (first[0] if first else "(no output)")
        chunks = [(0.0, text)]
    elif not tools:
        text = json.dumps({"title": "Fake title"}) if fmt.get("type") == "json_schema" else "Fake title"
        chunks = [(0.0, text)]
    else:
        text = script.answer()
        chunks = script.chunks(text) if kind == "text" else [(0.0, "Running the command.")]
    resp_id = "resp_fake_%d" % rid
    msg_id = "msg_fake_%d" % rid
    h.start_sse({"x-request-id": "req_fake_%d" % rid})
    h.sse({"type": "response.created", "response": {"id": resp_id, "status": "in_progress"}}, "response.created")
    h.sse(
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": msg_id, "role": "assistant", "status": "in_progress", "content": []}},
        "response.output_item.added",
    )
    full = ""
    for d, piece in chunks:
        waited = 0.0
        while waited < d:  # keep a long pause alive: an SSE comment every second
            step = min(1.0, d - waited)
            time.sleep(step)
            waited += step
            if waited < d:
                h.wfile.write(b": keepalive\n\n")
                h.wfile.flush()
        full += piece
        h.sse(
            {"type": "response.output_text.delta", "item_id": msg_id, "output_index": 0, "content_index": 0, "delta": piece},
            "response.output_text.delta",
        )
    h.sse(
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {"type": "message", "id": msg_id, "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": full, "annotations": []}]},
        },
        "response.output_item.done",
    )
    if kind == "tool_use":
        args = {
            "cmd": script.bash,
            "sandbox_permissions": "require_escalated",
            "justification": "Run %s?" % script.bash,
        }
        item = {"type": "function_call", "id": "fc_fake_%d" % rid, "call_id": "call_fake_%d" % rid, "name": "exec_command", "arguments": json.dumps(args), "status": "completed"}
        h.sse({"type": "response.output_item.added", "output_index": 1, "item": dict(item, arguments="", status="in_progress")}, "response.output_item.added")
        h.sse({"type": "response.output_item.done", "output_index": 1, "item": item}, "response.output_item.done")
    h.sse(
        {
            "type": "response.completed",
            "response": {
                "id": resp_id,
                "status": "completed",
                "usage": {
                    "input_tokens": 100,
                    "input_tokens_details": {"cached_tokens": 0},
                    "output_tokens": 10,
                    "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": 110,
                },
            },
        },
        "response.completed",
    )
    log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
