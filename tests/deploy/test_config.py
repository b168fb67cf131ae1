import os
import subprocess
import sys
from typing import Any

import pytest

from miniback import create_app
from miniback.config import LOCAL_DEFAULTS, ConfigError
from tests.conftest import ROOT, TEST_LOG_KEY_PATH, TEST_PDF_SIGNING_CERT_PATH, TEST_PDF_SIGNING_KEY_PATH


def production_settings(**overrides: Any) -> dict[str, Any]:
    """Everything production mode requires, set to working values."""
    settings = {
        "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "s",
        "WECHAT_SIGNOFF_TEMPLATE_ID": "t",
        "REDIS_URL": "redis://redis-host:6379/0",
        "PUBLIC_BASE_URL": "https://lift.example.gov.cn",
        "LEDGER_LOG_KEY_PATH": TEST_LOG_KEY_PATH,
        "PDF_SIGNING_KEY_PATH": TEST_PDF_SIGNING_KEY_PATH,
        "PDF_SIGNING_CERT_PATH": TEST_PDF_SIGNING_CERT_PATH,
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def no_miniback_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production mode, with nothing coming from ``MINIBACK_*`` variables of the shell that runs the tests."""
    for key in (
        "ENV_MODE",
        "REDIS_URL",
        "PUBLIC_BASE_URL",
        "WECHAT_SIGNOFF_TEMPLATE_ID",
        "LEDGER_LOG_KEY_PATH",
        "PDF_SIGNING_KEY_PATH",
        "PDF_SIGNING_CERT_PATH",
    ):
        monkeypatch.delenv(f"MINIBACK_{key}", raising=False)


def test_production_refuses_to_start_without_secrets(monkeypatch):
    for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WECHAT_APPID", "WECHAT_SECRET", "ENV_MODE"):
        monkeypatch.delenv(f"MINIBACK_{key}", raising=False)
    with pytest.raises(ConfigError, match="MINIBACK_SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_the_signoff_template(monkeypatch):
    monkeypatch.delenv("MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID", raising=False)
    config = {
        "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "s",
    }
    with pytest.raises(ConfigError, match="MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID"):
        create_app(config)


def test_production_refuses_a_short_secret_key(no_miniback_environment):
    with pytest.raises(ConfigError, match="32"):
        create_app(production_settings(SECRET_KEY="short"))


@pytest.mark.parametrize("key", ["REDIS_URL", "PUBLIC_BASE_URL"])
def test_production_refuses_to_start_without_redis_or_the_public_base_url(no_miniback_environment, key):
    settings = production_settings()
    del settings[key]
    with pytest.raises(ConfigError, match=f"production mode needs MINIBACK_{key} to be set"):
        create_app(settings)


@pytest.mark.parametrize(
    "url",
    [
        "http://lift.example.gov.cn",  # residents' phones would open it unencrypted
        "lift.example.gov.cn",
        "https://",
        "https://localhost",
        "https://LocalHost.:8443/",
        "https://lift.localhost",
        "https://127.0.0.1:5000",
        "https://127.8.9.10",
        "https://127.1",
        "https://0x7f000001",
        "https://0.0.0.0",
        "https://[::1]",
        "https://[::]",
        "https://[::ffff:127.0.0.1]",
        "https://[::1",
        "https://lift.example.gov.cn/?x=1",
        "https://user:pw@lift.example.gov.cn",
    ],
)
def test_production_refuses_a_public_base_url_residents_cannot_open(no_miniback_environment, url):
    with pytest.raises(ConfigError, match="MINIBACK_PUBLIC_BASE_URL"):
        create_app(production_settings(PUBLIC_BASE_URL=url))


@pytest.mark.parametrize("url", ["https://lift.example.gov.cn", "https://gz.example.cn:8443/lift/", "https://1.2.3.4"])
def test_production_accepts_a_public_https_base_url(no_miniback_environment, url):
    assert create_app(production_settings(PUBLIC_BASE_URL=url)).config["PUBLIC_BASE_URL"] == url


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "http://redis-host:6379/0"])
def test_production_refuses_a_redis_url_that_is_not_redis(no_miniback_environment, url):
    with pytest.raises(ConfigError, match="MINIBACK_REDIS_URL"):
        create_app(production_settings(REDIS_URL=url))


def test_qr_labels_in_production_refuse_to_run_without_the_public_base_url(tmp_path):
    """The reported symptom: in production ``flask qr labels`` printed stickers for http://127.0.0.1:5000/e/…"""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MINIBACK_")}
    env |= {f"MINIBACK_{key}": value for key, value in production_settings().items() if key != "PUBLIC_BASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "qr", "labels", "--unit", "1", "--out", "labels.pdf"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "production mode needs MINIBACK_PUBLIC_BASE_URL to be set" in result.stderr
    assert not (tmp_path / "labels.pdf").exists()


def test_environment_variables_configure_the_app(monkeypatch):
    monkeypatch.setenv("MINIBACK_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MINIBACK_SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setenv("MINIBACK_WECHAT_APPID", "wxenv")
    monkeypatch.setenv("MINIBACK_WECHAT_SECRET", "secret-from-env")
    monkeypatch.setenv("MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID", "template-from-env")
    monkeypatch.setenv("MINIBACK_REDIS_URL", "redis://redis-host:6379/2")
    monkeypatch.setenv("MINIBACK_PUBLIC_BASE_URL", "https://lift.example.gov.cn")
    monkeypatch.setenv("MINIBACK_TOKEN_TTL_SECONDS", "60")
    monkeypatch.setenv("MINIBACK_LEDGER_LOG_KEY_PATH", TEST_LOG_KEY_PATH)
    monkeypatch.setenv("MINIBACK_PDF_SIGNING_KEY_PATH", TEST_PDF_SIGNING_KEY_PATH)
    monkeypatch.setenv("MINIBACK_PDF_SIGNING_CERT_PATH", TEST_PDF_SIGNING_CERT_PATH)
    app = create_app()
    assert app.config["WECHAT_APPID"] == "wxenv"
    assert app.config["TOKEN_TTL_SECONDS"] == 60
    assert app.config["REDIS_URL"] == "redis://redis-host:6379/2"
    assert app.config["PUBLIC_BASE_URL"] == "https://lift.example.gov.cn"


def test_demo_mode_has_working_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIBACK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"ENV_MODE": "demo"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["JOBS_MODE"] == "inline"


def test_only_modes_other_than_production_fall_back_to_a_local_redis_and_base_url(no_miniback_environment):
    app = create_app({"ENV_MODE": "test", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert {key: app.config[key] for key in LOCAL_DEFAULTS} == LOCAL_DEFAULTS


def test_production_refuses_to_start_without_the_ledger_log_key(no_miniback_environment):
    settings = production_settings()
    del settings["LEDGER_LOG_KEY_PATH"]
    with pytest.raises(ConfigError, match="production mode needs MINIBACK_LEDGER_LOG_KEY_PATH to be set"):
        create_app(settings)


def test_production_refuses_a_log_key_that_is_missing_or_not_ed25519(no_miniback_environment, tmp_path):
    with pytest.raises(ConfigError, match="cannot read the log key"):
        create_app(production_settings(LEDGER_LOG_KEY_PATH=str(tmp_path / "absent.pem")))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = tmp_path / "p256.pem"
    other.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ConfigError, match="not an Ed25519 key"):
        create_app(production_settings(LEDGER_LOG_KEY_PATH=str(other)))


def test_the_demo_generates_its_log_key_once_in_the_instance_folder(tmp_path, monkeypatch):
    from signoff.ledger.logkey import log_key

    monkeypatch.setenv("MINIBACK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("MINIBACK_LEDGER_LOG_KEY_PATH", raising=False)
    app = create_app({"ENV_MODE": "demo", "PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    with app.app_context():
        first = log_key()
    assert (tmp_path / "ledger-log-key.pem").exists()
    with create_app({"ENV_MODE": "demo"}).app_context():
        assert log_key().public_bytes == first.public_bytes
    assert first.name == "127.0.0.1/ledger"


@pytest.mark.parametrize("key", ["PDF_SIGNING_KEY_PATH", "PDF_SIGNING_CERT_PATH"])
def test_production_refuses_to_start_without_the_document_key(no_miniback_environment, key):
    settings = production_settings()
    del settings[key]
    with pytest.raises(ConfigError, match="MINIBACK_PDF_SIGNING_KEY_PATH and MINIBACK_PDF_SIGNING_CERT_PATH"):
        create_app(settings)


def test_production_refuses_a_document_key_it_cannot_load(no_miniback_environment, tmp_path):
    (tmp_path / "not-a-key.pem").write_text("hello")
    with pytest.raises(ConfigError, match="MINIBACK_PDF_SIGNING_KEY_PATH: cannot load"):
        create_app(production_settings(PDF_SIGNING_KEY_PATH=str(tmp_path / "not-a-key.pem")))
    with pytest.raises(ConfigError, match="MINIBACK_PDF_SIGNING_CERT_PATH: cannot load"):
        create_app(production_settings(PDF_SIGNING_CERT_PATH=str(tmp_path / "absent.pem")))
