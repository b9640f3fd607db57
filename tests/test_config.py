"""Configuration: embedded defaults, the environment, and production's refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import config
from board import ConfigurationError, create_app, instance_secret_key

PRODUCTION = {
    "BOARD_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql+psycopg://board@db.internal/board",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SMTP_URL": "smtp://mailer:pw@smtp.internal:587",
}


@pytest.mark.parametrize("missing", config.REQUIRED_IN_PRODUCTION)
def test_production_refuses_to_start_without_an_explicit_setting(missing: str) -> None:
    settings = {key: value for key, value in PRODUCTION.items() if key != missing}
    with pytest.raises(ConfigurationError, match=missing):
        create_app(settings)


def test_production_sends_cookies_over_https_only() -> None:
    app = create_app(PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == PRODUCTION["DATABASE_URL"]
    assert app.extensions["celery"].conf.broker_url == PRODUCTION["REDIS_URL"]
    assert app.config["RATELIMIT_STORAGE_URI"] == PRODUCTION["REDIS_URL"]


def test_environment_overrides_defaults_with_their_types() -> None:
    environ = {
        "DATABASE_URL": "sqlite:////tmp/x.sqlite",
        "PROXY_COUNT": "2",
        "REDIS_URL": "",
        "MAX_CONTENT_LENGTH": "2097152",
    }
    settings = config.from_environment(environ)
    assert settings == {
        "DATABASE_URL": "sqlite:////tmp/x.sqlite",
        "PROXY_COUNT": 2,
        "MAX_CONTENT_LENGTH": 2097152,
    }


@pytest.mark.parametrize("value", ["2MB", "0", "-1", "1.5"])
def test_a_request_size_limit_that_is_no_number_of_bytes_stops_the_start(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path))
    for name in config.ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAX_CONTENT_LENGTH", value)
    with pytest.raises(
        ConfigurationError, match=r"MAX_CONTENT_LENGTH must be a (positive )?whole number"
    ):
        create_app()


def test_embedded_default_is_sqlite_in_the_instance_folder_with_files_for_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOARD_INSTANCE_PATH", str(tmp_path))
    for name in config.ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'board.sqlite'}"
    assert app.config["MAIL_FOLDER"] == str(tmp_path / "mail")
    assert not app.config["REDIS_URL"] and not app.config["SMTP_URL"]
    assert app.config["SESSION_COOKIE_SECURE"] is False
    # The generated key is kept, so sessions survive a restart.
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_generated_secret_keys_differ_between_instances(tmp_path: Path) -> None:
    assert instance_secret_key(tmp_path / "a") != instance_secret_key(tmp_path / "b")
