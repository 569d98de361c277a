"""OpenAI Chat Completions as Aider uses it (through litellm): POST /v1/chat/completions,
streamed (SSE `data: {chat.completion.chunk}` lines, then `data: [DONE]`) or plain JSON.

Aider offers no function tools: its turn is every request except its side calls (the commit
message and the chat summary, told apart by their system prompt). Such a turn is logged with
`tools: true`, so tests find the agent's turns the same way for every program.

The person's text is the user message without what Aider adds to it (its few-shot examples,
which end with "I switched to a new code base…",
its canned "I am not sharing any files…" messages, and the edit-format reminder appended to the
last message). A shell command's output that Aider added to the chat (`Output from CMD\n…`) is
a tool result.

[[bash CMD]] answers with a ```bash block: Aider asks `Run shell command? (Y)es/(N)o/(D)on't ask
again [Yes]:`, runs it, asks `Add command output to the chat?`, and sends nothing more until the
next prompt (which carries the output). [[ratelimit N]] answers 429 with `retry-after: N`:
litellm raises RateLimitError and Aider prints it with `Retrying in 0.2 seconds...`, doubling up
to 32 s, then gives up. [[limit]] answers 402 `{"error":{"message":"Insufficient credits …",
"code":402}}` (OpenRouter's spent-credits error), which Aider does not retry: it prints the error
and `Insufficient credits with the API provider. Please add credits.` (OpenAI's own quota error,
429 `insufficient_quota`, is retried like a rate limit for about 75 s first; see FINDINGS.md).
"""

import json
import time

from core import Script, log, next_id, now

# Messages Aider itself writes into the conversation (not typed by a person).
CANNED = (
    "I switched to a new code base. Please don't consider the above files or try to edit them any longer.",
    "I am not sharing any files that you can edit yet.",
    "I am not sharing the full contents of any files with you yet.",
    "I am not sharing any files yet.",
    "I am not sharing any files with you.",
)
CANNED_PREFIXES = (
    "I have *added these files to the chat*",
    "Here are summaries of some files present in my git repository",
    "I switched to a new code base",
    "I spoke to you previously about a number of things.",  # a summary of older chat
)
# Where Aider's edit-format reminder starts in the last user message.
REMINDERS = (
    "\n\nTo suggest changes to a file you MUST",
    "\n\n# *SEARCH/REPLACE block* Rules:",
    "\n\n# File editing rules:",
)
SIDE_CALL_MARKERS = (
    "generates concise, one-line Git commit messages",
    "commit message",
    "*Briefly* summarize this partial conversation",
    "summarize",
)


def content_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text")
    return ""


def person_text(text):
    for r in REMINDERS:
        i = text.find(r)
        if i >= 0:
            text = text[:i]
    return text


def handle(h, agent, path, body):
    rid = next_id()
    messages = body.get("messages") or []
    system = "\n".join(content_text(m.get("content")) for m in messages if m.get("role") == "system")
    side_call = any(s in system for s in SIDE_CALL_MARKERS) and "expert software developer" not in system
    user_texts, results_since, last_results = [], [], []
    turn_text = None
    # Aider's few-shot examples end with its "I switched to a new code base" message.
    start = 0
    for i, m in enumerate(messages):
        if m.get("role") == "user" and content_text(m.get("content")).startswith("I switched to a new code base"):
            start = i + 1
    for m in messages[start:]:
        if m.get("role") != "user":
            continue
        t = content_text(m.get("content"))
        if t.startswith("Output from "):
            results_since.append(t)
            continue
        if t in CANNED or t.startswith(CANNED_PREFIXES):
            continue
        t = person_text(t)
        user_texts.append(t)
        turn_text = t
        last_results, results_since = results_since, []
    last = messages[-1] if messages else {}
    last_is_person = last.get("role") == "user" and turn_text is not None
    tools = not side_call
    stream = bool(body.get("stream"))
    log(
        {
            "event": "request",
            "id": rid,
            "agent": agent,
            "api": "chat",
            "path": path,
            "model": body.get("model"),
            "stream": stream,
            "tools": tools,
            "user_text": turn_text if last_is_person else None,
            "user_texts": user_texts,
            "tool_results": last_results,
            "n_messages": len(messages),
        }
    )
    script = Script(turn_text if tools else "")
    kind = "text"
    if tools:
        if script.error:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "error"})
            return h.send_json(500, {"error": {"message": "fake server error", "type": "server_error", "code": None}})
        if script.ratelimit is not None:
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "ratelimit"})
            return h.send_json(
                429,
                {"error": {"message": "Rate limit reached (fake). Please try again in %ds." % int(script.ratelimit), "type": "requests", "code": "rate_limit_exceeded"}},
                {"retry-after": str(int(script.ratelimit))},
            )
        if script.limit is not None:
            reset = script.reset_epoch()
            log({"event": "response_end", "id": rid, "agent": agent, "kind": "limit", "reset": reset})
            # OpenRouter's answer when the credits are spent, as litellm shows it (the raw body
            # in the message): Aider looks for '"code":402' in the error's text and does not
            # retry it.
            raw = json.dumps(
                {"error": {"message": "Insufficient credits (fake usage limit), resets at %s" % time.strftime("%H:%M", time.localtime(reset)), "code": 402}},
                separators=(",", ":"),
            )
            return h.send_json(402, {"error": {"message": raw, "code": 402}})
        if script.bash:
            kind = "tool_use"
    if script.delay:
        time.sleep(script.delay)
    if not tools:
        chunks = [(0.0, "Fake commit message" if "commit" in system else "Fake summary.")]
    elif kind == "tool_use":
        chunks = [(0.0, "Running the command:\n\n```bash\n%s\n```\n" % script.bash)]
    else:
        chunks = script.chunks(script.answer())
    model = body.get("model") or "fake"
    cid = "chatcmpl-fake-%d" % rid
    created = int(now())
    usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
    if not stream:
        h.send_json(
            200,
            {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(p for _, p in chunks)}, "finish_reason": "stop"}],
                "usage": usage,
            },
        )
        log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
        return
    h.start_sse()

    def chunk(delta, finish=None):
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    h.sse(chunk({"role": "assistant", "content": ""}))
    for d, piece in chunks:
        waited = 0.0
        while waited < d:  # keep a long pause alive: an SSE comment every second
            step = min(1.0, d - waited)
            time.sleep(step)
            waited += step
            if waited < d:
                h.wfile.write(b": keepalive\n\n")
                h.wfile.flush()
        h.sse(chunk({"content": piece}))
    final = chunk({}, "stop")
    final["usage"] = usage
    h.sse(final)
    h.sse("[DONE]")
    log({"event": "response_end", "id": rid, "agent": agent, "kind": kind})
