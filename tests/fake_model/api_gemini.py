"""The Gemini API (Gemini CLI). Not faked yet."""

from core import log, next_id


def handle(h, agent, path, body):
    log({"event": "request", "id": next_id(), "agent": agent, "api": "gemini", "path": path, "todo": True})
    h.send_json(501, {"error": {"message": "not faked yet: " + path}})


def models(h, agent, path):
    h.send_json(200, {"models": [{"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro"}]})
