import pytest

from miniback import create_app
from miniback.config import ConfigError


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


def test_production_refuses_a_short_secret_key():
    config = {
        "SECRET_KEY": "short",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "WECHAT_APPID": "wx1",
        "WECHAT_SECRET": "s",
        "WECHAT_SIGNOFF_TEMPLATE_ID": "t",
    }
    with pytest.raises(ConfigError, match="32"):
        create_app(config)


def test_environment_variables_configure_the_app(monkeypatch):
    monkeypatch.setenv("MINIBACK_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MINIBACK_SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setenv("MINIBACK_WECHAT_APPID", "wxenv")
    monkeypatch.setenv("MINIBACK_WECHAT_SECRET", "secret-from-env")
    monkeypatch.setenv("MINIBACK_WECHAT_SIGNOFF_TEMPLATE_ID", "template-from-env")
    monkeypatch.setenv("MINIBACK_TOKEN_TTL_SECONDS", "60")
    app = create_app()
    assert app.config["WECHAT_APPID"] == "wxenv"
    assert app.config["TOKEN_TTL_SECONDS"] == 60


def test_demo_mode_has_working_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIBACK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"ENV_MODE": "demo"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["JOBS_MODE"] == "inline"
