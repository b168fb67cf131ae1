"""The published list of connected platforms (已完成对接平台名单), as JSON and as a page, without log-in: a platform
in testing, suspended or revoked never appears."""

from __future__ import annotations

from datetime import timedelta

from miniback.extensions import db
from miniback.models import PlatformClient, utcnow
from miniback.records.calendar import local_day
from tests.factories.platform import make_platform
from tests.factories.platform_traffic import all_green_sandbox_traffic
from tests.factories.registry import auth, make_authority


def test_only_connected_platforms_are_listed_in_the_order_they_went_live(client):
    later, earlier = make_platform("connected"), make_platform("connected")
    earlier.client.connected_at = utcnow() - timedelta(days=40)
    hidden = [make_platform(status).client.name for status in ("testing", "suspended", "revoked")]
    db.session.commit()
    response = client.get("/api/v1/public/platforms")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    body = response.json
    assert body["total"] == 2
    assert [item["code"] for item in body["items"]] == [earlier.client.code, later.client.code]
    first = body["items"][0]
    assert set(first) == {"code", "name", "company_name", "company_credit_code", "connected_since"}
    assert first["connected_since"] == str(local_day(earlier.client.connected_at))
    assert first["company_credit_code"] == earlier.client.company_credit_code
    assert not {item["name"] for item in body["items"]} & set(hidden)

    page = client.get("/platforms")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "已完成对接平台名单" in html and 'name="viewport"' in html
    assert earlier.client.name in html and later.client.company_name in html and "共 2 个平台" in html
    assert not any(name in html for name in hidden)


def test_the_list_follows_the_lifecycle(client):
    operator = make_authority("platform_operator")
    platform = make_platform("testing")
    all_green_sandbox_traffic(platform.client)
    db.session.commit()
    name = platform.client.name

    def listed() -> bool:
        names = [item["name"] for item in client.get("/api/v1/public/platforms").json["items"]]
        return name in names and name in client.get("/platforms").get_data(as_text=True)

    def move(to: str, reason: str | None = None) -> None:
        body = {"status": to} | ({"reason": reason} if reason else {})
        url = f"/api/v1/platforms/{platform.client.id}/status"
        assert client.post(url, json=body, headers=auth(operator)).status_code == 200

    assert not listed()
    move("connected")
    assert listed()
    move("suspended", "抽查不合格")
    assert not listed()
    move("connected", "整改完成")
    assert listed()
    move("revoked", "停止对接")
    assert not listed()
    assert db.session.get(PlatformClient, platform.client.id).status == "revoked"


def test_an_empty_list_says_so(client):
    make_platform("testing")
    db.session.commit()
    assert client.get("/api/v1/public/platforms").json == {"items": [], "total": 0}
    html = client.get("/platforms").get_data(as_text=True)
    assert "暂无已完成对接的平台" in html


def test_the_public_list_is_rate_limited_like_the_other_public_pages(client, app):
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get("/api/v1/public/platforms").status_code for _ in range(3)]
    assert statuses[-1] == 429
