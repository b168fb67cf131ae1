"""The resident's page /e/<code> and its JSON twin: content, masking, overdue, 404s, escaping, caching, limits."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import pytest
from markupsafe import escape

from miniback.extensions import db
from miniback.models import DelayNotice, DelayNoticeElevator, PublicHistoryEntry, utcnow
from miniback.projections.masking import mask_name, mask_phone, mask_phones_in_text
from miniback.projections.public_history import stored_signoff
from miniback.public.history import local_today, public_record, resolved_signoff
from tests.factories.public import insert_record
from tests.factories.registry import make_staff, make_world

JSON_KEYS = {
    "paperless",  # issue 18: 已停止使用纸质维保记录
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


def with_history(world):
    """Four jobs on the first elevator, by real staff rows, one of them corrected later."""
    today = local_today()
    elevator = world.elevators[0]
    li = make_staff(world.admin, "technician", world.team1, "李强")
    ouyang = make_staff(world.admin, "technician", world.team2, "欧阳娜娜")
    insert_record(elevator, [ouyang], today - timedelta(days=45), "year")
    wrong = insert_record(elevator, [world.tech2], today - timedelta(days=30))
    insert_record(elevator, [world.tech2], today - timedelta(days=30), supersedes=wrong)
    insert_record(elevator, [world.tech2], today - timedelta(days=16), late_upload=True)
    insert_record(elevator, [world.tech1, li], today - timedelta(days=2), "quarter")
    return elevator


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


@pytest.mark.parametrize(
    ("state", "label"),
    [
        ("signed", "已签字确认"),
        ("default_confirmed", "默认确认"),
        ("objected", "有异议"),
        ("pending", "待确认"),
        ("?", "待确认"),
    ],
)
def test_signoff_states_have_their_public_labels(state, label):
    record = public_record(date(2026, 11, 20), "half_month", "张*明", False, state, None, utcnow())
    assert record.signoff_label == label
    assert record.signoff_state == (state if state != "?" else "pending")  # only known keys reach the page's markup


@pytest.mark.parametrize(
    ("state", "objection_open", "deadline_in", "shown"),
    [
        (None, False, None, "pending"),
        ("pending", False, timedelta(hours=2), "pending"),
        ("pending", False, -timedelta(minutes=1), "default_confirmed"),  # the deadline job has not run yet
        ("signed", False, timedelta(hours=2), "signed"),
        ("default_confirmed", False, -timedelta(hours=1), "default_confirmed"),
        ("default_confirmed", True, -timedelta(hours=1), "objected"),
        ("objected", True, timedelta(hours=2), "objected"),
        ("objection_resolved", False, timedelta(hours=2), "pending"),
        ("objection_resolved", False, -timedelta(hours=2), "pending"),
    ],
)
def test_signoff_projection_maps_to_the_four_public_states(state, objection_open, deadline_in, shown):
    now = utcnow()
    deadline = now + deadline_in if deadline_in is not None else None
    assert resolved_signoff(stored_signoff(state, objection_open), deadline, now) == shown


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


def test_history_is_masked_newest_first_and_corrections_replace_originals(client):
    world = make_world()
    elevator = with_history(world)
    today = local_today()
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    for shown in ("张*明、李*", "李*强", "欧**娜", "待确认", "逾期上传", "季度维保", "半月维保", "年度维保"):
        assert shown in page
    assert page.count("逾期上传") == 1
    assert page.count("<li>") == 4  # the corrected record is shown once, as its correction
    for hidden in ("张伟明", "李国强", "欧阳娜娜", world.tech1.mobile, world.tech2.mobile, world.manager.name):
        assert hidden not in page
    assert f"最近维保</dt><dd>{(today - timedelta(days=2)).isoformat()}" in page
    assert f"下次维保截止</dt><dd>{(today + timedelta(days=13)).isoformat()}" in page
    days = [(today - timedelta(days=n)).isoformat() for n in (2, 16, 30, 45)]
    assert [page.index(day) for day in days] == sorted(page.index(day) for day in days)


def test_all_signoff_states_render_on_the_page(client):
    world = make_world()
    elevator = world.elevators[0]
    today, now = local_today(), utcnow()
    stored = (
        (1, "signed", None),
        (2, "awaiting", now - timedelta(hours=1)),
        (3, "objected", None),
        (4, "awaiting", now + timedelta(hours=1)),
    )
    for n, signoff, deadline in stored:
        record = insert_record(elevator, [world.tech1], today - timedelta(days=n))
        db.session.execute(
            db.update(PublicHistoryEntry)
            .where(PublicHistoryEntry.record_id == record.id)
            .values(signoff=signoff, deadline_at=deadline)
        )
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    positions = [page.index(f">{label}</span>") for label in ("已签字确认", "默认确认", "有异议", "待确认")]
    assert positions == sorted(positions)  # newest first: signed, default-confirmed, objected, pending


def test_json_twin_has_masked_history_and_no_internal_ids(client):
    world = make_world()
    elevator = with_history(world)
    today = local_today()
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
        "signoff_state": "pending",
        "signoff_label": "待确认",
        "late_upload": False,
        "photos": None,  # entries written before photo evidence carry no count (tests/records/test_photos.py)
        "flags": 0,  # how many kinds of flag, never which (tests/records/test_signals.py)
    }
    assert [r["late_upload"] for r in body["records"]] == [False, True, False, False]
    assert body["last_maintained_on"] == (today - timedelta(days=2)).isoformat()
    raw = response.get_data(as_text=True)
    assert "张伟明" not in raw and world.tech1.mobile not in raw
    assert '"id"' not in raw and "_id" not in raw


def test_never_maintained_elevator_is_overdue_fifteen_days_after_registration(client):
    world = make_world()
    elevator = world.elevators[0]
    elevator.created_at = elevator.created_at - timedelta(days=20)
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "本电梯已超期未维保 5 天" in page
    assert "维保按期进行中" not in page and "延期说明" not in page
    body = client.get(f"/api/v1/public/elevators/{elevator.public_code}").json
    assert (body["overdue"], body["overdue_days"], body["delay_notice"]) == (True, 5, None)


def test_overdue_warning_notes_a_filed_delay_notice(client):
    world = make_world()
    elevator = world.elevators[0]
    today = local_today()
    insert_record(elevator, [world.tech1], today - timedelta(days=18))
    notice = DelayNotice(
        maintenance_unit_id=world.unit.id,
        cause="area_lockdown",
        starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=3),
        explanation="小区封闭管理，联系 13911110002",
        filed_by_id=world.admin.id,
    )
    db_add(notice)
    db_add(DelayNoticeElevator(notice_id=notice.id, elevator_id=elevator.id))
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "本电梯已超期未维保 3 天" in page
    assert "维保单位已提交延期说明：区域封锁" in page
    assert "139****0002" in page and "13911110002" not in page
    other = client.get(f"/e/{world.elevators[1].public_code}").get_data(as_text=True)
    assert "延期说明" not in other


def test_out_of_service_elevator_is_not_reported_overdue(client):
    world = make_world()
    elevator = world.elevators[0]
    elevator.created_at = elevator.created_at - timedelta(days=40)
    elevator.status = "out_of_service"
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "停用" in page and "超期" not in page


def db_add(row):
    db.session.add(row)
    db.session.flush()


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


@pytest.mark.parametrize("code", ["nosuchcode2345", "a" * 300, "x y", "ABC!!", "%2e%2e"])
def test_json_twin_answers_404_in_the_api_error_shape(client, code):
    response = client.get(f"/api/v1/public/elevators/{code}")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "not_found", "message": "找不到该电梯，请核对二维码"}}


@pytest.mark.parametrize("path", ["../elevators", "abcd2345/extra"])
def test_json_twin_path_tricks_are_json_404s(client, path):
    response = client.get(f"/api/v1/public/elevators/{path}")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


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


def test_html_in_a_technicians_name_is_escaped_in_the_history_list(client):
    world = make_world()
    elevator = world.elevators[0]
    tech = make_staff(world.admin, "technician", world.team1, name="<img/src=x>")
    insert_record(elevator, [tech], local_today() - timedelta(days=1))
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    shown = mask_name("<img/src=x>")
    assert "<" in shown and shown not in page
    assert str(escape(shown)) in page


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


def test_page_shows_real_signoff_outcomes(client):
    from miniback.models import utcnow
    from signoff.confirmation import apply_default_confirmations
    from signoff.operations import Signature, object_to, record_submitted, sign

    world = make_world()
    elevator = world.elevators[0]
    today = local_today()
    now = utcnow()
    signed, objected, defaulted, pending, disputed = (
        insert_record(elevator, [world.tech1], today - timedelta(days=n)) for n in (1, 2, 3, 4, 5)
    )
    for record in (signed, objected, pending):
        record_submitted(record, now=now, min_window=timedelta(hours=2))
    for record in (defaulted, disputed):
        record_submitted(record, now=now - timedelta(days=3), min_window=timedelta(hours=2))
    sign(signed.id, world.manager, Signature(b"\x89PNG\r\n\x1a\nmanager", 10, 10), now=now)
    object_to(objected.id, world.manager, "漏检门锁", now=now, objection_period=timedelta(days=7))
    assert apply_default_confirmations(now, 100, now=now, record_ids=[defaulted.id, disputed.id]) == 2
    object_to(disputed.id, world.manager, "未见维保人员", now=now, objection_period=timedelta(days=7))
    body = client.get(f"/api/v1/public/elevators/{elevator.public_code}").json
    assert [r["signoff_label"] for r in body["records"]] == ["已签字确认", "有异议", "默认确认", "待确认", "有异议"]
    page = client.get(f"/e/{elevator.public_code}").get_data(as_text=True)
    assert "漏检门锁" not in page and "未见维保人员" not in page  # the objection's text is not public


def test_pages_stay_up_and_limited_in_memory_while_redis_is_down(client, app):
    from limits.storage import MemoryStorage, storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from miniback.public.ratelimit import EXTENSION, PublicLimiter

    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    unreachable = storage_from_string("redis://127.0.0.1:1/0", wrap_exceptions=True, socket_connect_timeout=0.2)
    app.extensions[EXTENSION] = PublicLimiter(
        FixedWindowRateLimiter(unreachable), FixedWindowRateLimiter(MemoryStorage())
    )
    world = make_world()
    url = f"/e/{world.elevators[0].public_code}"
    ip = other_client_ip()
    statuses = [client.get(url, environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_page_views_fall_back_to_memory_counts_when_redis_goes_away(client, app):
    import redis
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter

    from miniback.public.ratelimit import EXTENSION, PublicLimiter, RedisWindows

    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    unreachable = RedisWindows(redis.Redis.from_url("redis://127.0.0.1:1/0?socket_connect_timeout=0.2"))
    app.extensions[EXTENSION] = PublicLimiter(unreachable, FixedWindowRateLimiter(MemoryStorage()))
    world = make_world()
    url = f"/e/{world.elevators[0].public_code}"
    ip = other_client_ip()
    statuses = [client.get(url, environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_view_that_fails_while_its_count_travels_leaves_the_count_right(client, app, monkeypatch):
    """The count is sent before the page's lookup and answered after it: a lookup that fails still gets its
    answer read, so the connection goes back to the pool with nothing pending for the next request."""
    import redis

    from miniback.public import views

    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    world = make_world()
    url = f"/e/{world.elevators[0].public_code}"
    ip = other_client_ip()

    def broken(code):
        raise RuntimeError("lookup failed")

    monkeypatch.setattr(views, "stored_page", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get(url, environ_base={"REMOTE_ADDR": ip}).status_code == 500
    monkeypatch.undo()
    # A reply left unread would answer the next view's count (one behind) and let the third view through.
    assert [client.get(url, environ_base={"REMOTE_ADDR": ip}).status_code for _ in range(2)] == [200, 429]
    (key,) = redis.Redis.from_url(app.config["REDIS_URL"]).keys(f"*miniback-public*{ip}*")
    assert int(redis.Redis.from_url(app.config["REDIS_URL"]).get(key)) == 3  # every view counted once
