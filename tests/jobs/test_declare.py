"""``@job(...)``: the queue, timeout and retries a job function declares are what it is enqueued with."""

from __future__ import annotations

from rq import Retry

from jobs.connection import DEADLINES_QUEUE, PUSH_QUEUE
from jobs.declare import job_spec
from jobs.signoff import apply_deadline, push_record


def test_jobs_declare_their_queue_timeout_and_retries() -> None:
    config = {"JOBS_TIMEOUT_SECONDS": 300, "PUSH_RETRY_INTERVALS": [1, 2], "DEADLINE_RETRY_INTERVALS": [5, 10, 20]}
    push = job_spec(push_record).options(config)
    assert job_spec(push_record).queue == PUSH_QUEUE
    assert (push["job_timeout"], push["result_ttl"], push["failure_ttl"]) == (60, 24 * 3600, 30 * 24 * 3600)
    assert isinstance(push["retry"], Retry) and (push["retry"].max, push["retry"].intervals) == (2, [1, 2])
    deadline = job_spec(apply_deadline).options(config)
    assert job_spec(apply_deadline).queue == DEADLINES_QUEUE
    assert (deadline["job_timeout"], deadline["retry"].max, deadline["retry"].intervals) == (300, 3, [5, 10, 20])
