"""What a record PDF (维保记录单) shows, loaded for a page of records at a time: plain data, no layout.

``load_sheets`` reads a page of records' elevators, units, technicians, items, signature images, sign-off events,
ledger entries and checkpoints in one query per table (per record only the checkpoint lookup, one index probe),
so a bundle of 500 records costs 10 pages of a dozen queries, and memory holds one page at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from miniback.extensions import db
from miniback.models import (
    Account,
    Elevator,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerLeaf,
    MaintenanceRecord,
    MaintenanceUnit,
    PlatformClient,
    RecordItem,
    RecordTechnician,
    SignatureImage,
    SignoffEvent,
    SignoffState,
    UseUnit,
)
from miniback.models.rules import UseUnitConsent
from miniback.models.verification import RecordVerification
from miniback.records.calendar import SHANGHAI
from miniback.records.verification import verification_url
from miniback.registry.paperless import PAPERLESS_TEXT, paperless_approved
from signoff.ledger.logkey import log_key, stored_signed_note
from signoff.ledger.signed_note import NoteError, verify_signed_checkpoint

ELEVATOR_TYPE_NAMES = {
    "traction": "曳引与强制驱动电梯",
    "hydraulic": "液压电梯",
    "dumbwaiter": "杂物电梯",
    "escalator": "自动扶梯与自动人行道",
}
CATEGORY_NAMES = {"half_month": "半月维保", "quarter": "季度维保", "half_year": "半年维保", "year": "年度维保"}
RESULT_NAMES = {
    "normal": "正常",
    "adjusted": "调整",
    "replaced": "更换",
    "not_applicable": "不适用",
    "hazard": "有隐患",
}
SIGNOFF_STATE_NAMES = {
    "pending": "待确认",
    "signed": "已签字确认",
    "default_confirmed": "默认确认",
    "objected": "有异议",
    "objection_resolved": "异议已处理",
}
EVENT_NAMES = {
    "submitted": "提交记录",
    "pushed": "推送至使用单位",
    "signed": "使用单位签字确认",
    "default_confirmed": "默认确认",
    "objected": "使用单位提出异议",
    "objection_resolved": "异议已处理",
    "reopened": "重新开启签名确认",
}
# ``miniback.platform.uploads.SOURCE_PREFIX`` (that layer sits above this one): a platform upload's ``source``.
SOURCE_PREFIX = "platform:"
FLAG_NAMES = {"flag_distance": "位置偏离", "flag_duration": "时长过短", "flag_overlap": "时间重叠"}
TECHNICIAN_ROLE_NAMES = {"primary": "主维保人员", "second": "第二维保人员"}


@dataclass(frozen=True)
class Technician:
    name: str
    certificate_no: str | None
    role: str


@dataclass(frozen=True)
class Item:
    seq: int
    code: str
    item: str
    requirement: str
    result: str
    note: str | None
    remark: str | None
    added: bool


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str
    who: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Signoff:
    """The use unit's sign-off: the current state and what backs it."""

    state: str
    deadline_at: datetime
    decided_at: datetime | None
    signer_name: str | None = None
    signature_png: bytes | None = None
    signature_sha256: str | None = None
    pushed_at: datetime | None = None
    default_deadline_at: datetime | None = None
    objections: list[Event] = field(default_factory=list)
    resolutions: list[Event] = field(default_factory=list)
    objection_open: bool = False
    # The consent (四(三)) the default confirmation relied on: a line ready to print, or None.
    consent: str | None = None


@dataclass(frozen=True)
class Proof:
    """The record's ledger entry and the first checkpoint whose tree includes it (None until the next build)."""

    entry_id: int
    chain_pos: int
    entry_hash: str
    prev_hash: str
    leaf_index: int | None
    checkpoint_tree_size: int | None = None
    checkpoint_root_hash: str | None = None
    checkpoint_created_at: datetime | None = None
    # The checkpoint's C2SP signed note and whether it verifies under the platform's log key (None: unsigned).
    signed_note: str | None = None
    signature_verified: bool | None = None
    signature_text: str | None = None


@dataclass
class RecordSheet:
    record_id: int
    supersedes_id: int | None
    superseded_by: list[int]
    # The elevator as the record's content froze it, completed by the registry's current certificate and codes.
    device_code: str | None
    registration_code: str | None
    use_certificate_no: str | None
    rescue_code: str | None
    elevator_type: str
    address: str
    position: str | None
    district: str
    use_unit_name: str | None
    maintenance_unit_name: str
    maintenance_unit_phone: str
    maintenance_unit_emergency_phone: str
    category: str
    template_version: str
    maintenance_day: date
    check_in_at: datetime
    check_out_at: datetime
    duration_seconds: int
    check_in_distance_m: Decimal | None
    check_out_distance_m: Decimal | None
    device_submitted_at: datetime | None
    received_at: datetime
    source: str
    technicians: list[Technician]
    items: list[Item]
    replaced_parts: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    remarks: str | None
    technician_signature_png: bytes | None
    technician_signature_sha256: str
    late_upload: bool
    flags: list[str]
    signoff: Signoff | None
    events: list[Event]
    content_hash: str
    proof: Proof | None
    verification_url: str | None = None
    # Lines other branches' rules add (the consent a default confirmation relied on, paperless status).
    notes: list[str] = field(default_factory=list)

    @property
    def checklist(self) -> list[Item]:
        return [item for item in self.items if not item.added]

    @property
    def added_items(self) -> list[Item]:
        return [item for item in self.items if item.added]

    def texts(self) -> Iterable[str]:
        """Every piece of text the sheet prints (to choose a font that holds all its characters)."""
        yield from (str(value) for value in vars(self).values() if isinstance(value, str))
        for technician in self.technicians:
            yield technician.name
            yield technician.certificate_no or ""
        for item in self.items:
            yield from (item.code, item.item, item.requirement, item.note or "", item.remark or "")
        yield json.dumps([self.replaced_parts, self.hazards], ensure_ascii=False, default=str)
        for event in self.events:
            yield from (event.what, event.who or "", event.detail or "")
        if self.signoff is not None:
            yield self.signoff.signer_name or ""
            for event in [*self.signoff.objections, *self.signoff.resolutions]:
                yield from (event.who or "", event.detail or "")
        yield from self.notes


def _by_id(columns: list[Any], ids: Iterable[Any]) -> dict[Any, Any]:
    wanted = {value for value in ids if value is not None}
    if not wanted:
        return {}
    return {row[0]: row for row in db.session.execute(db.select(*columns).where(columns[0].in_(wanted)))}


def _grouped(query: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in db.session.execute(query):
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _first_checkpoint_including(leaf_index: int) -> Any:
    return db.session.execute(
        db.select(LedgerCheckpoint.tree_size, LedgerCheckpoint.root_hash, LedgerCheckpoint.created_at)
        .where(LedgerCheckpoint.tree_size > leaf_index)
        .order_by(LedgerCheckpoint.tree_size)
        .limit(1)
    ).first()


def _checkpoint_signature(tree_size: int, root_hash: str) -> tuple[str | None, bool | None, str]:
    """The checkpoint's signed note, checked here as the verification page checks it."""
    note = stored_signed_note(tree_size)
    if note is None:
        return None, None, "该检查点没有日志密钥的签名"
    key = log_key()
    try:
        signed = verify_signed_checkpoint(note, key)
    except NoteError as exc:
        return note, False, f"签名无效：{exc}"
    if signed.tree_size != tree_size or signed.root_hash.hex() != root_hash:
        return note, False, "已签名的检查点与数据库中的检查点不符"
    return note, True, f"由平台日志密钥 {key.name}（编号 {key.key_id.hex()}）签署，出具本文件时已核验"


def _source_names(records: list[MaintenanceRecord]) -> dict[str, str]:
    platform_ids = {
        int(record.source.removeprefix(SOURCE_PREFIX))
        for record in records
        if record.source.startswith(SOURCE_PREFIX) and record.source.removeprefix(SOURCE_PREFIX).isdigit()
    }
    names = {"miniprogram": "微信小程序"}
    for platform_id, name in _by_id([PlatformClient.id, PlatformClient.name], platform_ids).values():
        names[f"{SOURCE_PREFIX}{platform_id}"] = f"维保平台：{name}"
    return names


def _consent_line(event: SignoffEvent | None, consents: dict[int, Any], names: dict[int, str]) -> str | None:
    if event is None:
        return None
    consent = consents.get(event.consent_id) if event.consent_id is not None else None
    if consent is None:
        return "默认确认依据：未关联使用单位的同意记录（本次默认确认早于同意制度）"
    who = names.get(consent.accepted_by_id, f"#{consent.accepted_by_id}")
    return (
        f"默认确认依据：使用单位于 {consent.accepted_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 由 {who} 同意的"
        f"《默认签名确认规则》第 {consent.rule_version} 版（同意记录 #{consent.id}，"
        f"文本 SHA-256 {consent.text_sha256[:16]}…）"
    )


def _signoff(
    state: Any,
    events: list[SignoffEvent],
    names: dict[int, str],
    images: dict[str, bytes],
    consents: dict[int, Any],
) -> Signoff:
    signed = [event for event in events if event.kind == "signed"]
    confirmed = [event for event in events if event.kind == "default_confirmed"]
    last_signed = signed[-1] if signed else None
    last_confirmed = confirmed[-1] if confirmed else None

    def as_event(event: SignoffEvent) -> Event:
        return Event(event.occurred_at, EVENT_NAMES[event.kind], names.get(event.actor_id or 0), event.reason)

    return Signoff(
        state=state.state,
        deadline_at=state.deadline_at,
        decided_at=state.decided_at,
        signer_name=names.get(last_signed.actor_id or 0) if last_signed else None,
        signature_png=images.get(last_signed.signature_hash or "") if last_signed else None,
        signature_sha256=last_signed.signature_hash if last_signed else None,
        pushed_at=(last_confirmed.pushed_at if last_confirmed else None) or state.pushed_at,
        default_deadline_at=last_confirmed.deadline_at if last_confirmed else None,
        objections=[as_event(event) for event in events if event.kind == "objected"],
        resolutions=[as_event(event) for event in events if event.kind == "objection_resolved"],
        objection_open=bool(state.objection_open),
        consent=_consent_line(last_confirmed, consents, names),
    )


def load_sheets(records: list[MaintenanceRecord]) -> list[RecordSheet]:
    """The sheets of ``records`` (already loaded and authorised by the caller), in the same order."""
    if not records:
        return []
    ids = [record.id for record in records]
    elevators = _by_id(
        [Elevator.id, Elevator.use_certificate_no, Elevator.rescue_code, Elevator.device_code, Elevator.address],
        (record.elevator_id for record in records),
    )
    units = _by_id(
        [MaintenanceUnit.id, MaintenanceUnit.name, MaintenanceUnit.contact_phone, MaintenanceUnit.emergency_phone],
        (record.maintenance_unit_id for record in records),
    )
    use_units = _by_id([UseUnit.id, UseUnit.name], (record.use_unit_id for record in records))
    technicians = _grouped(
        db.select(RecordTechnician.record_id, Account.name, Account.certificate_no, RecordTechnician.role)
        .join(Account, Account.id == RecordTechnician.account_id)
        .where(RecordTechnician.record_id.in_(ids))
        .order_by(RecordTechnician.record_id, RecordTechnician.id)
    )
    items = _grouped(
        db.select(
            RecordItem.record_id,
            RecordItem.seq,
            RecordItem.code,
            RecordItem.item,
            RecordItem.requirement,
            RecordItem.result,
            RecordItem.note,
            RecordItem.remark,
            RecordItem.added,
        )
        .where(RecordItem.record_id.in_(ids))
        .order_by(RecordItem.record_id, RecordItem.seq)
    )
    states = _by_id(
        [
            SignoffState.record_id,
            SignoffState.state,
            SignoffState.deadline_at,
            SignoffState.decided_at,
            SignoffState.pushed_at,
            SignoffState.objection_open,
        ],
        ids,
    )
    events: dict[int, list[SignoffEvent]] = {}
    for event in db.session.execute(
        db.select(SignoffEvent).where(SignoffEvent.record_id.in_(ids)).order_by(SignoffEvent.id)
    ).scalars():
        events.setdefault(event.record_id, []).append(event)
    consents = _by_id(
        [
            UseUnitConsent.id,
            UseUnitConsent.rule_version,
            UseUnitConsent.text_sha256,
            UseUnitConsent.accepted_by_id,
            UseUnitConsent.accepted_at,
        ],
        (event.consent_id for rows in events.values() for event in rows if event.kind == "default_confirmed"),
    )
    actor_ids = {event.actor_id for rows in events.values() for event in rows}
    actor_ids |= {consent.accepted_by_id for consent in consents.values()}
    names = {row.id: row.name for row in _by_id([Account.id, Account.name], actor_ids).values()}
    paperless = {unit_id: paperless_approved(unit_id) for unit_id in units}
    image_hashes = {record.signature_sha256 for record in records} | {
        event.signature_hash for rows in events.values() for event in rows if event.signature_hash
    }
    images = {
        row.sha256: row.content
        for row in _by_id([SignatureImage.sha256, SignatureImage.content], image_hashes).values()
    }
    entries = {
        row.ref_id: row
        for row in db.session.execute(
            db.select(LedgerEntry, LedgerLeaf.leaf_index)
            .outerjoin(LedgerLeaf, LedgerLeaf.entry_id == LedgerEntry.id)
            .where(LedgerEntry.kind == "record", LedgerEntry.ref_id.in_(ids))
            .with_only_columns(
                LedgerEntry.ref_id,
                LedgerEntry.id,
                LedgerEntry.chain_pos,
                LedgerEntry.entry_hash,
                LedgerEntry.prev_hash,
                LedgerLeaf.leaf_index,
            )
        )
    }
    corrections = _grouped(
        db.select(MaintenanceRecord.supersedes_id, MaintenanceRecord.id)
        .where(MaintenanceRecord.supersedes_id.in_(ids))
        .order_by(MaintenanceRecord.id)
    )
    sources = _source_names(records)
    codes = {
        row.record_id: row.code
        for row in db.session.execute(
            db.select(RecordVerification.record_id, RecordVerification.code).where(
                RecordVerification.record_id.in_(ids)
            )
        )
    }
    sheets = []
    for record in records:
        content = json.loads(record.canonical_content) if "canonical_content" in vars(record) else {}
        frozen = content.get("elevator") or {}
        elevator = elevators.get(record.elevator_id)
        unit = units[record.maintenance_unit_id]
        use_unit = use_units.get(record.use_unit_id)
        state = states.get(record.id)
        record_events = events.get(record.id, [])
        entry = entries.get(record.id)
        proof = None
        if entry is not None:
            checkpoint = _first_checkpoint_including(entry.leaf_index) if entry.leaf_index is not None else None
            note, verified, note_text = (
                _checkpoint_signature(int(checkpoint.tree_size), checkpoint.root_hash)
                if checkpoint is not None
                else (None, None, None)
            )
            proof = Proof(
                entry_id=entry.id,
                chain_pos=entry.chain_pos,
                entry_hash=entry.entry_hash,
                prev_hash=entry.prev_hash,
                leaf_index=entry.leaf_index,
                checkpoint_tree_size=checkpoint.tree_size if checkpoint else None,
                checkpoint_root_hash=checkpoint.root_hash if checkpoint else None,
                checkpoint_created_at=checkpoint.created_at if checkpoint else None,
                signed_note=note,
                signature_verified=verified,
                signature_text=note_text,
            )
        trail = [
            Event(record.check_in_at, "签到", detail=_distance_text(record.check_in_distance_m)),
            Event(record.check_out_at, "签退", detail=_distance_text(record.check_out_distance_m)),
        ]
        if record.device_submitted_at is not None:
            trail.append(Event(record.device_submitted_at, "设备端提交"))
        trail += [
            Event(
                event.occurred_at,
                EVENT_NAMES.get(event.kind, event.kind),
                names.get(event.actor_id or 0),
                _event_detail(event),
            )
            for event in record_events
        ]
        if not any(event.kind == "submitted" for event in record_events):
            trail.append(Event(record.received_at, "服务器接收"))
        sheets.append(
            RecordSheet(
                record_id=record.id,
                supersedes_id=record.supersedes_id,
                superseded_by=[row.id for row in corrections.get(record.id, [])],
                device_code=frozen.get("device_code", elevator.device_code if elevator else None),
                registration_code=frozen.get("registration_code"),
                use_certificate_no=elevator.use_certificate_no if elevator else None,
                rescue_code=elevator.rescue_code if elevator else None,
                elevator_type=ELEVATOR_TYPE_NAMES.get(record.elevator_type, record.elevator_type),
                address=frozen.get("address") or (elevator.address if elevator else ""),
                position=frozen.get("position"),
                district=record.district,
                use_unit_name=use_unit.name if use_unit else None,
                maintenance_unit_name=unit.name,
                maintenance_unit_phone=unit.contact_phone,
                maintenance_unit_emergency_phone=unit.emergency_phone,
                category=CATEGORY_NAMES.get(record.category, record.category),
                template_version=record.template_version,
                maintenance_day=record.maintenance_day,
                check_in_at=record.check_in_at,
                check_out_at=record.check_out_at,
                duration_seconds=record.duration_seconds,
                check_in_distance_m=record.check_in_distance_m,
                check_out_distance_m=record.check_out_distance_m,
                device_submitted_at=record.device_submitted_at,
                received_at=record.received_at,
                source=sources.get(record.source, record.source),
                technicians=[
                    Technician(row.name, row.certificate_no, TECHNICIAN_ROLE_NAMES.get(row.role, row.role))
                    for row in technicians.get(record.id, [])
                ],
                items=[
                    Item(row.seq, row.code, row.item, row.requirement, row.result, row.note, row.remark, row.added)
                    for row in items.get(record.id, [])
                ],
                replaced_parts=list(record.replaced_parts or []),
                hazards=list(record.hazards or []),
                remarks=record.remarks,
                technician_signature_png=images.get(record.signature_sha256),
                technician_signature_sha256=record.signature_sha256,
                late_upload=record.late_upload,
                flags=[name for flag, name in FLAG_NAMES.items() if getattr(record, flag)],
                signoff=_signoff(state, record_events, names, images, consents) if state is not None else None,
                events=sorted(trail, key=lambda event: event.at),
                content_hash=record.content_hash,
                proof=proof,
                verification_url=verification_url(codes[record.id]) if record.id in codes else None,
                notes=_paperless_notes(unit.name, paperless.get(record.maintenance_unit_id)),
            )
        )
    return sheets


def _paperless_notes(unit_name: str, approval: Any) -> list[str]:
    """四(六): a unit the city regulator has approved shows it, with the day of the approval in force."""
    if approval is None:
        return []
    day = approval.decided_at.astimezone(SHANGHAI).date().isoformat() if approval.decided_at else "—"
    return [f"{PAPERLESS_TEXT}：{unit_name} 的无纸化维保已经市场监管部门确认（{day} 批准，至今有效）"]


def _distance_text(distance: Decimal | None) -> str | None:
    return f"距电梯 {distance} 米" if distance is not None else None


def _event_detail(event: SignoffEvent) -> str | None:
    if event.kind == "default_confirmed" and event.deadline_at is not None:
        return "确认期限已过，未签字亦未提出异议"
    if event.kind == "signed" and event.signature_hash:
        return f"签名图像 SHA-256 {event.signature_hash[:16]}…"
    return event.reason
