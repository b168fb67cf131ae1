"""Uploads by a platform: a record (or a delay notice) it collected itself goes through the mini-program's own
domain operations, once per platform id.

Idempotency, Stripe's semantics: the platform's id names one upload for ever. The same id with the same canonical
item answers the existing upload (``duplicate``); the same id with another item is refused (``idempotency_conflict``,
naming the existing record and its content hash). The unique key on ``platform_upload`` backs this: of two
concurrent uploads of one id only one commits, the other finds it and answers as a retry would.

Sandbox (a platform in ``testing``): the very same operations run inside a savepoint that is then rolled back, so
nothing official remains (no record, sign-off, ledger entry, public entry, signature image or location); only the
sandbox ``PlatformUpload`` is written, with the content hash and a summary of what the record would have been.

Operations here flush, never commit: the caller commits once per item (each batch item is its own transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction

from miniback.access import require_maintainer
from miniback.auth.tokens import remember_unit_status
from miniback.errors import ApiError, Conflict, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import CATEGORIES, Account, Elevator, MaintenanceUnit, utcnow
from miniback.models.platform import (
    PlatformClient,
    PlatformRequest,
    PlatformUpload,
    UploadKind,
)
from miniback.platform.authorisations import authorised_unit_ids
from miniback.records.drafts import add_item, start_draft, update_draft
from miniback.records.due import file_delay_notice
from miniback.records.onsite import Point, check_in, check_out, confirm_site, reference_location
from miniback.records.photos import add_draft_photo, check_photo
from miniback.records.signature import PNG_MAGIC, decode_base64, decode_signature
from miniback.records.submit import submit_record
from miniback.records.templates import tsg_template
from signoff.ledger.hashing import sha256_hex

SOURCE_PREFIX = "platform:"
ELEVATOR_UNKNOWN = "找不到该电梯，或该电梯的维保单位未授权本平台"


def source_of(client: PlatformClient) -> str:
    """The ``source`` of the records a platform uploads."""
    return f"{SOURCE_PREFIX}{client.code}"


def keep_request(
    client: PlatformClient,
    *,
    key_id: str,
    sandbox: bool,
    method: str,
    path: str,
    signed_timestamp: str,
    nonce: str,
    signature: str,
    body: bytes,
) -> PlatformRequest:
    """The signed request, kept whole as the evidence of its uploads' origin (the caller commits it before the
    items, so each item's upload row can name it)."""
    request = PlatformRequest(
        platform_client_id=client.id,
        key_id=key_id,
        sandbox=sandbox,
        method=method,
        path=path,
        signed_timestamp=signed_timestamp,
        nonce=nonce,
        body_sha256=sha256_hex(body),
        signature=signature,
        body=body,
        received_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    return request


def find_upload(
    client_id: int, sandbox: bool, kind: UploadKind, platform_ref: str, *, locking: bool = False
) -> PlatformUpload | None:
    """The platform's upload under its own id. ``locking``: a locking read, which sees an upload a concurrent
    transaction committed after this one's snapshot (REPEATABLE READ would otherwise hide it)."""
    query = db.select(PlatformUpload).where(
        PlatformUpload.platform_client_id == client_id,
        PlatformUpload.sandbox.is_(sandbox),
        PlatformUpload.kind == kind,
        PlatformUpload.platform_ref == platform_ref,
    )
    if locking:
        query = query.with_for_update(read=True)
    return db.session.execute(query).scalar_one_or_none()


@dataclass(frozen=True)
class Received:
    """What an upload came to: its ``PlatformUpload``, whether this call created it, and, for a new production
    record, the sign-off deadline the caller schedules after the commit."""

    upload: PlatformUpload
    created: bool
    signoff_deadline: datetime | None = None


def idempotency_conflict(upload: PlatformUpload) -> Conflict:
    """The refusal of a known id sent with another body: it names what the id already stands for."""
    details: dict[str, Any] = {"content_hash": upload.content_hash}
    if upload.kind == "delay_notice":
        details |= {"delay_notice_id": upload.delay_notice_id, "platform_notice_id": upload.platform_ref}
    else:
        details |= {"record_id": upload.record_id, "platform_record_id": upload.platform_ref}
    return Conflict(
        "该编号已上传过内容不同的数据；同一编号只能对应同一份数据，如需更正请使用新编号",
        code="idempotency_conflict",
        details=details,
    )


def replay(upload: PlatformUpload, sha: str) -> Received:
    """A known id again: the same item is a duplicate (the existing upload), another item a conflict."""
    if upload.item_sha256 != sha:
        raise idempotency_conflict(upload)
    return Received(upload, created=False)


def authorised_elevator(client: PlatformClient, ref: dict[str, Any], field: str = "elevator") -> Elevator:
    """The elevator named by device or registration code, if its maintenance unit authorised ``client``; anything
    else (unknown code, another unit's elevator, a revoked authorisation) is the same 404."""
    return _authorised_elevator(client, ref, field)[0]


def _authorised_elevator(client: PlatformClient, ref: dict[str, Any], field: str) -> tuple[Elevator, str, int | None]:
    """``authorised_elevator``, with the status of its maintenance unit (and the suspension notice in force on it,
    if any) read in the same statement."""
    if ref.get("device_code"):
        match = Elevator.device_code == ref["device_code"]
    else:
        match = Elevator.registration_code == ref["registration_code"]
    row = db.session.execute(
        db.select(Elevator, MaintenanceUnit.status, MaintenanceUnit.halted_by_notice_id)
        .join(MaintenanceUnit, MaintenanceUnit.id == Elevator.maintenance_unit_id)
        .where(match, Elevator.maintenance_unit_id.in_(authorised_unit_ids(client.id)))
    ).one_or_none()
    if row is None:
        raise NotFound(ELEVATOR_UNKNOWN, code="elevator_unknown", fields={field: "不存在或未授权"})
    return row[0], row[1], row[2]


def technicians_for(elevator: Elevator, certificate_nos: list[str]) -> list[Account]:
    """The technicians by operator certificate number, in order: each must be an active technician of the unit
    that maintains ``elevator``."""
    rows = db.session.execute(
        db.select(Account).where(
            Account.role == "technician",
            Account.active.is_(True),
            Account.maintenance_unit_id == elevator.maintenance_unit_id,
            Account.certificate_no.in_(certificate_nos),
        )
    ).scalars()
    by_certificate: dict[str, list[Account]] = {}
    for account in rows:
        by_certificate.setdefault(account.certificate_no or "", []).append(account)
    problems = {}
    for index, number in enumerate(certificate_nos):
        found = by_certificate.get(number, [])
        if len(found) != 1:
            problem = "不是该电梯维保单位的在职维保人员" if not found else "该证书编号对应多名人员，请联系维保单位核对"
            problems[f"technicians.{index}.certificate_no"] = problem
    if problems:
        raise ValidationFailed("维保人员不是该电梯维保单位的在职维保人员", code="technician_unknown", fields=problems)
    return [by_certificate[number][0] for number in certificate_nos]


@contextmanager
def _fields_as(names: dict[str, str]) -> Iterator[None]:
    """Name the fields of a domain operation's refusal as the upload names them (``captured_at`` → ``check_in.at``)."""
    try:
        yield
    except ApiError as error:
        if error.fields:
            error.fields = {names.get(name, name): problem for name, problem in error.fields.items()}
        raise


def _point(data: dict[str, Any]) -> Point:
    accuracy = data.get("accuracy_m")
    return Point(
        Decimal(f"{data['lat']:.7f}"),
        Decimal(f"{data['lng']:.7f}"),
        Decimal(f"{accuracy:.1f}") if accuracy is not None else None,
        data["coord_system"],
        data["at"],
    )


def _point_fields(prefix: str) -> dict[str, str]:
    return {
        "captured_at": f"{prefix}.at",
        "location.captured_at": f"{prefix}.at",
        "location.accuracy_m": f"{prefix}.accuracy_m",
    }


def _signature_png(text: str) -> bytes:
    """The signature's bytes, refused unless they are base64 of a PNG (size, dimensions and ink are checked by the
    submission, as for the mini-program)."""
    try:
        data = decode_signature(text, "signature_png")
    except ValidationFailed:
        data = b""
    if not data.startswith(PNG_MAGIC):
        message = "签名必须是 PNG 图片的 Base64 编码"
        raise ValidationFailed(message, code="signature_not_png", fields={"signature_png": message})
    return data


def _check_items(template_codes: list[str], data: dict[str, Any]) -> None:
    """Results by TSG item code: each code once, every code of the checklist, no code outside it."""
    seen: set[str] = set()
    duplicate, unknown = {}, {}
    known = set(template_codes)
    for index, row in enumerate(data["results"]):
        if row["code"] in seen:
            duplicate[f"results.{index}.code"] = "项目重复"
        elif row["code"] not in known:
            unknown[f"results.{index}.code"] = "不是该电梯类型与维保类别的项目"
        seen.add(row["code"])
    if duplicate:
        raise ValidationFailed(fields=duplicate)
    if unknown:
        raise ValidationFailed("含有不属于该电梯类型与维保类别的项目编号", code="item_unknown", fields=unknown)
    missing = [code for code in template_codes if code not in seen]
    if missing:
        raise ValidationFailed(
            f"缺少 {len(missing)} 个维保项目的结果",
            code="items_missing",
            fields={"results": "缺少项目：" + "、".join(missing[:20]) + ("…" if len(missing) > 20 else "")},
            details={"missing_codes": missing},
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _would_be(record: Any, deadline: datetime | None, public_code: str) -> dict[str, Any]:
    """What the upload answers about its record (kept as the upload's summary; the sandbox's only trace)."""
    return {
        "elevator_id": record.elevator_id,
        "maintenance_unit_id": record.maintenance_unit_id,
        "public_code": public_code,
        "category": record.category,
        "maintenance_day": record.maintenance_day.isoformat(),
        "received_at": _iso(record.received_at),
        "late_upload": record.late_upload,
        "flags": {"distance": record.flag_distance, "duration": record.flag_duration, "overlap": record.flag_overlap},
        "deadline_at": _iso(deadline),
    }


def _submit(client: PlatformClient, data: dict[str, Any], received_at: datetime) -> tuple[Any, datetime | None, str]:
    """The mini-program's walk through a job, in one go: start the draft, check in, check out, save the results,
    add the extra items, set parts, hazards and remarks, submit. Returns (record, sign-off deadline, public code)."""
    elevator, unit_status, halted_by = _authorised_elevator(client, data["elevator"], "elevator")
    if data["category"] not in CATEGORIES:
        raise ValidationFailed("维保类别不正确", code="category_invalid", fields={"category": "维保类别不正确"})
    template = tsg_template(elevator.elevator_type, data["category"])
    _check_items([item.code for item in template.items], data)
    signature = _signature_png(data["signature_png"])
    numbers = [tech["certificate_no"] for tech in data["technicians"]]
    if len(set(numbers)) != len(numbers):
        raise ValidationFailed(fields={"technicians.1.certificate_no": "第二维保人员不能与第一维保人员相同"})
    technicians = technicians_for(elevator, numbers)
    primary = technicians[0]
    # Its unit is the elevator's (``technicians_for``), whose status was read with the elevator: the access checks
    # of this transaction (here and in the submission) reuse it.
    remember_unit_status(primary, unit_status, halted_by)
    require_maintainer(primary, elevator)
    check_in_point, check_out_point = _point(data["check_in"]), _point(data["check_out"])
    reference = reference_location(elevator.id)
    if reference is None:
        # The elevator has no location yet: the check-in point confirms the site, as the mini-program's first visit
        # does (the same operation, the same checks; later visits are measured against it).
        with _fields_as(_point_fields("check_in")):
            reference = confirm_site(primary, elevator, check_in_point, {})
    second_id = technicians[1].id if len(technicians) > 1 else None
    with _fields_as({"second_technician_id": "technicians.1.certificate_no"}):
        draft = start_draft(primary, elevator, template, second_technician_id=second_id, results=data["results"])
    with _fields_as(_point_fields("check_in")):
        check_in(draft, check_in_point, reference)
    with _fields_as(_point_fields("check_out")):
        check_out(draft, check_out_point, reference)
    for index, added in enumerate(data.get("added_items") or []):
        with _fields_as({"note": f"added_items.{index}.note"}):
            add_item(draft, added)
    changes = {
        "remarks": data.get("remarks"),
        # Stored without empty keys, as the mini-program's route stores them: equal content hashes the same.
        "replaced_parts": [_without_none(part) for part in data.get("replaced_parts") or []],
        "hazards": [_without_none(hazard) for hazard in data.get("hazards") or []],
    }
    update_draft(primary, draft, changes)
    # Every photo is checked before any is stored: a bad one refuses the upload with nothing kept.
    checked = []
    for index, photo in enumerate(data.get("photos") or []):
        with _fields_as({"image_base64": f"photos.{index}.image_base64"}):
            checked.append(check_photo(decode_base64(photo["image_base64"], "image_base64")))
    for index, (photo, image) in enumerate(zip(data.get("photos") or [], checked, strict=True)):
        fields = {name: f"photos.{index}.{name}" for name in ("position", "image_base64", "captured_at")}
        with _fields_as(fields):
            where = photo.get("location")
            point = _point({**where, "at": photo["captured_at"]}) if where else None
            add_draft_photo(primary, draft, photo["position"], image, photo["captured_at"], point)
    reasons = {row["position"]: row["reason"] for row in data.get("missing_photos") or []}
    with _fields_as({"device_submitted_at": "completed_at"}):
        submission = submit_record(
            primary,
            draft,
            signature,
            device_submitted_at=data["completed_at"],
            source=source_of(client),
            received_at=received_at,
            elevator=elevator,
            missing_photos=reasons,
        )
    return submission.record, submission.signoff_deadline, elevator.public_code


def _without_none(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if value is not None}


def _written(upload: PlatformUpload) -> bool:
    """Write the upload row in a savepoint; False if the unique key refused it (a concurrent upload holds the id)."""
    try:
        with db.session.begin_nested():
            db.session.add(upload)
    except IntegrityError:
        return False
    return True


def _raced(client: PlatformClient, sandbox: bool, kind: UploadKind, platform_ref: str, sha: str) -> Received:
    """The answer when a concurrent upload of the same id committed first: as if this one were its retry."""
    winner = find_upload(client.id, sandbox, kind, platform_ref, locking=True)
    if winner is None:
        raise RuntimeError(f"platform upload {platform_ref!r} refused by its unique key but not found")
    return replay(winner, sha)


def _keep(work: SessionTransaction | None, upload: PlatformUpload) -> bool:
    """Write ``upload`` after the operations; False if another upload holds the id.

    Production (``work`` None): the upload row goes into the item's own transaction, so a unique-key refusal rolls
    the record back with it (the whole transaction: an item is one). Sandbox: the savepoint ``work`` (the
    operations) is rolled back first, then only the upload row is written.
    """
    if work is not None:
        work.rollback()
        return _written(upload)
    try:
        db.session.add(upload)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def prior_uploads(
    client_id: int, sandbox: bool, kind: UploadKind, platform_refs: Collection[str]
) -> dict[str, PlatformUpload]:
    """The platform's uploads under any of ``platform_refs``, by id: one read for a whole batch, in place of
    ``find_upload`` for each item (a plain read, as that one; a race is still caught by the unique key)."""
    if not platform_refs:
        return {}
    rows = db.session.execute(
        db.select(PlatformUpload).where(
            PlatformUpload.platform_client_id == client_id,
            PlatformUpload.sandbox.is_(sandbox),
            PlatformUpload.kind == kind,
            PlatformUpload.platform_ref.in_(list(platform_refs)),
        )
    ).scalars()
    return {upload.platform_ref: upload for upload in rows}


def _receive(
    client: PlatformClient,
    *,
    sandbox: bool,
    kind: UploadKind,
    platform_ref: str,
    sha: str,
    request_id: int,
    index: int,
    perform: Callable[[], tuple[dict[str, Any], datetime | None]],
    prior: Mapping[str, PlatformUpload] | None = None,
) -> Received:
    """An upload under the platform's id: a known id is answered by ``replay``; a new one runs ``perform`` (the
    domain operations, returning the upload's own columns and any sign-off deadline) and writes the
    ``PlatformUpload`` in this same transaction, which the caller commits (production) — or, in the sandbox, runs
    it in a savepoint that is rolled back before the upload row is written. A refusal (``ApiError``) leaves the
    transaction to the caller, who rolls it back. If a concurrent upload of the same id committed first, this one's
    work is rolled back and the other's upload answers (duplicate or conflict). A database error (a deadlock, which
    MariaDB answers by rolling back the whole transaction) is left to the caller, who rolls back and may redo the
    item. ``prior``: the batch's ``prior_uploads``, if read (else this id is looked up here)."""
    existing = prior.get(platform_ref) if prior is not None else find_upload(client.id, sandbox, kind, platform_ref)
    if existing is not None:
        return replay(existing, sha)
    work = db.session.begin_nested() if sandbox else None
    try:
        columns, deadline = perform()
    except ApiError:
        if work is not None:
            work.rollback()
        raise
    if sandbox:  # nothing official to point at
        columns = {**columns, "record_id": None, "delay_notice_id": None}
    upload = PlatformUpload(
        platform_client_id=client.id,
        sandbox=sandbox,
        kind=kind,
        platform_ref=platform_ref,
        item_sha256=sha,
        request_id=request_id,
        item_index=index,
        **columns,
    )
    if not _keep(work, upload):
        return _raced(client, sandbox, kind, platform_ref, sha)
    return Received(upload, created=True, signoff_deadline=None if sandbox else deadline)


def receive_record(
    client: PlatformClient,
    *,
    sandbox: bool,
    platform_ref: str,
    sha: str,
    data: dict[str, Any],
    request_id: int,
    index: int,
    received_at: datetime,
    prior: Mapping[str, PlatformUpload] | None = None,
) -> Received:
    """One uploaded record (``data``: the validated item, times aware) through the mini-program's operations. A
    production upload keeps the record, its sign-off, ledger entry and public entry; a sandbox upload keeps only its
    content hash and what it would have been (see ``_receive``)."""

    def perform() -> tuple[dict[str, Any], datetime | None]:
        record, deadline, public_code = _submit(client, data, received_at)
        columns = {
            "record_id": record.id,
            "content_hash": record.content_hash,
            "summary": _would_be(record, deadline, public_code),
        }
        return columns, deadline

    return _receive(
        client,
        sandbox=sandbox,
        kind="record",
        platform_ref=platform_ref,
        sha=sha,
        request_id=request_id,
        index=index,
        perform=perform,
        prior=prior,
    )


def _notice_elevators(client: PlatformClient, refs: list[dict[str, Any]]) -> list[Elevator]:
    elevators: dict[int, Elevator] = {}
    for index, ref in enumerate(refs):
        elevator = authorised_elevator(client, ref, f"elevators.{index}")
        elevators[elevator.id] = elevator
    units = {elevator.maintenance_unit_id for elevator in elevators.values()}
    if len(units) > 1:
        raise ValidationFailed(fields={"elevators": "一份延期说明只能包含同一维保单位维保的电梯"})
    return sorted(elevators.values(), key=lambda elevator: elevator.id)


def receive_delay_notice(
    client: PlatformClient,
    *,
    sandbox: bool,
    platform_ref: str,
    sha: str,
    data: dict[str, Any],
    request_id: int,
) -> Received:
    """A delay notice (维保延期说明) for elevators of one authorising unit, filed by the platform's account; in the
    sandbox it is filed and rolled back like a record. Idempotent on the platform's notice id like a record."""

    def perform() -> tuple[dict[str, Any], datetime | None]:
        elevators = _notice_elevators(client, data["elevators"])
        account = db.session.get(Account, client.account_id)
        assert account is not None
        fields = {name: data[name] for name in ("cause", "starts_on", "ends_on", "explanation")}
        notice = file_delay_notice(account, elevators, fields, maintenance_unit_id=elevators[0].maintenance_unit_id)
        summary = {
            "maintenance_unit_id": notice.maintenance_unit_id,
            "elevator_ids": [elevator.id for elevator in elevators],
            "cause": notice.cause,
            "starts_on": notice.starts_on.isoformat(),
            "ends_on": notice.ends_on.isoformat(),
        }
        return {"delay_notice_id": notice.id, "content_hash": sha, "summary": summary}, None

    return _receive(
        client,
        sandbox=sandbox,
        kind="delay_notice",
        platform_ref=platform_ref,
        sha=sha,
        request_id=request_id,
        index=0,
        perform=perform,
    )


def uploads_of(client: PlatformClient, sandbox: bool) -> Any:
    """The platform's own uploads (a query): all a platform may read back, in its mode."""
    return db.select(PlatformUpload).where(
        PlatformUpload.platform_client_id == client.id, PlatformUpload.sandbox.is_(sandbox)
    )
