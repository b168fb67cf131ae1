"""The conformance report (对接测试): which required scenarios a platform has shown in its sandbox traffic.

Computed, never stored: from the platform's sandbox ``PlatformCall`` rows (what each call was answered, per item)
and its sandbox ``PlatformCallback`` rows (a callback its endpoint acknowledged with a 2xx). The operator may
promote a platform to ``connected`` only when every scenario has passed (``miniback.platform.clients``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func

from miniback.extensions import db
from miniback.models import PlatformCall, PlatformCallback, PlatformClient

UPLOAD_OPERATIONS = ("record", "batch", "delay_notice")


@dataclass(frozen=True)
class Scenario:
    code: str
    title: str
    passed: bool
    at: datetime | None  # when it first passed
    detail: str


@dataclass(frozen=True)
class ConformanceReport:
    all_passed: bool
    scenarios: tuple[Scenario, ...]


def _results(call: Any) -> list[str | None]:
    return [item.get("result") for item in (call.results or []) if isinstance(item, dict)]


def _codes(call: Any) -> list[str | None]:
    return [item.get("code") for item in (call.results or []) if isinstance(item, dict)]


def _single_upload(call: Any) -> bool:
    return bool(call.operation == "record" and call.status == 201 and _results(call) == ["created"])


def _batch_with_invalid(call: Any) -> bool:
    results = _results(call)
    return bool(call.operation == "batch" and call.status == 200 and "invalid" in results and "created" in results)


def _idempotent_retry(call: Any) -> bool:
    return bool(call.operation in ("record", "batch") and call.status == 200 and "duplicate" in _results(call))


def _conflict_409(call: Any) -> bool:
    if call.operation == "record":
        return bool(call.status == 409 and call.error_code == "idempotency_conflict")
    return bool(call.operation == "batch" and call.status == 200 and "idempotency_conflict" in _codes(call))


def _delay_notice(call: Any) -> bool:
    return bool(call.operation == "delay_notice" and call.status == 201 and _results(call) == ["created"])


# code, title, test of one sandbox call, what is missing while it has not passed.
CALL_SCENARIOS: tuple[tuple[str, str, Callable[[Any], bool], str], ...] = (
    ("single_upload", "单条记录上传成功", _single_upload, "尚无沙箱中单条上传成功（201 created）的调用"),
    (
        "batch_with_invalid",
        "批量上传含错误条目",
        _batch_with_invalid,
        "尚无同时含成功条目与错误条目（invalid）的沙箱批量上传",
    ),
    ("idempotent_retry", "幂等重试返回已有记录", _idempotent_retry, "尚无相同记录号、相同内容的重试（duplicate）"),
    (
        "conflict_409",
        "内容变化的重复记录号返回 409",
        _conflict_409,
        "尚无相同记录号、不同内容的上传（409 idempotency_conflict）",
    ),
    ("delay_notice", "延期说明上传成功", _delay_notice, "尚无沙箱中上传成功（201）的延期说明"),
)
CALLBACK_SCENARIO = ("callback_acked", "回调通知被确认（2xx）", "尚无被平台以 2xx 确认的沙箱回调")
SCENARIO_CODES = tuple(code for code, *_ in CALL_SCENARIOS) + (CALLBACK_SCENARIO[0],)


def _sandbox_calls(client: PlatformClient) -> Iterable[Any]:
    query = (
        db.select(
            PlatformCall.operation,
            PlatformCall.status,
            PlatformCall.error_code,
            PlatformCall.results,
            PlatformCall.created_at,
        )
        .where(
            PlatformCall.platform_client_id == client.id,
            PlatformCall.sandbox.is_(True),
            PlatformCall.operation.in_(UPLOAD_OPERATIONS),
        )
        .order_by(PlatformCall.id)
    )
    return db.session.execute(query.execution_options(yield_per=500))


def conformance_report(client: PlatformClient) -> ConformanceReport:
    """Each required scenario ✓/✗ with the time it first passed, from the platform's sandbox traffic."""
    first: dict[str, datetime] = {}
    counts = dict.fromkeys(SCENARIO_CODES, 0)
    for call in _sandbox_calls(client):
        for code, _, passes, _ in CALL_SCENARIOS:
            if passes(call):
                counts[code] += 1
                first.setdefault(code, call.created_at)
    acked = db.session.execute(
        db.select(func.coalesce(PlatformCallback.delivered_at, PlatformCallback.created_at))
        .where(
            PlatformCallback.platform_client_id == client.id,
            PlatformCallback.sandbox.is_(True),
            PlatformCallback.status == "delivered",
        )
        .order_by(PlatformCallback.id)
    ).scalars()
    for delivered_at in acked:
        counts[CALLBACK_SCENARIO[0]] += 1
        first.setdefault(CALLBACK_SCENARIO[0], delivered_at)
    titles = [(code, title, missing) for code, title, _, missing in CALL_SCENARIOS] + [CALLBACK_SCENARIO]
    scenarios = tuple(
        Scenario(
            code=code,
            title=title,
            passed=code in first,
            at=first.get(code),
            detail=f"已通过（{counts[code]} 次）" if code in first else missing,
        )
        for code, title, missing in titles
    )
    return ConformanceReport(all_passed=all(s.passed for s in scenarios), scenarios=scenarios)
