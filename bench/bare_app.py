"""The baseline: a bare Flask JSON endpoint, served by the same gunicorn configuration as miniback."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/bare")
def bare() -> tuple[dict[str, object], int]:
    body = request.get_json()
    return {"ok": True, "size": len(body or {})}, 201
