"""Issue 18's rules: use-unit consent to the default confirmation (四(三)), paperless approval (四(六)),
rectification and suspension notices (五(一))."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import select

from jobs.enqueue import schedule_deadline
from miniback.access import get_maintenance_unit_or_404, get_use_unit_or_404, require_admin_of, signoff_scope
from miniback.api.pagination import paginate
from miniback.api.schemas.rules import (
    AwaitingConsentOut,
    AwaitingConsentQuery,
    ConsentIn,
    ConsentOut,
    NoticeCloseIn,
    NoticeEscalateIn,
    NoticeEventOut,
    NoticeIn,
    NoticeListQuery,
    NoticeOut,
    NoticeReplyIn,
    PaperlessApplicationOut,
    PaperlessApplyIn,
    PaperlessDecisionIn,
    PaperlessEventOut,
    PaperlessFiguresOut,
    PaperlessListQuery,
    PaperlessStatusOut,
    RulesOut,
    UnitConsentOut,
)
from miniback.api.validation import documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.extensions import db
from miniback.models import (
    Account,
    MaintenanceUnit,
    PaperlessApplication,
    RegulatorNotice,
    SignoffState,
    UseUnit,
    UseUnitConsent,
    utcnow,
)
from miniback.records.calendar import local_day
from miniback.registry import notices, paperless
from miniback.statistics.definitions import indicator
from miniback.statistics.query import figures
from miniback.statistics.scope import Filters
from signoff.consent import accept_rules, awaiting_consent_scope, consent_on_file, consents_of, current_rules

bp = Blueprint("rules", __name__)

# The period of the figures an application shows: the last 90 days (Shanghai), today included.
FIGURES_DAYS = 90

PAPERLESS_LABELS = {"pending": "待审核", "approved": "已批准", "rejected": "已驳回", "withdrawn": "已撤销"}
NOTICE_STATUS_LABELS = {
    "issued": "已下达",
    "acknowledged": "已签收",
    "replied": "已回复",
    "closed": "已关闭",
    "escalated": "已升级为中止意见",
}


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(db.session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted))).tuples().all())


# ---- consent -------------------------------------------------------------------------------------------------


@bp.get("/signoff-rules")
@documented("现行《默认签名确认规则》（版本、签名期限规则、最短签名时限、异议期与全文）", response=RulesOut)
@login_required()
def rules_view() -> Any:
    rules = current_rules()
    return RulesOut(
        version=rules.version,
        published_at=rules.published_at,
        deadline_rule=rules.deadline_rule,
        min_window_minutes=rules.min_window_minutes,
        objection_period_days=rules.objection_period_days,
        body=rules.body,
        text_sha256=rules.sha256,
    ).model_dump(mode="json")


def _consent_out(consent: UseUnitConsent, names: dict[int, str]) -> ConsentOut:
    out = ConsentOut.model_validate(consent)
    out.accepted_by_name = names.get(consent.accepted_by_id)
    return out


def _unit_consent(unit: UseUnit, renewed: list[int] | None = None) -> dict[str, Any]:
    history = consents_of(unit.id)
    names = _names({consent.accepted_by_id for consent in history})
    latest = consent_on_file(unit)
    version = current_rules().version
    return UnitConsentOut(
        use_unit_id=unit.id,
        current_version=version,
        consented=latest is not None and latest.rule_version == version,
        consent=_consent_out(latest, names) if latest is not None else None,
        history=[_consent_out(consent, names) for consent in history],
        renewed_record_ids=renewed or [],
    ).model_dump(mode="json")


@bp.get("/use-units/<int:unit_id>/consent")
@documented("使用单位对默认签名确认规则的同意情况（现行版本是否已同意、历次同意）", response=UnitConsentOut)
@login_required()
def unit_consent_view(unit_id: int) -> Any:
    return _unit_consent(get_use_unit_or_404(unit_id, current_account()))


@bp.post("/use-units/<int:unit_id>/consent")
@documented(
    "使用单位管理员阅读并同意现行《默认签名确认规则》（记录同意人、时间、版本和文本 SHA-256）",
    body=ConsentIn,
    response=UnitConsentOut,
    status=201,
)
@login_required("uu_admin")
def give_consent_view(unit_id: int) -> Any:
    actor = current_account()
    unit = get_use_unit_or_404(unit_id, actor)
    require_admin_of(actor, unit)
    data = json_body(ConsentIn)
    window = timedelta(seconds=current_app.config["SIGNOFF_MIN_WINDOW_SECONDS"])
    accepted = accept_rules(unit, actor, data.version, data.text_sha256, now=utcnow(), min_window=window)
    db.session.commit()
    if accepted.renewed_deadline is not None:
        schedule_deadline(accepted.renewed_deadline)
    return _unit_consent(unit, accepted.renewed), 201


@bp.get("/signoff/awaiting-consent")
@documented(
    "超期未签名、因使用单位尚未同意默认签名确认规则而未默认确认的维保记录",
    query=AwaitingConsentQuery,
    response=AwaitingConsentOut,
    list_response=True,
)
@login_required()
def awaiting_consent_view() -> Any:
    args = query_args(AwaitingConsentQuery)
    query = (
        select(SignoffState)
        .where(awaiting_consent_scope(utcnow()), signoff_scope(current_account()))
        .order_by(SignoffState.deadline_at, SignoffState.record_id)
    )
    if args.use_unit_id is not None:
        query = query.where(SignoffState.use_unit_id == args.use_unit_id)
    names: dict[int, str] = {}

    def prepare(states: Sequence[SignoffState]) -> Sequence[SignoffState]:
        unit_ids = {state.use_unit_id for state in states if state.use_unit_id is not None}
        if unit_ids:
            names.update(
                db.session.execute(select(UseUnit.id, UseUnit.name).where(UseUnit.id.in_(unit_ids))).tuples().all()
            )
        return states

    def serialize(state: SignoffState) -> dict[str, Any]:
        return AwaitingConsentOut(
            record_id=state.record_id,
            elevator_id=state.elevator_id,
            use_unit_id=state.use_unit_id,
            use_unit_name=names.get(state.use_unit_id) if state.use_unit_id is not None else None,
            maintenance_unit_id=state.maintenance_unit_id,
            maintenance_day=state.maintenance_day,
            district=state.district,
            deadline_at=state.deadline_at,
        ).model_dump(mode="json")

    return paginate(query, args.page, args.per_page, serialize=serialize, prepare=prepare)


# ---- paperless approval --------------------------------------------------------------------------------------


def unit_figures(unit_id: int) -> PaperlessFiguresOut:
    """The unit's own figures over the last ``FIGURES_DAYS`` days, read from ``miniback.statistics`` (its
    indicators, its rollups): same-day upload rate, on-time rate, default-confirmed share; and the days on which
    every record of the unit was uploaded the same day (its same-day upload figure per day)."""
    end = local_day(utcnow())
    start = end - timedelta(days=FIGURES_DAYS - 1)
    filters = Filters(maintenance_unit_id=unit_id)
    wanted = [indicator(code) for code in ("same_day_upload_rate", "on_time_rate", "default_confirmed_rate")]
    total = figures(wanted, start, end, filters, "none").get("", {})
    daily = figures([indicator("same_day_upload_rate")], start, end, filters, "day")
    same_day_days = sum(
        1
        for by_code in daily.values()
        if (day := by_code.get("same_day_upload_rate")) is not None
        and day.denominator
        and day.numerator == day.denominator
    )

    def value(code: str) -> float | None:
        found = total.get(code)
        return found.value if found is not None else None

    records = total.get("same_day_upload_rate")
    return PaperlessFiguresOut(
        period_start=start,
        period_end=end,
        same_day_upload_days=same_day_days,
        same_day_upload_rate=value("same_day_upload_rate"),
        on_time_rate=value("on_time_rate"),
        default_confirmed_share=value("default_confirmed_rate"),
        records=(records.denominator or 0) if records is not None else 0,
    )


def _application_out(application: PaperlessApplication, *, with_events: bool = True) -> dict[str, Any]:
    events = paperless.events_of(application.id) if with_events else []
    names = _names({event.actor_id for event in events})
    unit_name = db.session.execute(
        select(MaintenanceUnit.name).where(MaintenanceUnit.id == application.maintenance_unit_id)
    ).scalar()
    out = PaperlessApplicationOut(
        id=application.id,
        maintenance_unit_id=application.maintenance_unit_id,
        maintenance_unit_name=unit_name,
        status=application.status,
        status_label=PAPERLESS_LABELS[application.status],
        statement=application.statement,
        figures=application.figures,
        applied_by_id=application.applied_by_id,
        applied_at=application.applied_at,
        decided_by_id=application.decided_by_id,
        decided_at=application.decided_at,
        reason=application.reason,
        events=[
            PaperlessEventOut(
                id=event.id,
                kind=event.kind,
                actor_id=event.actor_id,
                actor_name=names.get(event.actor_id),
                reason=event.reason,
                occurred_at=event.occurred_at,
            )
            for event in events
        ],
    )
    return out.model_dump(mode="json")


@bp.get("/maintenance-units/<int:unit_id>/paperless")
@documented("维保单位的无纸化状态：是否已获准停止使用纸质维保记录、当前指标与历次申请", response=PaperlessStatusOut)
@login_required()
def paperless_status_view(unit_id: int) -> Any:
    actor = current_account()
    unit = get_maintenance_unit_or_404(unit_id, actor)
    approval = paperless.paperless_approved(unit.id)
    applications = db.session.execute(
        select(PaperlessApplication)
        .where(PaperlessApplication.maintenance_unit_id == unit.id)
        .order_by(PaperlessApplication.id.desc())
    ).scalars()
    return PaperlessStatusOut(
        maintenance_unit_id=unit.id,
        paperless=approval is not None,
        label=paperless.PAPERLESS_TEXT if approval is not None else None,
        approval=PaperlessApplicationOut.model_validate(_application_out(approval)) if approval else None,
        figures=unit_figures(unit.id),
        applications=[PaperlessApplicationOut.model_validate(_application_out(a)) for a in applications],
    ).model_dump(mode="json")


@bp.post("/paperless-applications")
@documented(
    "维保单位申请停止使用纸质维保记录（附本单位当日上传天数、按期率、默认确认占比）",
    body=PaperlessApplyIn,
    response=PaperlessApplicationOut,
    status=201,
)
@login_required("mu_admin")
def apply_view() -> Any:
    actor = current_account()
    assert actor.maintenance_unit_id is not None
    unit = get_maintenance_unit_or_404(actor.maintenance_unit_id, actor)
    data = json_body(PaperlessApplyIn)
    shown = unit_figures(unit.id).model_dump(mode="json")
    application = paperless.apply_for_paperless(unit, actor, data.statement, shown, now=utcnow())
    db.session.commit()
    return _application_out(application), 201


@bp.get("/paperless-applications")
@documented(
    "无纸化申请列表（市级监管部门、检验机构、平台运营方看全部；维保单位看本单位）",
    query=PaperlessListQuery,
    response=PaperlessApplicationOut,
    list_response=True,
)
@login_required()
def applications_view() -> Any:
    args = query_args(PaperlessListQuery)
    query = (
        select(PaperlessApplication)
        .where(paperless.application_scope(current_account()))
        .order_by(PaperlessApplication.id.desc())
    )
    if args.status is not None:
        query = query.where(PaperlessApplication.status == args.status)
    return paginate(query, args.page, args.per_page, serialize=lambda a: _application_out(a, with_events=False))


@bp.get("/paperless-applications/<int:application_id>")
@documented("无纸化申请详情及其历史", response=PaperlessApplicationOut)
@login_required()
def application_view(application_id: int) -> Any:
    return _application_out(paperless.get_application_or_404(application_id, current_account()))


def _decision(application_id: int, operation: Any) -> Any:
    actor = current_account()
    application = paperless.get_application_or_404(application_id, actor)
    data = json_body(PaperlessDecisionIn)
    operation(application, actor, data.reason, now=utcnow())
    db.session.commit()
    return _application_out(application)


@bp.post("/paperless-applications/<int:application_id>/approve")
@documented("市级监管部门批准无纸化申请（附理由）", body=PaperlessDecisionIn, response=PaperlessApplicationOut)
@login_required("regulator")
def approve_view(application_id: int) -> Any:
    return _decision(application_id, paperless.approve)


@bp.post("/paperless-applications/<int:application_id>/reject")
@documented("市级监管部门驳回无纸化申请（附理由）", body=PaperlessDecisionIn, response=PaperlessApplicationOut)
@login_required("regulator")
def reject_view(application_id: int) -> Any:
    return _decision(application_id, paperless.reject)


@bp.post("/paperless-applications/<int:application_id>/withdraw")
@documented(
    "市级监管部门撤销已批准的无纸化申请（附理由；该单位恢复使用纸质记录）",
    body=PaperlessDecisionIn,
    response=PaperlessApplicationOut,
)
@login_required("regulator")
def withdraw_view(application_id: int) -> Any:
    return _decision(application_id, paperless.withdraw)


# ---- regulator notices ---------------------------------------------------------------------------------------


def _notice_out(notice: RegulatorNotice, *, with_events: bool = True) -> dict[str, Any]:
    records, elevators = notices.subjects_of(notice.id) if with_events else ([], [])
    events = notices.events_of(notice.id) if with_events else []
    names = _names({event.actor_id for event in events})
    unit = db.session.get(MaintenanceUnit, notice.maintenance_unit_id)
    return NoticeOut(
        id=notice.id,
        kind=notice.kind,
        kind_label=notices.KIND_NAMES[notice.kind],
        maintenance_unit_id=notice.maintenance_unit_id,
        maintenance_unit_name=unit.name if unit else None,
        district=notice.district,
        findings=notice.findings,
        deadline_at=notice.deadline_at,
        status=notice.status,
        status_label=NOTICE_STATUS_LABELS[notice.status],
        in_force=unit is not None and unit.halted_by_notice_id == notice.id,
        issued_by_id=notice.issued_by_id,
        issued_at=notice.issued_at,
        escalated_to_id=notice.escalated_to_id,
        subject_record_ids=records,
        subject_elevator_ids=elevators,
        events=[
            NoticeEventOut(
                id=event.id,
                kind=event.kind,
                actor_id=event.actor_id,
                actor_name=names.get(event.actor_id),
                text=event.text,
                record_ids=event.record_ids,
                occurred_at=event.occurred_at,
            )
            for event in events
        ],
    ).model_dump(mode="json")


@bp.post("/regulator-notices")
@documented(
    "监管部门向维保单位下达整改意见或中止意见（问题、所涉记录或电梯、期限；中止意见立即生效）",
    body=NoticeIn,
    response=NoticeOut,
    status=201,
)
@login_required("regulator")
def issue_notice_view() -> Any:
    actor = current_account()
    data = json_body(NoticeIn)
    unit = notices.unit_for_regulator_or_404(data.maintenance_unit_id, actor)
    notice = notices.issue_notice(
        actor,
        unit,
        kind=data.kind,
        findings=data.findings,
        deadline_at=data.deadline_at,
        record_ids=data.record_ids,
        elevator_ids=data.elevator_ids,
        now=utcnow(),
    )
    db.session.commit()
    return _notice_out(notice), 201


@bp.get("/regulator-notices")
@documented(
    "监管意见列表（区级监管部门看本区下达的，市级看全部，维保单位管理员看本单位收到的）",
    query=NoticeListQuery,
    response=NoticeOut,
    list_response=True,
)
@login_required("regulator", "inspector", "platform_operator", "mu_admin")
def notices_view() -> Any:
    args = query_args(NoticeListQuery)
    query = select(RegulatorNotice).where(notices.notice_scope(current_account())).order_by(RegulatorNotice.id.desc())
    if args.status is not None:
        query = query.where(RegulatorNotice.status == args.status)
    if args.maintenance_unit_id is not None:
        query = query.where(RegulatorNotice.maintenance_unit_id == args.maintenance_unit_id)
    return paginate(query, args.page, args.per_page, serialize=lambda n: _notice_out(n, with_events=False))


@bp.get("/regulator-notices/<int:notice_id>")
@documented("监管意见详情：所涉记录与电梯、签收、回复、关闭或升级的全部经过", response=NoticeOut)
@login_required("regulator", "inspector", "platform_operator", "mu_admin")
def notice_view(notice_id: int) -> Any:
    return _notice_out(notices.get_notice_or_404(notice_id, current_account()))


@bp.post("/regulator-notices/<int:notice_id>/acknowledge")
@documented("维保单位管理员签收监管意见", response=NoticeOut)
@login_required("mu_admin")
def acknowledge_view(notice_id: int) -> Any:
    actor = current_account()
    notice = notices.acknowledge(notices.get_notice_or_404(notice_id, actor), actor, now=utcnow())
    db.session.commit()
    return _notice_out(notice)


@bp.post("/regulator-notices/<int:notice_id>/reply")
@documented("维保单位管理员回复监管意见（整改情况，可附维保记录）", body=NoticeReplyIn, response=NoticeOut)
@login_required("mu_admin")
def reply_view(notice_id: int) -> Any:
    actor = current_account()
    notice = notices.get_notice_or_404(notice_id, actor)
    data = json_body(NoticeReplyIn)
    notices.reply(notice, actor, data.text, data.record_ids, now=utcnow())
    db.session.commit()
    return _notice_out(notice)


@bp.post("/regulator-notices/<int:notice_id>/close")
@documented("监管部门关闭监管意见（关闭中止意见即解除中止）", body=NoticeCloseIn, response=NoticeOut)
@login_required("regulator")
def close_view(notice_id: int) -> Any:
    actor = current_account()
    notice = notices.get_notice_or_404(notice_id, actor)
    notices.close(notice, actor, json_body(NoticeCloseIn).text, now=utcnow())
    db.session.commit()
    return _notice_out(notice)


@bp.post("/regulator-notices/<int:notice_id>/escalate")
@documented(
    "监管部门将未整改的整改意见升级为中止意见（立即生效）", body=NoticeEscalateIn, response=NoticeOut, status=201
)
@login_required("regulator")
def escalate_view(notice_id: int) -> Any:
    actor = current_account()
    notice = notices.get_notice_or_404(notice_id, actor)
    data = json_body(NoticeEscalateIn)
    suspension = notices.escalate(notice, actor, data.findings, data.deadline_at, now=utcnow())
    db.session.commit()
    return _notice_out(suspension), 201
