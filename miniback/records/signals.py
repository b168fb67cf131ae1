"""Authenticity signals beyond the three flag columns (issue 19): impossible travel, suspect location, bulk upload.

Each signal is a stated rule with configurable thresholds (``SIGNAL_*`` in ``miniback.config``, docs/signals.md),
stored as an insert-only ``record_flag`` row with its evidence and a Chinese explanation. They are computed in the
submission's transaction with indexed look-ups only (a technician's previous and next job by
``ix_record_technician_account_time``, their recent uploads by ``ix_record_technician_received``, the same point
by ``ix_record_check_in_point``). A signal that only this submission reveals about an *earlier* record (the next
job shows the travel was impossible, the third upload of a night burst) is a new ``later`` row on that record,
which itself stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Row, bindparam, insert, literal, tuple_, union_all

from miniback.extensions import db
from miniback.models import MaintenanceRecord, RecordTechnician
from miniback.models.flags import RecordFlag, RecordPhotoBand
from miniback.models.photos import RecordPhoto
from miniback.projections.public_history import refresh_public_flags
from miniback.projections.stats_dirty import mark_record_dirty
from miniback.records.calendar import SHANGHAI
from miniback.records.geo import haversine_m, to_gcj02
from miniback.records.photos import position_label

# One technician's jobs more than this far apart are not consecutive for the travel check (as for overlaps).
TRAVEL_LOOKBACK = timedelta(hours=24)
MICRO_DEGREE = Decimal("0.000001")
KIND_LABELS = {
    "distance": "位置偏离",
    "duration": "时长过短",
    "overlap": "时间重叠",
    "impossible_travel": "行程不可能",
    "suspect_location": "疑似虚拟定位",
    "bulk_upload": "集中补传",
    "photo_reused": "照片重复使用",
    "photo_not_fresh": "照片非现场拍摄",
    "photo_missing": "缺少照片",
}

_RT, _R, _FLAGS = RecordTechnician.__table__, MaintenanceRecord.__table__, RecordFlag.__table__
_INSERT_FLAGS = insert(_FLAGS)
_JOB_COLUMNS = (
    _RT.c.record_id,
    _R.c.elevator_id,
    _RT.c.check_in_at,
    _RT.c.check_out_at,
    _R.c.check_in_lat,
    _R.c.check_in_lng,
    _R.c.check_in_coord_system,
    _R.c.check_out_lat,
    _R.c.check_out_lng,
    _R.c.check_out_coord_system,
)
_AT = _RT.c.check_in_at.type


def _flagged(kind: str) -> Any:
    """Whether the record of the row already has a ``kind`` flag, as a column of the look-up that found it (so no
    second round trip asks): from ``ix_record_flag_record_kind``."""
    return (
        db.select(_FLAGS.c.id)
        .where(_FLAGS.c.record_id == _R.c.id, _FLAGS.c.kind == kind)
        .exists()
        .correlate(_R)
        .label("flagged")
    )


def _neighbour(side: str) -> Any:
    """The technician's job checked in last before ``at`` (``side`` "before") or first after it ("after"), within
    its bound: from the (account_id, check_in_at) index, then the record by primary key."""
    before = side == "before"
    check_in = _RT.c.check_in_at
    nearest = (
        db.select(*_JOB_COLUMNS)
        .join(_R, _R.c.id == _RT.c.record_id)
        .where(
            _RT.c.account_id == bindparam("account_id"),
            (check_in < bindparam("at", type_=_AT)) if before else (check_in > bindparam("at", type_=_AT)),
            (check_in > bindparam("since", type_=_AT)) if before else (check_in < bindparam("until", type_=_AT)),
            _RT.c.record_id != bindparam("record_id"),
        )
        .order_by(check_in.desc() if before else check_in)
        .limit(1)
        .subquery(side)
    )
    return db.select(literal(side).label("side"), *nearest.c)


# Both neighbours of a job in one statement (two indexed look-ups, one round trip).
_NEIGHBOUR_JOBS = union_all(_neighbour("before"), _neighbour("after"))
_LAT = _R.c.check_in_lat.type


def _same_point(name: str) -> Any:
    """The first record of another day whose check-in point is ``name``'s point to the micro-degree."""
    match = (
        db.select(_R.c.id, _R.c.maintenance_day, _flagged("suspect_location"))
        .where(
            _R.c.check_in_lat >= bindparam(f"{name}_lat_low", type_=_LAT),
            _R.c.check_in_lat < bindparam(f"{name}_lat_high", type_=_LAT),
            _R.c.check_in_lng >= bindparam(f"{name}_lng_low", type_=_LAT),
            _R.c.check_in_lng < bindparam(f"{name}_lng_high", type_=_LAT),
            _R.c.maintenance_day != bindparam("day", type_=_R.c.maintenance_day.type),
            _R.c.id != bindparam("record_id"),
        )
        .order_by(_R.c.id)
        .limit(1)
        .subquery(name)
    )
    return db.select(literal(name).label("point"), *match.c)


# The check-in and the check-out point's matches in one statement.
_SAME_POINTS = union_all(_same_point("check_in"), _same_point("check_out"))
_RECENT_UPLOADS = (
    db.select(_R.c.id, _R.c.received_at, _R.c.check_out_at, _flagged("bulk_upload"))
    .where(
        _R.c.technician_id == bindparam("technician_id"),
        _R.c.received_at >= bindparam("since", type_=_R.c.received_at.type),
        _R.c.received_at <= bindparam("until", type_=_R.c.received_at.type),
        _R.c.id != bindparam("record_id"),
    )
    .order_by(_R.c.received_at.desc())
    .limit(200)
)


_BANDS, _PHOTOS = RecordPhotoBand.__table__, RecordPhoto.__table__
_INSERT_BANDS = insert(_BANDS)
# Another record's photos that may be this one's: the same bytes (by SHA-256, from the record photos themselves),
# and every photo sharing one of the phash bands (``phash_bands``), in one statement built once: one round trip, and
# no expression built per submission.
_CANDIDATE_COLUMNS = ("record_id", "phash", "dhash", "colour", "sha256", "position")
_SAME_BYTES = (
    db.select(*(_PHOTOS.c[name] for name in _CANDIDATE_COLUMNS))
    .where(_PHOTOS.c.sha256.in_(bindparam("hashes", expanding=True)), _PHOTOS.c.record_id != bindparam("record_id"))
    .order_by(_PHOTOS.c.record_id)
    .limit(50)
    .subquery("same_bytes")
)
_SAME_BAND = (
    db.select(*(_BANDS.c[name] for name in _CANDIDATE_COLUMNS))
    .where(
        tuple_(_BANDS.c.band, _BANDS.c.value).in_(bindparam("bands", expanding=True)),
        _BANDS.c.record_id != bindparam("record_id"),
    )
    .limit(5000)
    .subquery("same_band")
)
# (Each side a subquery: SQLite takes no parenthesised SELECT in a UNION, and a member's LIMIT needs them.)
_REUSE_CANDIDATES = union_all(
    db.select(literal("sha256").label("how"), *_SAME_BYTES.c), db.select(literal("phash").label("how"), *_SAME_BAND.c)
)


# A 64-bit phash as 8 bands of 8 bits (2 hex digits): hashes within 7 bits share a band for sure (pigeonhole), and
# nearly all within the threshold do (a 2% crop of a photo: 300 of 300 found at 10 bits, bench/authenticity.py).
BANDS, BAND_DIGITS = 8, 2


def phash_bands(phash: str) -> list[str]:
    return [phash[i * BAND_DIGITS : (i + 1) * BAND_DIGITS] for i in range(BANDS)]


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


@dataclass(frozen=True)
class Job:
    """What the signals need of a job: its record, elevator, times and the two points."""

    record_id: int
    elevator_id: int
    check_in_at: datetime
    check_out_at: datetime
    check_in_point: tuple[Decimal, Decimal, str]
    check_out_point: tuple[Decimal, Decimal, str]

    @classmethod
    def of_row(cls, row: Row[Any]) -> Job:
        return cls(
            row.record_id,
            row.elevator_id,
            row.check_in_at,
            row.check_out_at,
            (row.check_in_lat, row.check_in_lng, row.check_in_coord_system),
            (row.check_out_lat, row.check_out_lng, row.check_out_coord_system),
        )


@dataclass
class Raised:
    """The flags one submission raised: on its own record, and ``later`` ones on earlier records."""

    record_id: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record_id: int, kind: str, rule: str, evidence: dict[str, Any], explanation: str) -> None:
        self.rows.append(
            {
                "record_id": record_id,
                "kind": kind,
                "rule": rule,
                "evidence": evidence,
                "explanation": explanation,
                "raised_by": "submission" if record_id == self.record_id else "later",
                "raised_by_record_id": self.record_id,
            }
        )

    def own_kinds(self) -> list[str]:
        return sorted({row["kind"] for row in self.rows if row["record_id"] == self.record_id})


def local_text(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def _gcj(point: tuple[Decimal, Decimal, str]) -> tuple[float, float]:
    return to_gcj02(float(point[0]), float(point[1]), point[2])


def travel_leg(earlier: Job, later: Job) -> dict[str, Any] | None:
    """The evidence of impossible travel from ``earlier``'s check-out to ``later``'s check-in, or None.

    Not a leg when the jobs overlap in time (that is the overlap flag) or are on the same elevator."""
    if earlier.elevator_id == later.elevator_id:
        return None
    gap = (later.check_in_at - earlier.check_out_at).total_seconds()
    if gap <= 0:
        return None
    metres = haversine_m(*_gcj(earlier.check_out_point), *_gcj(later.check_in_point))
    kmh = metres / gap * 3.6
    max_kmh = current_app.config["SIGNAL_TRAVEL_MAX_KMH"]
    if metres < current_app.config["SIGNAL_TRAVEL_MIN_DISTANCE_M"] or kmh <= max_kmh:
        return None
    return {
        "from_record_id": earlier.record_id,
        "from_elevator_id": earlier.elevator_id,
        "check_out_at": iso(earlier.check_out_at),
        "to_record_id": later.record_id,
        "to_elevator_id": later.elevator_id,
        "check_in_at": iso(later.check_in_at),
        "distance_m": round(metres),
        "minutes": round(gap / 60, 1),
        "speed_kmh": round(kmh, 1),
        "max_kmh": max_kmh,
    }


def _travel_text(leg: dict[str, Any], earlier: Job, later: Job) -> str:
    return (
        f"同一维保人员在记录 #{leg['from_record_id']} 于 {local_text(earlier.check_out_at)} 签退后，"
        f"{leg['minutes']:g} 分钟即在 {leg['distance_m'] / 1000:.1f} 公里外签到记录 #{leg['to_record_id']}"
        f"（{local_text(later.check_in_at)}），折合时速 {leg['speed_kmh']:.0f} 公里，"
        f"超过 {leg['max_kmh']} 公里/小时，两处现场不可能都到过"
    )


def _travel(raised: Raised, job: Job, technician_ids: Sequence[int]) -> None:
    connection = db.session.connection()
    for account_id in technician_ids:
        params = {
            "account_id": account_id,
            "record_id": job.record_id,
            "at": job.check_in_at,
            "since": job.check_in_at - TRAVEL_LOOKBACK,
            "until": job.check_out_at + TRAVEL_LOOKBACK,
        }
        neighbours = {row.side: row for row in connection.execute(_NEIGHBOUR_JOBS, params)}
        before, after = neighbours.get("before"), neighbours.get("after")
        for earlier, later in (
            (Job.of_row(before), job) if before else (None, None),
            (job, Job.of_row(after)) if after else (None, None),
        ):
            if earlier is None or later is None:
                continue
            leg = travel_leg(earlier, later)
            if leg is None:
                continue
            text = _travel_text(leg, earlier, later)
            other = later if earlier is job else earlier
            evidence = {**leg, "technician_id": account_id, "other_record_id": other.record_id}
            raised.add(job.record_id, "impossible_travel", "speed", evidence, text)
            raised.add(other.record_id, "impossible_travel", "speed", evidence, text)


def _micro(value: Decimal) -> Decimal:
    return value.quantize(MICRO_DEGREE, rounding=ROUND_FLOOR)


def _suspect_location(raised: Raised, job: Job, values: dict[str, Any]) -> None:
    zero = [
        name
        for name in ("check_in", "check_out")
        if values[f"{name}_accuracy_m"] is not None and Decimal(values[f"{name}_accuracy_m"]) == 0
    ]
    if zero:
        labels = "、".join({"check_in": "签到", "check_out": "签退"}[name] for name in zero)
        raised.add(
            job.record_id,
            "suspect_location",
            "zero_accuracy",
            {"points": zero},
            f"{labels}定位精度为 0 米：真实的卫星或网络定位总有误差，精度恰为 0 通常是虚拟定位软件给出的",
        )
    minutes = (job.check_out_at - job.check_in_at).total_seconds() / 60
    static_minutes = current_app.config["SIGNAL_STATIC_POINT_MIN_MINUTES"]
    same = [_micro(v) for v in job.check_in_point[:2]] == [_micro(v) for v in job.check_out_point[:2]]
    if same and minutes >= static_minutes:
        raised.add(
            job.record_id,
            "suspect_location",
            "static_point",
            {
                "lat": str(job.check_in_point[0]),
                "lng": str(job.check_in_point[1]),
                "minutes": round(minutes, 1),
                "min_minutes": static_minutes,
            },
            f"签到与签退的坐标在 {minutes:.0f} 分钟的作业中精确到百万分之一度完全相同"
            f"（{job.check_in_point[0]}, {job.check_in_point[1]}）：真实定位在这么长时间里总会漂移，"
            "疑似虚拟定位",
        )
    points = {"check_in": job.check_in_point, "check_out": job.check_out_point}
    params: dict[str, Any] = {"day": values["maintenance_day"], "record_id": job.record_id}
    for name, point in points.items():
        lat, lng = _micro(point[0]), _micro(point[1])
        params |= {f"{name}_lat_low": lat, f"{name}_lat_high": lat + MICRO_DEGREE}
        params |= {f"{name}_lng_low": lng, f"{name}_lng_high": lng + MICRO_DEGREE}
    matches = {row.point: row for row in db.session.connection().execute(_SAME_POINTS, params)}
    seen: set[int] = set()
    for name, point in points.items():
        lat, lng = _micro(point[0]), _micro(point[1])
        match = matches.get(name)
        if match is None or match.id in seen:
            continue
        seen.add(match.id)
        evidence = {
            "point": name,
            "lat": str(lat),
            "lng": str(lng),
            "other_record_id": match.id,
            "other_day": match.maintenance_day.isoformat(),
            "day": values["maintenance_day"].isoformat(),
        }
        raised.add(
            job.record_id,
            "suspect_location",
            "repeated_point",
            evidence,
            f"{'签到' if name == 'check_in' else '签退'}坐标（{lat}, {lng}）与 {match.maintenance_day} 的记录 "
            f"#{match.id} 的签到坐标精确到百万分之一度完全相同：不同日子的真实定位不会分毫不差，疑似虚拟定位",
        )
        if not match.flagged:
            raised.add(
                match.id,
                "suspect_location",
                "repeated_point",
                {
                    **evidence,
                    "other_record_id": job.record_id,
                    "other_day": evidence["day"],
                    "day": evidence["other_day"],
                },
                f"签到坐标（{lat}, {lng}）与之后 {values['maintenance_day']} 的记录 #{job.record_id} 的"
                f"{'签到' if name == 'check_in' else '签退'}坐标精确到百万分之一度完全相同："
                "不同日子的真实定位不会分毫不差，疑似虚拟定位",
            )


def _is_night(moment: datetime) -> bool:
    start, end = current_app.config["SIGNAL_BULK_NIGHT_HOURS"]
    return bool(start <= moment.astimezone(SHANGHAI).hour < end)


def _bulk_upload(raised: Raised, job: Job, values: dict[str, Any]) -> None:
    config = current_app.config
    received_at: datetime = values["received_at"]
    window = timedelta(minutes=config["SIGNAL_BULK_WINDOW_MINUTES"])
    late = timedelta(hours=config["SIGNAL_BULK_LATE_HOURS"])
    least = config["SIGNAL_BULK_MIN_RECORDS"]
    recent = (
        db.session.connection()
        .execute(
            _RECENT_UPLOADS,
            {
                "technician_id": values["technician_id"],
                "since": received_at - window,
                "until": received_at,
                "record_id": job.record_id,
            },
        )
        .all()
    )
    rules = (
        ("late", received_at - job.check_out_at >= late, lambda row: row.received_at - row.check_out_at >= late),
        ("night", _is_night(received_at), lambda row: _is_night(row.received_at)),
    )
    for rule, this_one, qualifies in rules:
        if not this_one:
            continue
        burst = [row for row in recent if qualifies(row)]
        if len(burst) + 1 < least:
            continue
        ids = sorted(row.id for row in burst)
        first = min(row.received_at for row in burst)
        evidence = {
            "count": len(burst) + 1,
            "record_ids": [*ids, job.record_id],
            "first_received_at": iso(first),
            "last_received_at": iso(received_at),
            "window_minutes": config["SIGNAL_BULK_WINDOW_MINUTES"],
            "min_records": least,
        }
        if rule == "late":
            evidence["late_hours"] = config["SIGNAL_BULK_LATE_HOURS"]
            reason = f"每条都在作业结束 {config['SIGNAL_BULK_LATE_HOURS']} 小时以后才上传"
        else:
            evidence["night_hours"] = list(config["SIGNAL_BULK_NIGHT_HOURS"])
            start, end = config["SIGNAL_BULK_NIGHT_HOURS"]
            reason = f"都在夜间 {start}:00–{end}:00 上传"
        text = (
            f"同一维保人员在 {local_text(first)} 至 {local_text(received_at)} 的 "
            f"{config['SIGNAL_BULK_WINDOW_MINUTES']} 分钟内集中上传了 {len(burst) + 1} 条记录"
            f"（#{'、#'.join(str(i) for i in evidence['record_ids'])}），{reason}，疑似事后补填"
        )
        raised.add(job.record_id, "bulk_upload", rule, evidence, text)
        for record_id in sorted(row.id for row in burst if not row.flagged):
            raised.add(record_id, "bulk_upload", rule, evidence, text)


def _photo_missing(raised: Raised, job: Job, missing: Sequence[dict[str, Any]]) -> None:
    if not missing:
        return
    positions = [{"position": row["position"], "label": row["label"], "reason": row["reason"]} for row in missing]
    listed = "；".join(f"{row['label']}（{row['reason']}）" for row in positions)
    raised.add(
        job.record_id,
        "photo_missing",
        "reason_given",
        {"positions": positions},
        f"提交时缺少 {len(positions)} 个必拍部位的照片，维保人员说明的原因：{listed}",
    )


def _photo_not_fresh(raised: Raised, job: Job, photos: Sequence[dict[str, Any]], draft_started_at: datetime) -> None:
    tolerance = timedelta(minutes=current_app.config["SIGNAL_PHOTO_TIME_TOLERANCE_MINUTES"])
    stale = []
    for photo in photos:
        captured: datetime = photo["captured_at"]
        if captured < draft_started_at - tolerance:
            stale.append((photo, "before_draft"))
        elif captured < job.check_in_at - tolerance or captured > job.check_out_at + tolerance:
            stale.append((photo, "outside_window"))
    if not stale:
        return
    evidence = {
        "photos": [
            {
                "position": photo["position"],
                "sha256": photo["sha256"],
                "captured_at": iso(photo["captured_at"]),
                "why": why,
            }
            for photo, why in stale
        ],
        "draft_started_at": iso(draft_started_at),
        "check_in_at": iso(job.check_in_at),
        "check_out_at": iso(job.check_out_at),
        "tolerance_minutes": current_app.config["SIGNAL_PHOTO_TIME_TOLERANCE_MINUTES"],
    }
    listed = "；".join(
        f"{position_label(photo['position'])}照片拍摄于 {local_text(photo['captured_at'])}"
        f"（{'早于开始填写本记录' if why == 'before_draft' else '不在签到至签退之间'}）"
        for photo, why in stale
    )
    raised.add(
        job.record_id,
        "photo_not_fresh",
        stale[0][1],
        evidence,
        f"照片不是本次作业现场拍摄的：{listed}；本次签到 {local_text(job.check_in_at)}、签退 "
        f"{local_text(job.check_out_at)}",
    )


def _photo_reused(raised: Raised, job: Job, photos: Sequence[dict[str, Any]]) -> None:
    if not photos:
        return
    matches: dict[int, list[dict[str, Any]]] = {}
    by_sha = {photo["sha256"]: photo for photo in photos}
    bands = sorted({(band, value) for photo in photos for band, value in enumerate(phash_bands(photo["phash"]))})
    params = {"hashes": list(by_sha), "bands": bands, "record_id": job.record_id}
    candidates = db.session.connection().execute(_REUSE_CANDIDATES, params).all()
    seen: set[tuple[int, str]] = set()
    for row in candidates:
        if row.how == "sha256":
            seen.add((row.record_id, row.position))
            matches.setdefault(row.record_id, []).append(
                {"how": "sha256", "position": by_sha[row.sha256]["position"], "other_position": row.position, "bits": 0}
            )
    config = current_app.config
    max_bits = config["SIGNAL_PHOTO_PHASH_MAX_BITS"]
    for row in candidates:
        if row.how != "phash" or (row.record_id, row.position) in seen:
            continue
        for photo in photos:
            if photo["sha256"] == row.sha256:
                continue
            match = near_duplicate(photo, row._asdict())
            if match is not None:
                seen.add((row.record_id, row.position))
                matches.setdefault(row.record_id, []).append(
                    {"position": photo["position"], "other_position": row.position, **match}
                )
                break
    thresholds = {
        "max_bits": max_bits,
        "dhash_max_bits": config["SIGNAL_PHOTO_DHASH_MAX_BITS"],
        "colour_max_difference": config["SIGNAL_PHOTO_COLOUR_MAX_DIFFERENCE"],
    }
    for other_id, found in sorted(matches.items()):
        evidence = {"other_record_id": other_id, "photos": found, **thresholds}
        described = "；".join(
            f"{position_label(m['position'])}照片与其{position_label(m['other_position'])}照片{_match_text(m)}"
            for m in found
        )
        raised.add(
            job.record_id,
            "photo_reused",
            found[0]["how"],
            evidence,
            f"本记录的照片在记录 #{other_id} 中已经用过：{described}",
        )
        raised.add(
            other_id,
            "photo_reused",
            found[0]["how"],
            {**evidence, "other_record_id": job.record_id},
            f"本记录的照片被之后提交的记录 #{job.record_id} 再次使用：{described}",
        )


def colour_difference(a: str, b: str) -> float:
    """The mean absolute difference of two colour signatures' 48 values (0–255): how far apart the two photos'
    colours are, cell by cell."""
    left, right = bytes.fromhex(a), bytes.fromhex(b)
    return sum(abs(x - y) for x, y in zip(left, right, strict=True)) / len(left)


def near_duplicate(photo: dict[str, Any], other: dict[str, Any]) -> dict[str, Any] | None:
    """How ``photo`` nearly duplicates ``other`` (two different files), or None.

    The perceptual hashes must be within ``SIGNAL_PHOTO_PHASH_MAX_BITS``, and — the independent confirmation —
    the difference hashes within ``SIGNAL_PHOTO_DHASH_MAX_BITS`` and the colour signatures within
    ``SIGNAL_PHOTO_COLOUR_MAX_DIFFERENCE``: different photos of the same kind of scene can be close in phash alone.
    A photo uploaded before the confirmations were stored (migration 0020) is judged by its phash alone
    (rule ``phash``)."""
    config = current_app.config
    bits = hamming(photo["phash"], other["phash"])
    if bits > config["SIGNAL_PHOTO_PHASH_MAX_BITS"]:
        return None
    if not (photo.get("dhash") and photo.get("colour") and other.get("dhash") and other.get("colour")):
        return {"how": "phash", "bits": bits}
    dhash_bits = hamming(photo["dhash"], other["dhash"])
    colour = round(colour_difference(photo["colour"], other["colour"]), 1)
    if dhash_bits > config["SIGNAL_PHOTO_DHASH_MAX_BITS"] or colour > config["SIGNAL_PHOTO_COLOUR_MAX_DIFFERENCE"]:
        return None
    return {"how": "near_duplicate", "bits": bits, "dhash_bits": dhash_bits, "colour_difference": colour}


def _match_text(match: dict[str, Any]) -> str:
    if match["how"] == "sha256":
        return "是同一张照片（SHA-256 相同）"
    if match["how"] == "phash":
        return f"几乎相同（感知哈希相差 {match['bits']} 位）"
    return (
        f"几乎相同：感知哈希相差 {match['bits']} 位，差异哈希相差 {match['dhash_bits']} 位，"
        f"各区域平均颜色相差 {match['colour_difference']:g}（满分 255），是同一张照片重新压缩或裁剪后的样子"
    )


def write_photo_bands(record_id: int, photos: Sequence[dict[str, Any]]) -> None:
    rows = [
        {
            "record_id": record_id,
            "band": band,
            "value": value,
            "phash": photo["phash"],
            "dhash": photo.get("dhash"),
            "colour": photo.get("colour"),
            "sha256": photo["sha256"],
            "position": photo["position"],
        }
        for photo in photos
        for band, value in enumerate(phash_bands(photo["phash"]))
    ]
    if rows:
        db.session.connection().execute(_INSERT_BANDS, rows)


def raise_submission_signals(
    values: dict[str, Any],
    record_id: int,
    technician_ids: Sequence[int],
    *,
    photos: Sequence[dict[str, Any]] = (),
    photos_missing: Sequence[dict[str, Any]] = (),
    draft_started_at: datetime | None = None,
) -> Raised:
    """The signals of a record just inserted (``values`` are its columns), written as ``record_flag`` rows.

    Call after the record's technician rows are written; flushes nothing through the session."""
    job = Job(
        record_id,
        values["elevator_id"],
        values["check_in_at"],
        values["check_out_at"],
        (values["check_in_lat"], values["check_in_lng"], values["check_in_coord_system"]),
        (values["check_out_lat"], values["check_out_lng"], values["check_out_coord_system"]),
    )
    raised = Raised(record_id)
    _travel(raised, job, technician_ids)
    _suspect_location(raised, job, values)
    if values.get("source", "miniprogram") == "miniprogram":
        # A platform's batch of uploads is how the interface works, not a sign of after-the-fact filling.
        _bulk_upload(raised, job, values)
    _photo_missing(raised, job, photos_missing)
    if photos:
        _photo_not_fresh(raised, job, photos, draft_started_at or job.check_in_at)
        _photo_reused(raised, job, photos)
        write_photo_bands(record_id, photos)
    write_flags(raised.rows, values["received_at"])
    return raised


def write_flags(rows: list[dict[str, Any]], at: datetime) -> None:
    if not rows:
        return
    db.session.connection().execute(_INSERT_FLAGS, [{**row, "raised_at": at} for row in rows])
    # A flag raised later changes an earlier record's figures: the statistics recount its day and elevator.
    later = sorted({row["record_id"] for row in rows if row["raised_by"] == "later"})
    if later:
        earlier = db.session.connection().execute(
            db.select(_R.c.maintenance_day, _R.c.elevator_id).where(_R.c.id.in_(later))
        )
        for day, elevator_id in earlier:
            mark_record_dirty(day, elevator_id)
        # Their public entries show the new count (only when a submission reveals something about earlier records).
        refresh_public_flags(later)


def flags_of(record_ids: Sequence[int]) -> dict[int, list[RecordFlag]]:
    """Each record's ``record_flag`` rows, oldest first (one look-up by ``ix_record_flag_record_kind``)."""
    if not record_ids:
        return {}
    found: dict[int, list[RecordFlag]] = {record_id: [] for record_id in record_ids}
    rows = db.session.execute(
        db.select(RecordFlag).where(RecordFlag.record_id.in_(list(record_ids))).order_by(RecordFlag.id)
    ).scalars()
    for row in rows:
        found[row.record_id].append(row)
    return found
