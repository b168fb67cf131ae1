"""The benchmark's WSGI app: miniback itself plus one bare endpoint, served by the same gunicorn workers."""

from miniback import create_app

app = create_app()


@app.get("/bench/bare")
def bare() -> str:
    return "ok"
