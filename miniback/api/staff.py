"""The unit's hierarchy (分级设置) and people: org nodes, staff, moves, deactivation, WeChat bind codes."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint, Response, current_app

from miniback.access import (
    get_org_node_or_404,
    get_staff_or_404,
    org_node_scope,
    require_active_unit,
    staff_scope,
)
from miniback.api.auth import AccountOut
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Mobile, Out, Page, Text50, Text100
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.auth.wechat_login import issue_bind_code
from miniback.errors import Forbidden, NotFound, ValidationFailed
from miniback.extensions import db
from miniback.models import Account, OrgNode
from miniback.registry.accounts import deactivate_account
from miniback.registry.staff import (
    create_org_node,
    create_staff,
    delete_org_node,
    move_org_node,
    move_staff,
    node_of_unit,
    rename_org_node,
    update_staff,
)

bp = Blueprint("staff", __name__)

ADMINS = ("mu_admin", "uu_admin")


class OrgNodeIn(Schema):
    name: Text100
    parent_id: int | None = None


class OrgNodeUpdate(Schema):
    """Rename and/or move: ``parent_id`` null moves the node to the top level; leave it out to keep the parent."""

    name: Text100 | None = None
    parent_id: int | None = None


class OrgNodeOut(Out):
    id: int
    parent_id: int | None
    name: str
    path: str
    maintenance_unit_id: int


class StaffIn(Schema):
    name: Text50
    mobile: Mobile
    certificate_no: Text50 | None = None
    role: Literal["mu_supervisor", "technician", "uu_manager"]
    org_node_id: int | None = None


class StaffUpdate(Schema):
    name: Text50 | None = None
    mobile: Mobile | None = None
    certificate_no: Text50 | None = None
    role: Literal["mu_supervisor", "technician"] | None = None
    org_node_id: int | None = None


# Every role the staff list can show (all but the platform operator); a bad value is refused like other enums.
ListedRole = Literal["regulator", "inspector", "mu_admin", "mu_supervisor", "technician", "uu_admin", "uu_manager"]


class StaffQuery(Page):
    org_node_id: int | None = None
    role: ListedRole | None = None
    active: bool | None = None
    name: Text50 | None = None  # part of the name, e.g. a surname


class BindCodeOut(Out):
    bind_code: str
    expires_in_seconds: int


@bp.get("/org-nodes")
@documented("本单位组织架构节点", query=Page, response=OrgNodeOut, list_response=True)
@login_required("platform_operator", "mu_admin", "mu_supervisor", "technician")
def list_org_nodes() -> Any:
    args = query_args(Page)
    query = db.select(OrgNode).where(org_node_scope(current_account())).order_by(OrgNode.path)
    return paginate(query, args.page, args.per_page, OrgNodeOut)


@bp.post("/org-nodes")
@documented("新建组织节点（分公司、班组……任意层级）", body=OrgNodeIn, response=OrgNodeOut, status=201)
@login_required("mu_admin")
def add_org_node() -> Any:
    actor = current_account()
    require_active_unit(actor)
    data = json_body(OrgNodeIn)
    parent = get_org_node_or_404(data.parent_id, actor) if data.parent_id is not None else None
    assert actor.maintenance_unit_id is not None
    node = create_org_node(actor.maintenance_unit_id, parent, data.name)
    db.session.commit()
    return OrgNodeOut.model_validate(node).model_dump(mode="json"), 201


@bp.patch("/org-nodes/<int:node_id>")
@documented(
    "重命名组织节点，或连同下级移到本单位的另一节点下（parent_id 为 null 即移到顶层）",
    body=OrgNodeUpdate,
    response=OrgNodeOut,
)
@login_required("mu_admin")
def change_org_node(node_id: int) -> Any:
    actor = current_account()
    node = get_org_node_or_404(node_id, actor)
    data = json_body(OrgNodeUpdate)
    if not data.model_fields_set:
        raise ValidationFailed("请提供 name 或 parent_id", fields={"name": "必填"})
    if data.name is not None:
        rename_org_node(node, data.name)
    if "parent_id" in data.model_fields_set:
        try:
            parent = get_org_node_or_404(data.parent_id, actor) if data.parent_id is not None else None
        except NotFound:
            raise NotFound("找不到该组织节点", fields={"parent_id": "不存在"}) from None
        move_org_node(node, parent)
    out = OrgNodeOut.model_validate(node).model_dump(mode="json")
    db.session.commit()
    return out


@bp.delete("/org-nodes/<int:node_id>")
@documented("删除空的组织节点（没有下级节点、人员和维保记录）", status=204)
@login_required("mu_admin")
def remove_org_node(node_id: int) -> Any:
    delete_org_node(get_org_node_or_404(node_id, current_account()))
    db.session.commit()
    return Response(status=204)


def _staff_role_allowed(actor: Account, role: str) -> None:
    mu_roles = ("mu_supervisor", "technician")
    if (actor.role == "mu_admin" and role not in mu_roles) or (actor.role == "uu_admin" and role != "uu_manager"):
        raise ValidationFailed(fields={"role": "本单位不能创建该角色的人员"})


@bp.get("/staff")
@documented(
    "人员列表（管理员看本单位，主管看下属节点，其他人只看自己）；可按角色、节点、在职与姓名（包含）筛选",
    query=StaffQuery,
    response=AccountOut,
    list_response=True,
)
@login_required()
def list_staff() -> Any:
    args = query_args(StaffQuery)
    actor = current_account()
    query = db.select(Account).where(staff_scope(actor), Account.role.notin_(("platform_operator",)))
    if args.org_node_id is not None:
        query = query.where(Account.org_node_id == args.org_node_id)
    if args.role:
        query = query.where(Account.role == args.role)
    if args.active is not None:
        query = query.where(Account.active.is_(args.active))
    if args.name:
        query = query.where(Account.name.contains(args.name, autoescape=True))
    return paginate(query.order_by(Account.id), args.page, args.per_page, AccountOut)


@bp.post("/staff")
@documented(
    "新增人员：维保单位管理员建主管/维保人员，使用单位管理员建安全管理人员",
    body=StaffIn,
    response=AccountOut,
    status=201,
)
@login_required(*ADMINS)
def add_staff() -> Any:
    actor = current_account()
    require_active_unit(actor)
    data = json_body(StaffIn)
    _staff_role_allowed(actor, data.role)
    if actor.role == "uu_admin" and data.org_node_id is not None:
        raise ValidationFailed(fields={"org_node_id": "使用单位人员没有组织节点"})
    node = node_of_unit(data.org_node_id, actor.maintenance_unit_id)
    if actor.role == "mu_admin" and node is None:
        raise ValidationFailed(fields={"org_node_id": "请选择所属组织节点"})
    account = create_staff(actor, data.model_dump(), node)
    db.session.commit()
    return AccountOut.of(account), 201


class ColleagueOut(Out):
    id: int
    name: str
    org_node_id: int | None


@bp.get("/staff/colleagues")
@documented(
    "同单位在职维保人员（选择第二维保人员用）",
    query=Page,
    response=ColleagueOut,
    list_response=True,
)
@login_required("technician", "mu_supervisor")
def list_colleagues() -> Any:
    args = query_args(Page)
    actor = current_account()
    query = (
        db.select(Account)
        .where(
            Account.maintenance_unit_id == actor.maintenance_unit_id,
            Account.role == "technician",
            Account.active.is_(True),
            Account.id != actor.id,
        )
        # The actor's own team first, then the rest of the unit.
        .order_by((Account.org_node_id != actor.org_node_id), Account.name, Account.id)
    )
    return paginate(query, args.page, args.per_page, ColleagueOut)


@bp.get("/staff/<int:account_id>")
@documented("人员详情", response=AccountOut)
@login_required()
def get_staff(account_id: int) -> Any:
    return AccountOut.of(get_staff_or_404(account_id, current_account()))


def _managed_staff(account_id: int) -> tuple[Account, Account]:
    actor = current_account()
    account = get_staff_or_404(account_id, actor)
    if actor.role not in ADMINS or account.role in ADMINS:
        raise Forbidden("只有本单位系统管理员可以管理人员")
    return actor, account


@bp.patch("/staff/<int:account_id>")
@documented("修改人员信息或调动到其他节点（留存历史）", body=StaffUpdate, response=AccountOut)
@login_required(*ADMINS)
def change_staff(account_id: int) -> Any:
    actor, account = _managed_staff(account_id)
    data = json_body(StaffUpdate)
    changes = data.model_dump(exclude_none=True, exclude={"org_node_id"})
    if data.role is not None:
        _staff_role_allowed(actor, data.role)
    update_staff(actor, account, changes)
    if data.org_node_id is not None:
        if actor.role != "mu_admin":
            raise ValidationFailed(fields={"org_node_id": "使用单位人员没有组织节点"})
        node = node_of_unit(data.org_node_id, actor.maintenance_unit_id)
        assert node is not None
        move_staff(actor, account, node)
    db.session.commit()
    return AccountOut.of(account)


@bp.post("/staff/<int:account_id>/deactivate")
@documented("停用人员：立即不能登录，历史记录保留", response=AccountOut)
@login_required(*ADMINS)
def deactivate_staff_view(account_id: int) -> Any:
    actor, account = _managed_staff(account_id)
    deactivate_account(actor, account)
    db.session.commit()
    return AccountOut.of(account)


@bp.post("/staff/<int:account_id>/bind-code")
@documented("发放一次性微信绑定码（有效期内只能使用一次，旧码作废）", response=BindCodeOut, status=201)
@login_required(*ADMINS)
def bind_code_for_staff(account_id: int) -> Any:
    actor, account = _managed_staff(account_id)
    require_active_unit(actor)
    ttl = current_app.config["BIND_CODE_TTL_SECONDS"]
    code = issue_bind_code(actor, account, ttl)
    db.session.commit()
    return {"bind_code": code, "expires_in_seconds": ttl}, 201
