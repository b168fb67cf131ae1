"""The demo data set: a realistic Guangzhou maintenance unit, its use units, elevators, staff and records."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from miniback.auth.passwords import hash_password
from miniback.extensions import db
from miniback.models import Account, Elevator
from miniback.registry.credit_code import check_character
from miniback.registry.elevators import register_elevator
from miniback.registry.staff import create_org_node, create_staff
from miniback.registry.units import MAINTENANCE_UNIT, USE_UNIT, register_unit

DEMO_PASSWORD = "Demo2026pass"


def credit_code(first17: str) -> str:
    return first17 + check_character(first17)


ELEVATORS: list[dict[str, Any]] = [
    {
        "device_code": "31104401002019000101",
        "elevator_type": "traction",
        "address": "天河路 385 号太古汇一座",
        "district": "天河区",
        "position": "1 号客梯",
        "make": "广州日立",
        "model": "HGP",
        "uu": 0,
    },
    {
        "device_code": "31104401002019000102",
        "elevator_type": "traction",
        "address": "天河路 385 号太古汇一座",
        "district": "天河区",
        "position": "2 号客梯",
        "make": "广州日立",
        "model": "HGP",
        "uu": 0,
    },
    {
        "device_code": "31104401002018000233",
        "elevator_type": "traction",
        "address": "体育西路 103 号维多利广场",
        "district": "天河区",
        "position": "A 塔消防梯",
        "make": "奥的斯",
        "model": "GeN2",
        "uu": 0,
    },
    {
        "device_code": "31204401002017000045",
        "elevator_type": "hydraulic",
        "address": "珠江新城花城大道 85 号",
        "district": "天河区",
        "position": "地下车库液压梯",
        "make": "蒂森克虏伯",
        "model": "HL-2000",
        "uu": 0,
    },
    {
        "device_code": "31304401002020000012",
        "elevator_type": "dumbwaiter",
        "address": "珠江新城花城大道 85 号",
        "district": "天河区",
        "position": "3 楼餐厅传菜梯",
        "make": "西子",
        "model": "ZW-100",
        "uu": 0,
    },
    {
        "device_code": "33104401002016000301",
        "elevator_type": "escalator",
        "address": "天河路 385 号太古汇商场",
        "district": "天河区",
        "position": "L1-L2 上行扶梯",
        "make": "迅达",
        "model": "9300AE",
        "uu": 0,
    },
    {
        "device_code": "31104401042015000088",
        "elevator_type": "traction",
        "address": "北京路 238 号名盛广场",
        "district": "越秀区",
        "position": "东侧客梯",
        "make": "三菱",
        "model": "NexWay",
        "uu": 1,
    },
    {
        "device_code": "33104401042015000090",
        "elevator_type": "escalator",
        "address": "北京路 238 号名盛广场",
        "district": "越秀区",
        "position": "B1-L1 下行扶梯",
        "make": "三菱",
        "model": "J-Series",
        "uu": 1,
    },
    {
        "device_code": "31104401052019000510",
        "elevator_type": "traction",
        "address": "江南大道中 100 号",
        "district": "海珠区",
        "position": "住宅 1 栋 1 号梯",
        "make": "通力",
        "model": "MonoSpace",
        "uu": 1,
    },
    {
        "device_code": "31204401052018000022",
        "elevator_type": "hydraulic",
        "address": "新港东路 1000 号",
        "district": "海珠区",
        "position": "货运液压梯",
        "make": "蒂森克虏伯",
        "model": "HL-3000",
        "uu": 1,
    },
    {
        "device_code": "31304401132021000007",
        "elevator_type": "dumbwaiter",
        "address": "番禺区市桥街清河东路 2 号",
        "district": "番禺区",
        "position": "医院药品传递梯",
        "make": "西子",
        "model": "ZW-50",
        "uu": 1,
    },
    {
        "device_code": "33204401112020000003",
        "elevator_type": "escalator",
        "address": "白云大道北 1688 号",
        "district": "白云区",
        "position": "地铁接驳自动人行道",
        "make": "日立",
        "model": "TX",
        "uu": 1,
    },
]


def seed_demo(echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Create the demo data set in the current session (flushes, the caller commits)."""
    pw = hash_password(DEMO_PASSWORD)
    operator = Account(role="platform_operator", name="市电梯安全运行监控中心", username="platform", password_hash=pw)
    regulator = Account(
        role="regulator", name="天河区市场监管局", username="regulator-tianhe", password_hash=pw, district="天河区"
    )
    city_regulator = Account(role="regulator", name="广州市市场监督管理局", username="regulator-city", password_hash=pw)
    inspector = Account(role="inspector", name="广州市特种设备检测研究院", username="inspector", password_hash=pw)
    db.session.add_all([operator, regulator, city_regulator, inspector])
    db.session.flush()

    unit, mu_admin = register_unit(
        MAINTENANCE_UNIT,
        {
            "name": "广州穗安电梯工程有限公司",
            "credit_code": credit_code("91440106MA59B0002"),
            "filing_no": "粤特维备-2024-0318",
            "address": "广州市天河区天河北路 233 号中信广场 18 楼",
            "office_address": "广州市天河区黄埔大道西 76 号 5 楼",
            "contact_name": "陈志强",
            "contact_phone": "020-38881234",
            "emergency_phone": "020-38889600",
        },
        {"name": "林晓燕", "username": "suian-admin", "password": DEMO_PASSWORD, "mobile": "13800138000"},
    )
    unit.status = "active"
    company = create_org_node(unit.id, None, "广州穗安电梯工程有限公司")
    branch = create_org_node(unit.id, company, "天河分公司")
    team1 = create_org_node(unit.id, branch, "维保一组")
    team2 = create_org_node(unit.id, branch, "维保二组")
    staff = [
        ("mu_supervisor", "黄建华", "13911110001", "TSX-2019-0101", branch, "supervisor"),
        ("technician", "张伟明", "13911110002", "TSX-2020-0233", team1, "tech1"),
        ("technician", "李国强", "13911110003", "TSX-2021-0456", team1, "tech2"),
        ("technician", "王志勇", "13911110004", "TSX-2018-0789", team2, "tech3"),
        ("technician", "刘德明", "13911110005", "TSX-2022-1012", team2, "tech4"),
    ]
    people = {}
    for role, name, mobile, cert, node, key in staff:
        people[key] = create_staff(
            mu_admin, {"role": role, "name": name, "mobile": mobile, "certificate_no": cert}, node
        )
        people[key].openid = f"stub-openid-{key}"
    # The supervisor also works at a desk: the web console, with a password.
    people["supervisor"].username = "supervisor"
    people["supervisor"].password_hash = pw
    # A unit that has just registered, for the platform operator to review in the console.
    register_unit(
        MAINTENANCE_UNIT,
        {
            "name": "广州粤通电梯服务有限公司",
            "credit_code": credit_code("91440111MA59E0005"),
            "filing_no": "粤特维备-2026-1107",
            "address": "广州市白云区机场路 1000 号",
            "office_address": "广州市白云区机场路 1000 号 3 楼",
            "contact_name": "邓海",
            "contact_phone": "020-36660000",
            "emergency_phone": "020-36669600",
        },
        {"name": "邓海", "username": "yuetong-admin", "password": DEMO_PASSWORD},
    )

    use_units = []
    for index, (name, code17, address, district, admin_name, manager) in enumerate(
        [
            (
                "广州太古汇物业管理有限公司",
                "91440106MA59C0003",
                "广州市天河区天河路 385 号",
                "天河区",
                "周敏",
                "郑丽华",
            ),
            ("广州名盛物业服务有限公司", "91440104MA59D0004", "广州市越秀区北京路 238 号", "越秀区", "何文", "吴秀英"),
        ]
    ):
        use_unit, uu_admin = register_unit(
            USE_UNIT,
            {"name": name, "credit_code": credit_code(code17), "address": address, "district": district},
            {"name": admin_name, "username": f"uu{index + 1}-admin", "password": DEMO_PASSWORD},
        )
        use_unit.status = "active"
        from miniback.demo.rules import consent_demo

        consent_demo(use_unit, uu_admin)  # issue 18: the unit agreed to the default confirmation
        people[f"manager{index + 1}"] = create_staff(
            uu_admin, {"role": "uu_manager", "name": manager, "mobile": f"1370000000{index + 1}"}, None
        )
        people[f"manager{index + 1}"].openid = f"stub-openid-manager{index + 1}"
        use_units.append(use_unit)

    elevators: list[Elevator] = []
    for spec in ELEVATORS:
        data = {key: value for key, value in spec.items() if key != "uu"}
        data.update(
            use_unit_id=use_units[spec["uu"]].id,
            rescue_code=f"{44010 + len(elevators):05d}",
            use_certificate_no=f"梯11粤A{20000 + len(elevators)}(20)",
            rated_load_kg=None if spec["elevator_type"] == "escalator" else 1000,
            rated_speed_mps=Decimal("0.50") if spec["elevator_type"] == "escalator" else Decimal("1.75"),
            stops=None if spec["elevator_type"] == "escalator" else 18,
        )
        elevator, _ = register_elevator(mu_admin, data)
        elevators.append(elevator)
    db.session.flush()
    from miniback.demo.records import seed_records

    record_count = seed_records(elevators, people)
    from miniback.demo.signoff import seed_signoff

    echo(
        f"演示数据：1 个维保单位（{unit.name}），2 个使用单位，{len(elevators)} 台电梯，{len(staff)} 名维保人员，"
        f"{record_count} 条已提交的维保记录"
    )
    seed_signoff(elevators, people, echo)
    from miniback.demo.history import seed_history

    seed_history(elevators, people, echo)
    from miniback.demo.verification import seed_verification

    seed_verification(echo)
    return {"unit": unit, "elevators": elevators, "people": people}
