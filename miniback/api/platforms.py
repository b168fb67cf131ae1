"""The platforms of the data interface, for people: the platform operator registers and manages them (details, keys,
status, history, conformance, figures); a unit admin authorises them for the unit and revokes that; anyone reads the
published list of connected platforms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, jsonify, request

from miniback.access import get_maintenance_unit_or_404, require_admin_of
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Page
from miniback.api.schemas.platforms import (
    AuthorisationIn,
    AuthorisationOut,
    AuthorisationRevokeIn,
    ConformanceOut,
    FiguresOut,
    FiguresQuery,
    KeyIn,
    PlatformEventOut,
    PlatformKeyOut,
    PlatformListItemOut,
    PlatformOut,
    PlatformQuery,
    PlatformRegistration,
    PlatformUpdate,
    PublicPlatformListOut,
    StatusIn,
    key_out,
)
from miniback.api.validation import documented, json_body, parse, query_args
from miniback.auth.current import current_account, login_required
from miniback.extensions import db
from miniback.models import Account, PlatformAuthorisation, PlatformClient, PlatformClientEvent, utcnow
from miniback.platform.access import get_authorisation_or_404, get_platform_or_404, platform_scope
from miniback.platform.authorisations import (
    authorisations_of_unit,
    authorise,
    authorised_unit_count,
    revoke_authorisation,
)
from miniback.platform.clients import (
    add_key,
    change_status,
    events_of,
    keys_of,
    register_platform,
    retire_key,
    update_platform,
)
from miniback.platform.conformance import conformance_report
from miniback.platform.figures import day_range, platform_figures
from miniback.platform.public_list import connected_platforms
from miniback.public.ratelimit import check_public_rate_limit
from miniback.public.views import cacheable
from miniback.records.calendar import local_day

bp = Blueprint("platforms", __name__)


def _platform_out(client: PlatformClient) -> dict[str, Any]:
    fields = {name: getattr(client, name) for name in PlatformOut.model_fields if hasattr(PlatformClient, name)}
    return PlatformOut(
        **fields,
        sandbox=client.status == "testing",
        keys=[key_out(key) for key in keys_of(client)],
        authorised_units=authorised_unit_count(client.id),
    ).model_dump(mode="json")


def _operator_platform(client_id: int) -> PlatformClient:
    return get_platform_or_404(client_id, current_account())


@bp.get("/platforms")
@documented(
    "对接平台列表：平台运营方看全部（可按状态、关键字筛选）；维保单位管理员看未撤销的平台，供选择授权",
    query=PlatformQuery,
    response=PlatformListItemOut,
    list_response=True,
)
@login_required("platform_operator", "mu_admin")
def list_platforms() -> Any:
    args = query_args(PlatformQuery)
    actor = current_account()
    query = db.select(PlatformClient).where(platform_scope(actor)).order_by(PlatformClient.id)
    if args.status:
        query = query.where(PlatformClient.status == args.status)
    if args.q:
        query = query.where(
            PlatformClient.code.contains(args.q, autoescape=True)
            | PlatformClient.name.contains(args.q, autoescape=True)
            | PlatformClient.company_name.contains(args.q, autoescape=True)
        )

    def prepare(clients: Sequence[PlatformClient]) -> list[dict[str, Any]]:
        authorised: set[int] | None = None
        if actor.role == "mu_admin":
            authorised = set(
                db.session.execute(
                    db.select(PlatformAuthorisation.platform_client_id).where(
                        PlatformAuthorisation.maintenance_unit_id == actor.maintenance_unit_id,
                        PlatformAuthorisation.platform_client_id.in_([client.id for client in clients]),
                        PlatformAuthorisation.revoked_at.is_(None),
                    )
                ).scalars()
            )
        return [
            PlatformListItemOut(
                id=client.id,
                code=client.code,
                name=client.name,
                company_name=client.company_name,
                company_credit_code=client.company_credit_code,
                status=client.status,  # type: ignore[arg-type]
                connected_at=client.connected_at,
                created_at=client.created_at,
                authorised=None if authorised is None else client.id in authorised,
            ).model_dump(mode="json")
            for client in clients
        ]

    return paginate(query, args.page, args.per_page, serialize=lambda item: item, prepare=prepare)


@bp.post("/platforms")
@documented(
    "登记对接平台（进入沙箱测试状态），同时创建其专用账号（不能登录）；可同时登记第一个公钥",
    body=PlatformRegistration,
    response=PlatformOut,
    status=201,
)
@login_required("platform_operator")
def add_platform() -> Any:
    data = json_body(PlatformRegistration)
    client = register_platform(data.model_dump(exclude={"public_key_pem"}), current_account(), data.public_key_pem)
    out = _platform_out(client)
    db.session.commit()
    return out, 201


@bp.get("/platforms/<int:client_id>")
@documented("对接平台详情（含全部公钥）", response=PlatformOut)
@login_required("platform_operator")
def get_platform(client_id: int) -> Any:
    return _platform_out(_operator_platform(client_id))


@bp.patch("/platforms/<int:client_id>")
@documented("修改对接平台信息（留存变更历史）；平台代码不可修改", body=PlatformUpdate, response=PlatformOut)
@login_required("platform_operator")
def change_platform(client_id: int) -> Any:
    client = _operator_platform(client_id)
    data = json_body(PlatformUpdate)
    update_platform(client, data.model_dump(exclude_unset=True), current_account())
    out = _platform_out(client)
    db.session.commit()
    return out


@bp.post("/platforms/<int:client_id>/keys")
@documented(
    "为平台登记公钥（最多 2 个有效公钥，便于轮换）；返回平台签名时使用的 key_id",
    body=KeyIn,
    response=PlatformKeyOut,
    status=201,
)
@login_required("platform_operator")
def add_platform_key(client_id: int) -> Any:
    client = _operator_platform(client_id)
    key = add_key(client, json_body(KeyIn).public_key_pem, actor=current_account())
    out = key_out(key).model_dump(mode="json")
    db.session.commit()
    return out, 201


@bp.post("/platforms/<int:client_id>/keys/<string:key>/retire")
@documented("停用平台的一个公钥（不能停用唯一的有效公钥）；已停用的公钥仍用于核验历史签名", response=PlatformKeyOut)
@login_required("platform_operator")
def retire_platform_key(client_id: int, key: str) -> Any:
    client = _operator_platform(client_id)
    retired = retire_key(client, key, actor=current_account())
    out = key_out(retired).model_dump(mode="json")
    db.session.commit()
    return out


@bp.post("/platforms/<int:client_id>/status")
@documented(
    "平台上线、暂停、恢复或撤销：上线须对接测试全部通过；暂停、撤销须填写原因；撤销不可恢复",
    body=StatusIn,
    response=PlatformOut,
)
@login_required("platform_operator")
def change_platform_status(client_id: int) -> Any:
    client = _operator_platform(client_id)
    data = json_body(StatusIn)
    change_status(client, data.status, data.reason, current_account())
    out = _platform_out(client)
    db.session.commit()
    return out


def _with_actor_names(events: Sequence[PlatformClientEvent]) -> list[dict[str, Any]]:
    ids = {event.actor_id for event in events if event.actor_id is not None}
    names: dict[int, str] = {}
    if ids:
        rows = db.session.execute(db.select(Account.id, Account.name).where(Account.id.in_(ids))).tuples()
        names = dict(rows.all())
    return [
        PlatformEventOut(
            id=event.id,
            kind=event.kind,  # type: ignore[arg-type]
            from_status=event.from_status,  # type: ignore[arg-type]
            to_status=event.to_status,  # type: ignore[arg-type]
            reason=event.reason,
            changes=event.changes,
            actor_id=event.actor_id,
            actor_name=names.get(event.actor_id) if event.actor_id is not None else None,
            key_id=event.key_id,
            occurred_at=event.occurred_at,
        ).model_dump(mode="json")
        for event in events
    ]


@bp.get("/platforms/<int:client_id>/events")
@documented(
    "平台的变更历史（登记、信息修改、公钥、状态及原因），最新在前",
    query=Page,
    response=PlatformEventOut,
    list_response=True,
)
@login_required("platform_operator")
def platform_events(client_id: int) -> Any:
    args = query_args(Page)
    client = _operator_platform(client_id)
    return paginate(events_of(client), args.page, args.per_page, serialize=lambda item: item, prepare=_with_actor_names)


@bp.get("/platforms/<int:client_id>/conformance")
@documented("对接测试报告：由平台在沙箱中的调用与回调计算，逐项 ✓/✗", response=ConformanceOut)
@login_required("platform_operator")
def platform_conformance(client_id: int) -> Any:
    report = conformance_report(_operator_platform(client_id))
    return ConformanceOut.model_validate(report).model_dump(mode="json")


@bp.get("/platforms/<int:client_id>/figures")
@documented(
    "平台上线后的抽查指标（按北京时间逐日）：上传数、重复、按错误码的拒绝数、逾期上传占比、异常标记占比、回调失败",
    query=FiguresQuery,
    response=FiguresOut,
)
@login_required("platform_operator")
def platform_figures_view(client_id: int) -> Any:
    args = query_args(FiguresQuery)
    client = _operator_platform(client_id)
    start, end = day_range(args.date_from, args.date_to, local_day(utcnow()))
    days = platform_figures(client, start, end)
    return FiguresOut.model_validate({"date_from": start, "date_to": end, "days": days}).model_dump(mode="json")


def _authorisation_out(grants: Sequence[PlatformAuthorisation]) -> list[dict[str, Any]]:
    ids = {grant.platform_client_id for grant in grants}
    platforms = {}
    if ids:
        query = db.select(PlatformClient.id, PlatformClient.code, PlatformClient.name, PlatformClient.status)
        platforms = {row[0]: row[1:] for row in db.session.execute(query.where(PlatformClient.id.in_(ids)))}
    people_ids = ({grant.granted_by_id for grant in grants} | {grant.revoked_by_id for grant in grants}) - {None}
    people: dict[int | None, str] = {}
    if people_ids:
        rows = db.session.execute(db.select(Account.id, Account.name).where(Account.id.in_(people_ids)))
        people = {row.id: row.name for row in rows}
    out = []
    for grant in grants:
        code, name, status = platforms[grant.platform_client_id]
        out.append(
            AuthorisationOut(
                id=grant.id,
                platform_client_id=grant.platform_client_id,
                platform_code=code,
                platform_name=name,
                platform_status=status,
                maintenance_unit_id=grant.maintenance_unit_id,
                granted_by_id=grant.granted_by_id,
                granted_by_name=people.get(grant.granted_by_id),
                granted_at=grant.granted_at,
                revoked_by_id=grant.revoked_by_id,
                revoked_by_name=people.get(grant.revoked_by_id),
                revoked_at=grant.revoked_at,
                revoke_reason=grant.revoke_reason,
                live=grant.revoked_at is None,
            ).model_dump(mode="json")
        )
    return out


@bp.get("/maintenance-units/<int:unit_id>/platform-authorisations")
@documented(
    "本单位对数据接口平台的授权（含已撤销的，最新在前）：本单位管理员、平台运营方可查看",
    query=Page,
    response=AuthorisationOut,
    list_response=True,
)
@login_required("platform_operator", "mu_admin")
def list_authorisations(unit_id: int) -> Any:
    args = query_args(Page)
    unit = get_maintenance_unit_or_404(unit_id, current_account())
    query = authorisations_of_unit(unit.id)
    return paginate(query, args.page, args.per_page, serialize=lambda item: item, prepare=_authorisation_out)


@bp.post("/maintenance-units/<int:unit_id>/platform-authorisations")
@documented(
    "维保单位授权一个平台代表本单位上传记录、查询本单位电梯与人员（四(四)）；同一平台同时只有一个有效授权",
    body=AuthorisationIn,
    response=AuthorisationOut,
    status=201,
)
@login_required("mu_admin")
def add_authorisation(unit_id: int) -> Any:
    actor = current_account()
    unit = get_maintenance_unit_or_404(unit_id, actor)
    require_admin_of(actor, unit)
    client = get_platform_or_404(json_body(AuthorisationIn).platform_client_id, actor)
    grant = authorise(client, unit, actor)
    out = _authorisation_out([grant])[0]
    db.session.commit()
    return out, 201


@bp.post("/platform-authorisations/<int:authorisation_id>/revoke")
@documented(
    "撤销本单位对平台的授权：平台的下一个请求起即不能再为本单位上传或查询（请求体可省略）",
    body=AuthorisationRevokeIn,
    response=AuthorisationOut,
)
@login_required("mu_admin")
def revoke_authorisation_view(authorisation_id: int) -> Any:
    actor = current_account()
    grant = get_authorisation_or_404(authorisation_id, actor)
    data = json_body(AuthorisationRevokeIn) if request.get_data() else parse(AuthorisationRevokeIn, {})
    revoked = revoke_authorisation(grant, actor, data.reason)
    out = _authorisation_out([revoked])[0]
    db.session.commit()
    return out


@bp.get("/public/platforms")
@documented("公开：已完成对接平台名单（无需登录）", response=PublicPlatformListOut, auth=False)
def public_platforms() -> Any:
    check_public_rate_limit()
    items = connected_platforms()
    body = PublicPlatformListOut.model_validate({"items": items, "total": len(items)}).model_dump(mode="json")
    return cacheable(jsonify(body))
