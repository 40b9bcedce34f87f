"""Settings: every name is documented in .env.example; secrets never print; lists parse."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _names() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names.add(str(choices[0]) if choices else str(alias))
    return names


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))
    assert _names() - documented == set(), "document each setting in .env.example"
    assert documented - _names() == set(), ".env.example names a setting the bot does not read"


def test_example_file_loads_as_is(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    settings = Settings(_env_file=str(env))
    assert settings.configured_platforms() == [] and settings.packs == () and settings.discord_guild_ids == ()


def test_secrets_never_print() -> None:
    settings = Settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-very-secret", DISCORD_TOKEN="discord-secret")
    text = f"{settings!r} {settings} {settings.model_dump()}"
    assert "very-secret" not in text and "discord-secret" not in text


def test_lists_parse_from_commas() -> None:
    settings = Settings(_env_file=None, SAGA_DRILLS_LEADS="U1, U2", DISCORD_GUILD_IDS="1,2", SAGA_DRILLS_PACKS="a,b")
    assert settings.leads == ("U1", "U2") and settings.discord_guild_ids == (1, 2)
    assert [p.name for p in settings.packs] == ["a", "b"]
