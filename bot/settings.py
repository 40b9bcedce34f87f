"""Settings from the environment or `.env`; every name here is documented in .env.example."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Keys with these prefixes are ours: one we do not know is a typo until proven otherwise.
OUR_PREFIXES = ("SAGA", "SLACK_", "DISCORD_")  # "SAGA": catches SAGA_DRILS_ too


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
POSTGRES_SCHEMES = ("postgresql", "postgres")


class DatabaseUrl(BaseModel):
    """A PostgreSQL URL in SAGA_DRILLS_DB; it prints without its password (the URL is a SecretStr)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    secret: SecretStr

    @property
    def url(self) -> str:
        return self.secret.get_secret_value()

    def __str__(self) -> str:
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        host = parts.netloc.rpartition("@")[2]
        return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


class Settings(BaseSettings):
    """All configuration. Secrets are SecretStr so they never print in logs or errors."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True,
                                      env_ignore_empty=True)

    # A file path (SQLite, the default) or a postgresql:// URL (several processes on one database).
    db: Path | DatabaseUrl = Field(default=Path("saga-drills.db"), validation_alias="SAGA_DRILLS_DB")
    packs: Annotated[tuple[Path, ...], NoDecode] = Field(default=(), validation_alias="SAGA_DRILLS_PACKS")
    tz: str = Field(default="UTC", validation_alias="SAGA_DRILLS_TZ")
    leads: Annotated[tuple[str, ...], NoDecode] = Field(default=(), validation_alias="SAGA_DRILLS_LEADS")
    mastery_threshold: float = Field(default=0.6, ge=0, le=1, validation_alias="SAGA_DRILLS_MASTERY")
    orbit_threshold: float = Field(default=0.9, ge=0, le=1, validation_alias="SAGA_DRILLS_ORBIT")
    hold_retrievability: float = Field(default=0.8, gt=0, le=1, validation_alias="SAGA_DRILLS_HOLD_RETRIEVABILITY")
    reviews_per_day: int = Field(default=3, ge=0, le=50, validation_alias="SAGA_DRILLS_REVIEWS_PER_DAY")
    # How long a crashed process's claim on a run or a message blocks others before they take it over.
    lease_seconds: int = Field(default=60, ge=1, le=3600, validation_alias="SAGA_DRILLS_LEASE_SECONDS")
    # How often the clock reads the schedules table: the longest a schedule set by another process,
    # a catch-up or a crashed process's work waits before this one acts on it.
    sweep_seconds: float = Field(default=60.0, ge=0.1, le=3600, validation_alias="SAGA_DRILLS_SWEEP_SECONDS")
    board_on_demand_per_day: int = Field(default=3, ge=0, le=100, validation_alias="SAGA_DRILLS_BOARD_ON_DEMAND_PER_DAY")
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("SAGA_DRILLS_LOG_LEVEL", "LOG_LEVEL"))
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="SAGA_DRILLS_LOG_FORMAT")
    # /healthz, /readyz and /metrics on a port of their own (Socket Mode, Discord, the console);
    # in Slack HTTP mode they are also served beside /slack/events. Unset: no extra port.
    http_port: int | None = Field(default=None, ge=0, le=65535, validation_alias="SAGA_DRILLS_HTTP_PORT")
    http_host: str = Field(default="0.0.0.0", min_length=1, validation_alias="SAGA_DRILLS_HTTP_HOST")

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_http_port: int = Field(default=3000, ge=1, le=65535, validation_alias="SLACK_HTTP_PORT")
    slack_http_host: str = Field(default="0.0.0.0", min_length=1, validation_alias="SLACK_HTTP_HOST")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=(), validation_alias="DISCORD_GUILD_IDS")
    discord_lead_role: str | None = Field(default=None, validation_alias="DISCORD_LEAD_ROLE")
    discord_api_base_url: str | None = Field(default=None, validation_alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str | None = Field(default=None, validation_alias="DISCORD_GATEWAY_URL")
    discord_application_id: str | None = Field(default=None, pattern=r"^[0-9]{0,20}$", validation_alias="DISCORD_APPLICATION_ID")

    _split_lists = field_validator("packs", "leads", "discord_guild_ids", mode="before")(classmethod(lambda cls, v: _split(v)))

    @field_validator("db", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> object:
        if isinstance(value, str) and (scheme := _SCHEME.match(value.strip())):
            if scheme.group(1).lower() in POSTGRES_SCHEMES:
                return DatabaseUrl(secret=SecretStr(value.strip()))
            # The value may hold a password: only its scheme is repeated.
            raise ValueError(f"unknown scheme {scheme.group(1)}://; use a file path (SQLite) or a "
                             "postgresql://user:password@host/database URL")
        return value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (try Europe/Berlin or UTC)") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"{value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("slack_api_url")
    @classmethod
    def _web_api_url(cls, value: str) -> str:
        url = urlparse(value.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL; the default is https://slack.com/api/")
        # The SDK joins method names onto it: "https://host/api" + "chat.postMessage" needs the slash.
        return value.strip() if value.strip().endswith("/") else value.strip() + "/"

    @model_validator(mode="after")
    def _orbit_above_mastery(self) -> Settings:
        if self.orbit_threshold < self.mastery_threshold:
            raise ValueError(f"SAGA_DRILLS_ORBIT ({self.orbit_threshold}) is below SAGA_DRILLS_MASTERY "
                             f"({self.mastery_threshold}); In orbit must need at least what a tier needs")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def configured_platforms(self) -> list[str]:
        """Platforms whose credentials are set, in a stable order."""
        found = []
        if self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret):
            found.append("slack")
        if self.discord_token:
            found.append("discord")
        return found

    def platform_problems(self) -> list[str]:
        """A platform with some of its credentials set but not enough to start: what is missing."""
        problems = []
        slack_extra = [n for n, v in (("SLACK_APP_TOKEN", self.slack_app_token),
                                      ("SLACK_SIGNING_SECRET", self.slack_signing_secret)) if v]
        if self.slack_bot_token and not slack_extra:
            problems.append("SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                            "SLACK_SIGNING_SECRET (HTTP mode) is; set one (README: Slack in five minutes)")
        elif slack_extra and not self.slack_bot_token:
            problems.append(f"{' and '.join(slack_extra)} set but SLACK_BOT_TOKEN is not; copy the Bot User OAuth "
                            "Token (xoxb-…) from OAuth & Permissions")
        discord_extra = [n for n, v in (("DISCORD_GUILD_IDS", self.discord_guild_ids), ("DISCORD_LEAD_ROLE", self.discord_lead_role),
                                        ("DISCORD_APPLICATION_ID", self.discord_application_id)) if v]
        if discord_extra and not self.discord_token:
            problems.append(f"{' and '.join(discord_extra)} set but DISCORD_TOKEN is not; copy the bot token "
                            "from the Developer Portal's Bot tab")
        return problems


def known_keys() -> set[str]:
    """Every environment name a setting answers to."""
    names: set[str] = set()
    for info in Settings.model_fields.values():
        alias = info.validation_alias
        names.update(alias.choices if isinstance(alias, AliasChoices) else [alias] if alias else [])  # type: ignore[list-item]
    return {n for n in names if isinstance(n, str)}


def unknown_keys(environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")) -> list[str]:
    """One warning per key with our prefixes that no setting reads, with the closest known name."""
    from dotenv import dotenv_values

    keys = set(os.environ if environ is None else environ)
    if env_file is not None and env_file.is_file():
        keys |= set(dotenv_values(env_file))
    known = known_keys()
    warnings = []
    for key in sorted(k for k in keys if k.upper().startswith(OUR_PREFIXES) and k.upper() not in known):
        close = difflib.get_close_matches(key.upper(), sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; .env.example lists every setting"
        warnings.append(f"{key} is not a saga-drills setting and is ignored{hint}")
    return warnings
