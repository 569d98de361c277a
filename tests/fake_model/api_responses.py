"""The OpenAI Responses API (Codex CLI). Not faked yet."""

from core import log, next_id


def handle(h, agent, path, body):
    log({"event": "request", "id": next_id(), "agent": agent, "api": "responses", "path": path, "todo": True})
    h.send_json(501, {"error": {"message": "not faked yet: " + path}})
