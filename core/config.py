"""Typed settings, read once from the environment (prefix ``ALUMNI_``) and an optional ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ConfigError", "Settings", "default_database_url", "load_settings"]

SUPPORTED_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")


def default_database_url() -> str:
    """The embedded default: a SQLite file in the current working directory."""
    return f"sqlite+aiosqlite:///{(Path.cwd() / 'alumni.db').as_posix()}"


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Everything the platform reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="ALUMNI_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(default_factory=default_database_url)
    default_language: str = "en"
    log_level: Annotated[str, Field(pattern=r"^(?i:debug|info|warning|error|critical)$")] = "info"
    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    # Per person: commands and button presses a minute, and how many at once (0: no limit).
    commands_per_minute: Annotated[float, Field(ge=0)] = 60
    commands_burst: Annotated[int, Field(ge=1)] = 20
    # Per person and group chat: plain messages relayed a minute, and at once (0: no limit).
    group_messages_per_minute: Annotated[float, Field(ge=0)] = 30
    group_messages_burst: Annotated[int, Field(ge=1)] = 10
    # A process without the web role serves /healthz, /readyz and /metrics here, if set.
    metrics_port: Annotated[int, Field(ge=0, le=65535)] | None = None

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    discord_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    # None: one gateway connection; N: AutoShardedClient with N shards; 0: ask Discord.
    discord_shard_count: Annotated[int, Field(ge=0)] | None = None

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in SUPPORTED_SCHEMES:
            raise ValueError(
                "must start with sqlite+aiosqlite:/// or postgresql+asyncpg://"
                f" (got scheme {scheme or 'none'!r})"
            )
        return value

    @field_validator("default_language")
    @classmethod
    def _check_default_language(cls, value: str) -> str:
        from .i18n import normalize_locale

        chosen = normalize_locale(value)
        if chosen is None:
            raise ValueError(f"no catalog for the language {value!r}")
        return chosen

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read the settings; turn validation errors into one ``ConfigError`` line per variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = f"ALUMNI_{field.upper()}"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {message}") from None
