"""The resident's page /e/<code> and its JSON twin: content, masking, overdue, 404s, escaping, caching, limits."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest

from miniback.extensions import db
from miniback.models import ElevatorAssignment
from miniback.public import history
from miniback.public.history import DelayNoticeRow, RecordRow, due_status, local_today
from miniback.public.masking import mask_name, mask_phone, mask_phones_in_text
from tests.factories import make_world

JSON_KEYS = {
    "public_code",
    "address",
    "position",
    "elevator_type",
    "elevator_type_name",
    "status",
    "status_name",
    "device_code",
    "rescue_code",
    "use_unit",
    "maintenance_unit",
    "emergency_phone",
    "last_maintained_on",
    "next_due_on",
    "overdue",
    "overdue_days",
    "delay_notice",
    "records",
}


@pytest.fixture(autouse=True)
def generous_limit(app):
    """Other tests here must not trip the per-client limit; the flood tests lower it themselves."""
    app.config["PUBLIC_RATE_LIMIT"] = "100000 per minute"


def other_client_ip() -> str:
    # Limits are counted in Redis across test runs, so every run floods from fresh addresses.
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def some_records(today: date) -> list[RecordRow]:
    return [
        RecordRow(today - timedelta(days=2), "quarter", ("张伟明", "李强"), "signed", False),
        RecordRow(today - timedelta(days=16), "half_month", ("王志勇",), "default_confirmed", True),
        RecordRow(today - timedelta(days=30), "half_month", ("欧阳娜娜",), "objected", False),
        RecordRow(today - timedelta(days=45), "year", ("刘德明",), "pending", False),
    ]


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张伟明", "张*明"), ("李强", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "*"), (" 张 伟 明 ", "张*明")],
)
def test_names_are_masked_keeping_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_phones_are_masked():
    assert mask_phone("13911110002") == "139****0002"
    assert mask_phone("020-38881234") == "*******1234"
    assert mask_phones_in_text("联系人 13911110002，座机 020-38881234") == "联系人 139****0002，座机 020-38881234"


def test_due_date_is_fifteen_days_after_the_baseline():
    today = date(2026, 11, 25)
    assert due_status(date(2026, 11, 10), today) == (date(2026, 11, 25), False, 0)
    assert due_status(date(2026, 11, 7), today) == (date(2026, 11, 22), True, 3)
    assert due_status(None, today) == (None, False, 0)


def test_page_shows_the_elevator_units_and_emergency_phone(client):
    world = make_world()
    elevator = world.elevators[0]
    elevator.position, elevator.rescue_code = "1 号客梯", "44017"
    response = client.get(f"/e/{elevator.public_code}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for shown in (
        elevator.address,
        "1 号客梯",
        "曳引与强制驱动电梯",
        elevator.device_code,
        "44017",
        "96333",
        world.use_unit.name,
        world.unit.name,
        "020-38889999",
        "暂无维保记录",
        "维保按期进行中",
    ):
        assert shown in page
    assert (local_today() + timedelta(days=15)).isoformat() in page  # next due, counted from the take-over


def test_history_is_masked_and_labelled_on_the_page(client, monkeypatch):
    world = make_world()
    today = local_today()
    monkeypatch.setattr(history, "_record_rows", lambda elevator: some_records(today))
    page = client.get(f"/e/{world.elevators[0].public_code}").get_data(as_text=True)
    for shown in ("张*明、李*", "王*勇", "欧**娜", "刘*明", "已签字确认", "默认确认", "有异议", "待确认", "逾期上传"):
        assert shown in page
    assert page.count("逾期上传") == 1
    for hidden in ("张伟明", "李强", "王志勇", "欧阳娜娜", "刘德明", world.tech1.mobile, world.manager.name):
        assert hidden not in page
    assert f"最近维保</dt><dd>{(today - timedelta(days=2)).isoformat()}" in page
    assert "季度维保" in page and "年度维保" in page


def test_json_twin_has_masked_history_and_no_internal_ids(client, monkeypatch):
    world = make_world()
    elevator = world.elevators[0]
    today = local_today()
    monkeypatch.setattr(history, "_record_rows", lambda elevator: some_records(today))
    response = client.get(f"/api/v1/public/elevators/{elevator.public_code}")
    assert response.status_code == 200
    body = response.json
    assert set(body) == JSON_KEYS
    assert body["maintenance_unit"] == world.unit.name and body["emergency_phone"] == "020-38889999"
    assert body["records"][0] == {
        "maintained_on": (today - timedelta(days=2)).isoformat(),
        "category": "quarter",
        "category_name": "季度维保",
        "technicians": ["张*明", "李*"],
        "signoff_state": "signed",
        "signoff_label": "已签字确认",
        "late_upload": False,
    }
    assert [r["signoff_label"] for r in body["records"]] == ["已签字确认", "默认确认", "有异议", "待确认"]
    raw = response.get_data(as_text=True)
    assert "张伟明" not in raw and world.tech1.mobile not in raw
    assert '"id"' not in raw and "_id" not in raw


def test_overdue_elevator_shows_a_clear_warning(client):
    world = make_world()
    elevator = world.elevators[0]
    assignment = db.session.execute(
        db.select(ElevatorAssignment).where(ElevatorAssignment.elevator_id == elevator.id)
    ).scalar_one()
    assignment.started_at = assignment.started_at - timedelta(days=20)
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "本电梯已超期未维保 5 天" in page
    assert "维保按期进行中" not in page
    body = client.get(f"/api/v1/public/elevators/{elevator.public_code}").json
    assert (body["overdue"], body["overdue_days"]) == (True, 5)


def test_overdue_warning_notes_a_filed_delay_notice(client, monkeypatch):
    world = make_world()
    today = local_today()
    monkeypatch.setattr(
        history,
        "_record_rows",
        lambda e: [RecordRow(today - timedelta(days=18), "half_month", ("张伟明",), "signed", False)],
    )
    monkeypatch.setattr(
        history,
        "_delay_notice_row",
        lambda e, t: DelayNoticeRow(
            "lockdown", today - timedelta(days=5), today + timedelta(days=3), "联系 13911110002"
        ),
    )
    page = client.get(f"/e/{world.elevators[0].public_code}").get_data(as_text=True)
    assert "本电梯已超期未维保 3 天" in page
    assert "维保单位已提交延期说明：区域封锁" in page
    assert "139****0002" in page and "13911110002" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/e/nosuchcode2345",
        "/e/ABC!!",
        "/e/" + "a" * 300,
        "/e/../api/v1/elevators",
        "/e/%2e%2e%2fetc%2fpasswd",
        "/e/abcd2345/extra",
        "/e/abcd%00efgh",
        "/e/",
        "/e",
    ],
)
def test_unknown_or_malformed_codes_get_a_friendly_404_page(client, path):
    world = make_world()
    assert world.elevators  # a real elevator exists; none of these paths names it
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "未找到该电梯" in page and "96333" in page


@pytest.mark.parametrize("code", ["nosuchcode2345", "a" * 300, "../elevators", "x y"])
def test_json_twin_answers_404_in_the_api_error_shape(client, code):
    response = client.get(f"/api/v1/public/elevators/{code}")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "not_found", "message": "找不到该电梯，请核对二维码"}}


def test_html_in_stored_fields_is_escaped(client):
    world = make_world()
    elevator = world.elevators[0]
    elevator.address = "<script>alert(1)</script>大厦"
    elevator.position = '<img src=x onerror="alert(2)">'
    world.unit.name = "维保<b>公司</b>"
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>公司" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;大厦" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page


def test_page_is_cacheable_briefly_and_revalidates_with_etag(client):
    world = make_world()
    url = f"/e/{world.elevators[0].public_code}"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    api = client.get(f"/api/v1/public/elevators/{world.elevators[0].public_code}")
    assert api.headers["Cache-Control"] == "public, max-age=60" and api.headers.get("ETag")
    assert client.get("/e/nosuchcode2345").headers["Cache-Control"] == "no-cache"


def test_a_flood_gets_429_page_and_other_clients_are_unaffected(client, app):
    app.config["PUBLIC_RATE_LIMIT"] = "5 per minute"
    world = make_world()
    url = f"/e/{world.elevators[0].public_code}"
    flooder, neighbour = other_client_ip(), other_client_ip()
    statuses = [client.get(url, environ_base={"REMOTE_ADDR": flooder}).status_code for _ in range(5)]
    assert statuses == [200] * 5
    blocked = client.get(url, environ_base={"REMOTE_ADDR": flooder})
    assert blocked.status_code == 429
    assert blocked.mimetype == "text/html"
    assert "访问过于频繁" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get("/e/guessedcode2345", environ_base={"REMOTE_ADDR": flooder}).status_code == 429
    assert client.get(url, environ_base={"REMOTE_ADDR": neighbour}).status_code == 200


def test_a_flood_on_the_json_twin_gets_429_json(client, app):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    world = make_world()
    url = f"/api/v1/public/elevators/{world.elevators[0].public_code}"
    flooder, neighbour = other_client_ip(), other_client_ip()
    for _ in range(3):
        assert client.get(url, environ_base={"REMOTE_ADDR": flooder}).status_code == 200
    blocked = client.get(url, environ_base={"REMOTE_ADDR": flooder})
    assert blocked.status_code == 429
    assert blocked.json == {"error": {"code": "too_many_requests", "message": "操作过于频繁，请稍后再试"}}
    assert client.get(url, environ_base={"REMOTE_ADDR": neighbour}).status_code == 200


def test_rate_limit_counts_live_in_redis(client, app):
    import redis

    app.config["PUBLIC_RATE_LIMIT"] = "50 per minute"
    world = make_world()
    ip = other_client_ip()
    client.get(f"/e/{world.elevators[0].public_code}", environ_base={"REMOTE_ADDR": ip})
    keys = redis.Redis.from_url(app.config["REDIS_URL"]).keys(f"*miniback-public*{ip}*")
    assert keys, "the limiter must count in Redis, shared by every worker"
