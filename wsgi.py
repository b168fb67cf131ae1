"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

from miniback import create_app

app = create_app()
