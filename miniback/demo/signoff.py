"""The demo's sign-off story: records signed, objected to, default-confirmed and pending, one whose objection was
resolved (the sign-off reopened and the manager signed it then), plus one late upload whose deadline passes a
minute or two after the demo starts (the in-process worker confirms it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from miniback.demo.records import signature_png, submit_demo_job
from miniback.extensions import db
from miniback.models import Account, Elevator, SignoffState, utcnow
from miniback.public.history import SIGNOFF_LABELS
from signoff.confirmation import apply_default_confirmations
from signoff.deadlines import shanghai_text
from signoff.operations import Signature, object_to, resolve_objection, sign
from signoff.push import grant_subscriptions

# The sign-off summary the demo prints, in the public page's words (plus the state a resolved objection leaves).
STATE_NAMES = {**SIGNOFF_LABELS, "objection_resolved": "异议已处理"}


def _signature(seed: int) -> Signature:
    from io import BytesIO

    from PIL import Image

    png = signature_png(100 + seed)
    with Image.open(BytesIO(png)) as image:
        width, height = image.size
    return Signature(png=png, width=width, height=height)


def seed_signoff(elevators: list[Elevator], people: dict[str, Account], echo: Callable[[str], Any]) -> datetime:
    """Play the seeded records' sign-off, add today's pending jobs and the late upload; returns its deadline."""
    config = current_app.config
    now = utcnow()
    manager, admin = people["manager1"], people["tech1"]
    period = timedelta(days=config["SIGNOFF_OBJECTION_DAYS"])
    window = timedelta(seconds=config["SIGNOFF_MIN_WINDOW_SECONDS"])
    for _ in range(20):  # as if the manager had accepted the subscribe prompt 20 times
        grant_subscriptions(manager, [config["WECHAT_SIGNOFF_TEMPLATE_ID"]], now=now)

    states = list(db.session.execute(db.select(SignoffState).order_by(SignoffState.submitted_at)).scalars())
    for index, state in enumerate(states):
        if index % 3 == 0:
            sign(state.record_id, manager, _signature(index), now=state.submitted_at + timedelta(minutes=40))
        elif index == 1:
            object_to(
                state.record_id,
                manager,
                "轿厢照明记录与现场不符，请复核",
                now=state.submitted_at + timedelta(hours=1),
                objection_period=period,
            )
            resolved_at = state.submitted_at + timedelta(hours=5)
            resolve_objection(state.record_id, admin, "已复核并补充照片", now=resolved_at, min_window=window)
            # The resolution reopened the sign-off until the end of that day: the manager signs it then.
            sign(state.record_id, manager, _signature(index), now=resolved_at + timedelta(hours=1))
        elif index == 4:
            object_to(
                state.record_id,
                manager,
                "当天未见维保人员到场",
                now=state.submitted_at + timedelta(minutes=90),
                objection_period=period,
            )
    apply_default_confirmations(now, 10_000, now=now)
    states = list(
        db.session.execute(
            db.select(SignoffState).order_by(SignoffState.submitted_at).execution_options(populate_existing=True)
        ).scalars()
    )
    confirmed_recently = [s for s in states if s.state == "default_confirmed" and s.deadline_at > now - period]
    if confirmed_recently:
        object_to(
            confirmed_recently[-1].record_id, manager, "默认确认的记录缺少层门检查", now=now, objection_period=period
        )

    # Today's jobs, waiting for the manager (deadline: the end of the day in Shanghai).
    for offset, which in ((3, 0), (2, 4)):
        start = now - timedelta(hours=offset)
        submit_demo_job(90 + which, elevators[which], people["tech1"], people["tech2"], "half_month", start, 40, {})
    # Yesterday's job uploaded late: its deadline is the minimum window after the upload — a minute from now.
    late = submit_demo_job(
        99,
        elevators[1],
        people["tech2"],
        None,
        "half_month",
        now - timedelta(days=1, hours=2),
        45,
        {},
        received_at=now - window + timedelta(minutes=1),
    )
    db.session.flush()
    deadline = db.session.get(SignoffState, late.id)
    assert deadline is not None
    counts: dict[str, int] = {}
    for state in db.session.execute(db.select(SignoffState)).scalars():
        counts[state.state] = counts.get(state.state, 0) + 1
    echo(
        "签名确认："
        + "，".join(f"{STATE_NAMES.get(name, name)} {number} 条" for name, number in sorted(counts.items()))
        + f"；记录 {late.id} 为补传，签名期限 {shanghai_text(deadline.deadline_at)}（约 1 分钟后由进程内任务默认确认）"
    )
    return deadline.deadline_at
