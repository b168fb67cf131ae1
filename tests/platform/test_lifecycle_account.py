"""A platform's own account (role ``platform_client``) is recorded where an account must be, but never logs in: not
with a password, not with WeChat, and no token is ever issued to it or accepted for it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from miniback.auth.passwords import hash_password
from miniback.auth.tokens import digest, issue_token
from miniback.errors import Unauthenticated
from miniback.extensions import db
from miniback.models import PLATFORM_ROLE, Account, ApiToken, utcnow
from tests.factories.platform import make_platform
from tests.factories.registry import PASSWORD, auth, make_authority


def platform_account() -> Account:
    platform = make_platform("connected")
    account = db.session.get(Account, platform.client.account_id)
    assert account is not None and account.role == PLATFORM_ROLE
    return account


def test_no_token_is_ever_issued_to_a_platform_account(app):
    account = platform_account()
    with pytest.raises(Unauthenticated):
        issue_token(account, 3600)
    assert db.session.execute(db.select(ApiToken.id)).first() is None


def test_a_platform_account_given_a_password_still_cannot_log_in(client):
    account = platform_account()
    account.username, account.password_hash = "sneaky-platform", hash_password(PASSWORD)
    db.session.commit()
    for url in ("/api/v1/auth/login", "/api/v1/auth/session"):
        response = client.post(url, json={"username": "sneaky-platform", "password": PASSWORD})
        assert response.status_code == 401, response.json
        assert response.json["error"]["code"] == "account_inactive"
    assert db.session.execute(db.select(ApiToken.id)).first() is None


def test_a_platform_account_bound_to_a_wechat_user_still_cannot_log_in(client, wechat_stub):
    account = platform_account()
    account.openid = "stub-openid-platform"
    db.session.commit()
    response = client.post("/api/v1/auth/wechat/login", json={"code": "c1:platform"})
    assert response.status_code == 401, response.json
    assert db.session.execute(db.select(ApiToken.id)).first() is None


def test_a_token_row_for_a_platform_account_is_refused(client):
    account = platform_account()
    db.session.add(
        ApiToken(token_hash=digest("planted-token"), account_id=account.id, expires_at=utcnow() + timedelta(hours=1))
    )
    db.session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer planted-token"})
    assert response.status_code == 401 and response.json["error"]["code"] == "account_inactive"


def test_the_operators_account_list_finds_platform_accounts_and_leaves_them_to_the_platform(client):
    operator = make_authority("platform_operator")
    account = platform_account()
    db.session.commit()
    listed = client.get("/api/v1/accounts?role=platform_client", headers=auth(operator))
    assert listed.status_code == 200, listed.json
    assert [item["id"] for item in listed.json["items"]] == [account.id]
    assert listed.json["items"][0]["role"] == PLATFORM_ROLE
    everyone = client.get("/api/v1/accounts?per_page=100", headers=auth(operator)).json["items"]
    assert account.id in {item["id"] for item in everyone}
    refused = client.post(f"/api/v1/accounts/{account.id}/deactivate", headers=auth(operator))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_authority_account"
    reset = client.post(f"/api/v1/accounts/{account.id}/password-reset", headers=auth(operator))
    assert reset.status_code in (403, 409, 422), reset.json
    assert db.session.get(Account, account.id).password_hash is None
