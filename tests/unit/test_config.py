"""Settings come from ALUMNI_* variables; a wrong value is one line naming the variable."""

from __future__ import annotations

import pytest

from core.config import ConfigError, load_settings


def test_default_database_is_a_sqlite_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ALUMNI_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.as_posix()}/alumni.db"
    assert settings.is_sqlite


def test_postgresql_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALUMNI_DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1/db")
    assert not load_settings().is_sqlite


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ALUMNI_DATABASE_URL", "mysql://root@localhost/db"),
        ("ALUMNI_DATABASE_URL", "not a url"),
        ("ALUMNI_HTTP_PORT", "eighty"),
        ("ALUMNI_HTTP_PORT", "70000"),
        ("ALUMNI_LOG_LEVEL", "loud"),
        ("ALUMNI_DEFAULT_LANGUAGE", "klingon"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


def test_tokens_never_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALUMNI_TELEGRAM_TOKEN", "123:very-secret")
    settings = load_settings()
    assert "very-secret" not in repr(settings)
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:very-secret"
