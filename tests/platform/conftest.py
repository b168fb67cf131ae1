"""Fixtures of the platform interface's tests: a local callback receiver, and jobs run in the test's app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from jobs.context import use_app
from tests.platform.callbacks_support import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 that verifies each callback's signature (set its ``secret``) and answers
    ``statuses`` in turn."""
    yield from running_receiver()


@pytest.fixture
def jobs_app(app: Flask) -> Iterator[Flask]:
    """The test's app, also used by the jobs a worker runs in this process."""
    use_app(app)
    yield app
    use_app(None)
