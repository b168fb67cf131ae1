"""The checkout's WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …`` (the Makefile, the tests).

An installed wheel has no wsgi.py: there the app is ``flask --app miniback …`` and ``gunicorn 'miniback:create_app()'``.
"""

from miniback import create_app

app = create_app()
