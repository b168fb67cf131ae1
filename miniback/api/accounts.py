"""Every account, for the platform operator (the monitoring centre): list and search, create the authorities'
accounts, deactivate and reactivate them. A unit's own people are managed by its admin under ``/staff``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

from flask import Blueprint

from miniback.access import get_account_or_404
from miniback.api.auth import AccountOut
from miniback.api.pagination import paginate
from miniback.api.schemas.fields import Page, Password, Text50, Username
from miniback.api.validation import Schema, documented, json_body, query_args
from miniback.auth.current import current_account, login_required
from miniback.extensions import db
from miniback.models import PLATFORM_ROLE, ROLES, Account, MaintenanceUnit, UseUnit
from miniback.registry.accounts import (
    create_authority_account,
    deactivate_account,
    reactivate_account,
    require_authority_account,
)
from miniback.registry.districts import District

bp = Blueprint("accounts", __name__)

AccountRole = Literal[
    "platform_operator",
    "regulator",
    "inspector",
    "mu_admin",
    "mu_supervisor",
    "technician",
    "uu_admin",
    "uu_manager",
    "platform_client",
]
# Written out for the type checker; the roles are defined once, in models. A platform's own account is listed (and
# found by this filter) but never logs in and is managed with its platform (/platforms).
assert get_args(AccountRole) == (*ROLES, PLATFORM_ROLE)


class AccountQuery(Page):
    role: AccountRole | None = None
    q: Text50 | None = None
    maintenance_unit_id: int | None = None
    use_unit_id: int | None = None
    active: bool | None = None


class AccountIn(Schema):
    role: Literal["platform_operator", "regulator", "inspector"]
    name: Text50
    username: Username
    password: Password
    district: District | None = None


class AccountListItemOut(AccountOut):
    username: str | None
    maintenance_unit_name: str | None
    use_unit_name: str | None


def _unit_names(model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(db.select(model.id, model.name).where(model.id.in_(ids))).tuples().all())


def _with_unit_names(accounts: Sequence[Account]) -> list[dict[str, Any]]:
    """Each account with its units' names, read in one query per unit kind for the whole page."""
    mu_names = _unit_names(MaintenanceUnit, {a.maintenance_unit_id for a in accounts if a.maintenance_unit_id})
    uu_names = _unit_names(UseUnit, {a.use_unit_id for a in accounts if a.use_unit_id})
    return [
        AccountListItemOut(
            **AccountOut.of(account),
            username=account.username,
            maintenance_unit_name=mu_names.get(account.maintenance_unit_id or 0),
            use_unit_name=uu_names.get(account.use_unit_id or 0),
        ).model_dump(mode="json")
        for account in accounts
    ]


def _out(account: Account) -> dict[str, Any]:
    return _with_unit_names([account])[0]


@bp.get("/accounts")
@documented(
    "全部账号（平台运营方）：按角色、单位、是否在用筛选，q 按姓名、登录名或手机号查找",
    query=AccountQuery,
    response=AccountListItemOut,
    list_response=True,
)
@login_required("platform_operator")
def list_accounts() -> Any:
    args = query_args(AccountQuery)
    query = db.select(Account).order_by(Account.id)
    if args.role:
        query = query.where(Account.role == args.role)
    if args.q:
        query = query.where(
            Account.name.contains(args.q, autoescape=True)
            | Account.username.contains(args.q, autoescape=True)
            | Account.mobile.contains(args.q, autoescape=True)
        )
    if args.maintenance_unit_id is not None:
        query = query.where(Account.maintenance_unit_id == args.maintenance_unit_id)
    if args.use_unit_id is not None:
        query = query.where(Account.use_unit_id == args.use_unit_id)
    if args.active is not None:
        query = query.where(Account.active == args.active)
    return paginate(query, args.page, args.per_page, serialize=lambda item: item, prepare=_with_unit_names)


@bp.post("/accounts")
@documented(
    "新建平台运营方、监管部门（可限定一个区，不填即全市）或检验机构的账号",
    body=AccountIn,
    response=AccountListItemOut,
    status=201,
)
@login_required("platform_operator")
def add_account() -> Any:
    data = json_body(AccountIn)
    account = create_authority_account(data.role, data.username, data.name, data.password, data.district)
    out = _out(account)
    db.session.commit()
    return out, 201


@bp.get("/accounts/<int:account_id>")
@documented("账号详情（平台运营方）", response=AccountListItemOut)
@login_required("platform_operator")
def get_account(account_id: int) -> Any:
    return _out(get_account_or_404(account_id, current_account()))


@bp.post("/accounts/<int:account_id>/deactivate")
@documented(
    "停用平台运营方、监管部门或检验机构的账号：立即不能登录，已登录的会话全部失效；不能停用自己",
    response=AccountListItemOut,
)
@login_required("platform_operator")
def deactivate_account_view(account_id: int) -> Any:
    actor = current_account()
    account = get_account_or_404(account_id, actor)
    require_authority_account(account)
    deactivate_account(actor, account)
    out = _out(account)
    db.session.commit()
    return out


@bp.post("/accounts/<int:account_id>/reactivate")
@documented("重新启用已停用的平台运营方、监管部门或检验机构账号（须重新登录）", response=AccountListItemOut)
@login_required("platform_operator")
def reactivate_account_view(account_id: int) -> Any:
    actor = current_account()
    account = get_account_or_404(account_id, actor)
    require_authority_account(account)
    reactivate_account(actor, account)
    out = _out(account)
    db.session.commit()
    return out
