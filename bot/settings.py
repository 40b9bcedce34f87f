"""Settings from the environment or `.env`; every name here is documented in .env.example."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """All configuration. Secrets are SecretStr so they never print in logs or errors."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True,
                                      env_ignore_empty=True)

    db: Path = Field(default=Path("saga-drills.db"), validation_alias="SAGA_DRILLS_DB")
    packs: Annotated[tuple[Path, ...], NoDecode] = Field(default=(), validation_alias="SAGA_DRILLS_PACKS")
    tz: str = Field(default="UTC", validation_alias="SAGA_DRILLS_TZ")
    leads: Annotated[tuple[str, ...], NoDecode] = Field(default=(), validation_alias="SAGA_DRILLS_LEADS")
    mastery_threshold: float = Field(default=0.6, ge=0, le=1, validation_alias="SAGA_DRILLS_MASTERY")
    orbit_threshold: float = Field(default=0.9, ge=0, le=1, validation_alias="SAGA_DRILLS_ORBIT")
    hold_retrievability: float = Field(default=0.8, gt=0, le=1, validation_alias="SAGA_DRILLS_HOLD_RETRIEVABILITY")
    reviews_per_day: int = Field(default=3, ge=0, le=50, validation_alias="SAGA_DRILLS_REVIEWS_PER_DAY")
    # How long a crashed process's claim on a run or a message blocks others before they take it over.
    lease_seconds: int = Field(default=60, ge=1, le=3600, validation_alias="SAGA_DRILLS_LEASE_SECONDS")
    board_on_demand_per_day: int = Field(default=3, ge=0, le=100, validation_alias="SAGA_DRILLS_BOARD_ON_DEMAND_PER_DAY")
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("SAGA_DRILLS_LOG_LEVEL", "LOG_LEVEL"))

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_http_port: int = Field(default=3000, ge=1, le=65535, validation_alias="SLACK_HTTP_PORT")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_guild_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=(), validation_alias="DISCORD_GUILD_IDS")
    discord_lead_role: str | None = Field(default=None, validation_alias="DISCORD_LEAD_ROLE")
    discord_api_base_url: str | None = Field(default=None, validation_alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str | None = Field(default=None, validation_alias="DISCORD_GATEWAY_URL")
    discord_application_id: str | None = Field(default=None, pattern=r"^[0-9]{0,20}$", validation_alias="DISCORD_APPLICATION_ID")

    _split_lists = field_validator("packs", "leads", "discord_guild_ids", mode="before")(classmethod(lambda cls, v: _split(v)))

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (try Europe/Berlin or UTC)") from None
        return value

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
