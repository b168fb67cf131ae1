"""``@job(...)``: a job function declares its queue, timeout and retries where it is defined (as redash's
``@job`` does); the enqueue helpers read them with ``job_spec`` instead of restating them at every call.

The function itself is returned unchanged (RQ enqueues it by its dotted path), only marked with its spec. A
timeout or the retry intervals may name a config key, read from the app's config when the job is enqueued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from rq import Retry

F = TypeVar("F", bound=Callable[..., Any])

RESULT_TTL = 24 * 3600  # a finished job's result is kept a day
FAILURE_TTL = 30 * 24 * 3600  # a failed job stays in RQ's failed registry for a month


@dataclass(frozen=True)
class JobSpec:
    queue: str
    timeout: int | str  # seconds, or the config key holding them
    retry_intervals: str | None = None  # the config key of the retry backoff (one attempt more per interval)
    result_ttl: int = RESULT_TTL
    failure_ttl: int = FAILURE_TTL

    def options(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of ``Queue.enqueue``/``enqueue_at`` for this job under ``config``."""
        timeout = config[self.timeout] if isinstance(self.timeout, str) else self.timeout
        options: dict[str, Any] = {
            "job_timeout": timeout,
            "result_ttl": self.result_ttl,
            "failure_ttl": self.failure_ttl,
        }
        if self.retry_intervals is not None:
            intervals = config[self.retry_intervals]
            options["retry"] = Retry(max=len(intervals), interval=intervals)
        return options


def job(queue: str, *, timeout: int | str, retry_intervals: str | None = None) -> Callable[[F], F]:
    """Mark a job function with its queue, timeout and retries."""

    def mark(func: F) -> F:
        func.__dict__["job_spec"] = JobSpec(queue, timeout, retry_intervals)
        return func

    return mark


def job_spec(func: Callable[..., Any]) -> JobSpec:
    """What ``@job`` declared for ``func``."""
    spec: JobSpec = func.__dict__["job_spec"]
    return spec
