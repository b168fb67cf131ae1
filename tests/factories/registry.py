"""Small factories: real rows through the domain operations, plus tokens for logged-in clients."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from miniback.auth.tokens import issue_token
from miniback.extensions import db
from miniback.models import Account, Elevator, MaintenanceUnit, OrgNode, UseUnit, UseUnitConsent
from miniback.models.rules import current_rules, rule_versions
from miniback.registry.credit_code import check_character
from miniback.registry.elevators import register_elevator
from miniback.registry.staff import create_org_node, create_staff
from miniback.registry.units import MAINTENANCE_UNIT, USE_UNIT, register_unit

PASSWORD = "Secret2026pass"
_counter = itertools.count(1)


def credit_code(prefix: str = "91440106MA") -> str:
    body = f"{prefix}{next(_counter):07d}"[:17]
    return body + check_character(body)


def maintenance_unit_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "广州测试电梯维保有限公司",
        "credit_code": credit_code(),
        "filing_no": "粤特维备-2024-0001",
        "address": "广州市天河区体育东路 1 号",
        "office_address": "广州市天河区体育东路 2 号",
        "contact_name": "陈工",
        "contact_phone": "020-38880001",
        "emergency_phone": "020-38889999",
    }
    data.update(overrides)
    return data


def make_maintenance_unit(status: str = "active", **overrides: Any) -> tuple[MaintenanceUnit, Account]:
    n = next(_counter)
    unit, admin = register_unit(
        MAINTENANCE_UNIT,
        maintenance_unit_data(**overrides),
        {"name": f"管理员{n}", "username": f"mu-admin-{n}", "password": PASSWORD},
    )
    unit.status = status
    db.session.flush()
    return unit, admin


def give_consent(unit: UseUnit, admin: Account, version: int | None = None) -> UseUnitConsent:
    """The unit's admin accepted the default-confirmation rules (the current version unless told)."""
    rules = current_rules() if version is None else next(t for t in rule_versions() if t.version == version)
    consent = UseUnitConsent(
        use_unit_id=unit.id, rule_version=rules.version, text_sha256=rules.sha256, accepted_by_id=admin.id
    )
    db.session.add(consent)
    db.session.flush()
    unit.consent_id = consent.id
    db.session.flush()
    return consent


def make_use_unit(district: str = "天河区", status: str = "active", *, consent: bool = True) -> tuple[UseUnit, Account]:
    """A use unit and its admin; ``consent``: it accepted the current default-confirmation rules (as every unit
    that works normally has)."""
    n = next(_counter)
    unit, admin = register_unit(
        USE_UNIT,
        {
            "name": f"测试物业{n}",
            "credit_code": credit_code("91440104MA"),
            "address": "广州市某路 1 号",
            "district": district,
        },
        {"name": f"物业管理员{n}", "username": f"uu-admin-{n}", "password": PASSWORD},
    )
    unit.status = status
    db.session.flush()
    if consent:
        give_consent(unit, admin)
    return unit, admin


def make_staff(admin: Account, role: str, node: OrgNode | None = None, name: str = "张三") -> Account:
    mobile = f"139{next(_counter):08d}"
    return create_staff(admin, {"role": role, "name": name, "mobile": mobile}, node)


def make_elevator(
    admin: Account, use_unit: UseUnit | None = None, district: str = "天河区", elevator_type: str = "traction"
) -> Elevator:
    elevator, _ = register_elevator(
        admin,
        {
            "device_code": f"3110{next(_counter):012d}",
            "elevator_type": elevator_type,
            "address": "广州市天河区某大厦",
            "district": district,
            "use_unit_id": use_unit.id if use_unit else None,
        },
    )
    return elevator


def make_authority(role: str, district: str | None = None) -> Account:
    n = next(_counter)
    account = Account(role=role, name=f"{role}{n}", username=f"{role}-{n}", district=district)
    db.session.add(account)
    db.session.flush()
    return account


def token_for(account: Account) -> str:
    token, _ = issue_token(account, 3600)
    return token


def auth(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(account)}"}


@dataclass
class UnitWorld:
    """One maintenance unit with company → branch → two teams, its people, a use unit and elevators."""

    unit: MaintenanceUnit
    admin: Account
    company: OrgNode
    branch: OrgNode
    team1: OrgNode
    team2: OrgNode
    supervisor: Account
    tech1: Account
    tech2: Account
    use_unit: UseUnit
    uu_admin: Account
    manager: Account
    elevators: list[Elevator] = field(default_factory=list)


def make_world(district: str = "天河区", *, consent: bool = True) -> UnitWorld:
    unit, admin = make_maintenance_unit()
    company = create_org_node(unit.id, None, "公司")
    branch = create_org_node(unit.id, company, "分公司")
    team1 = create_org_node(unit.id, branch, "一组")
    team2 = create_org_node(unit.id, branch, "二组")
    use_unit, uu_admin = make_use_unit(district, consent=consent)
    world = UnitWorld(
        unit=unit,
        admin=admin,
        company=company,
        branch=branch,
        team1=team1,
        team2=team2,
        supervisor=make_staff(admin, "mu_supervisor", branch, "黄主管"),
        tech1=make_staff(admin, "technician", team1, "张伟明"),
        tech2=make_staff(admin, "technician", team2, "李国强"),
        use_unit=use_unit,
        uu_admin=uu_admin,
        manager=make_staff(uu_admin, "uu_manager", None, "郑经理"),
    )
    world.elevators = [make_elevator(admin, use_unit, district) for _ in range(2)]
    db.session.commit()
    return world


def get_json(client: FlaskClient, url: str, account: Account | None = None, **kwargs: Any) -> Any:
    headers = auth(account) if account else {}
    db.session.commit()
    return client.get(url, headers=headers, **kwargs)
