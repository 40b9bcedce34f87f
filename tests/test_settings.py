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


# -- no silent fallback (issue 15) ------------------------------------------------------------
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

from bot.settings import unknown_keys  # noqa: E402


def _run(tmp_path: Path, *args: str, env_file: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".env").write_text(env_file)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SAGA_DRILLS_", "SLACK_", "DISCORD_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**clean, **env, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL, timeout=60)


def test_a_misspelt_key_in_env_or_environment_is_warned_with_the_closest_name(tmp_path: Path) -> None:
    result = _run(tmp_path, "drills", "list", env_file="SLACK_BOT_TOKN=xoxb-1\nSAGA_DRILS_LEADS=U1\n",
                  DISCORD_TOKN="x")
    assert result.returncode == 0, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if "warning" in ln]
    assert lines == [
        "saga-drills: warning: DISCORD_TOKN is not a saga-drills setting and is ignored; did you mean DISCORD_TOKEN?",
        "saga-drills: warning: SAGA_DRILS_LEADS is not a saga-drills setting and is ignored; did you mean SAGA_DRILLS_LEADS?",
        "saga-drills: warning: SLACK_BOT_TOKN is not a saga-drills setting and is ignored; did you mean SLACK_BOT_TOKEN?",
    ]
    assert unknown_keys({"SAGA_DRILLS_DB": "x", "HOME": "/"}, env_file=None) == []


@pytest.mark.parametrize(("env", "message"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_APP_TOKEN set but SLACK_BOT_TOKEN is not"),
    ({"DISCORD_GUILD_IDS": "123"}, "DISCORD_GUILD_IDS set but DISCORD_TOKEN is not"),
])
def test_a_half_configured_platform_does_not_start_the_console(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = _run(tmp_path, "run", **env)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "saga-drills.db").exists()


@pytest.mark.parametrize(("env", "field", "words"), [
    ({"LOG_LEVEL": "LOUD"}, "SAGA_DRILLS_LOG_LEVEL", "'LOUD' is not a log level"),
    ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL", "is not an http(s) URL"),
    ({"SAGA_DRILLS_ORBIT": "0.5"}, "settings", "SAGA_DRILLS_ORBIT (0.5) is below SAGA_DRILLS_MASTERY (0.6)"),
])
def test_bad_values_are_refused_naming_the_field(tmp_path: Path, env: dict[str, str], field: str, words: str) -> None:
    result = _run(tmp_path, "schedule", "list", **env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"saga-drills: bad settings: {field}: ") and words in result.stderr, result.stderr


def test_the_web_api_url_gets_its_trailing_slash() -> None:
    assert Settings(_env_file=None, SLACK_API_URL="http://127.0.0.1:9/api").slack_api_url == "http://127.0.0.1:9/api/"


def test_every_dependency_has_an_upper_bound_and_a_tested_pin() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    unbounded = [r for r in requirements if not r.startswith("saga-drills[") and "<" not in r]
    assert unbounded == []
    pinned = {ln.split("==")[0].lower().replace("_", "-") for ln in (ROOT / "constraints.txt").read_text().splitlines()
              if "==" in ln}
    named = {re.split(r"[<>=\[]", r)[0].lower().replace("_", "-") for r in requirements if not r.startswith("saga-drills[")}
    assert named - pinned == set(), "regenerate constraints.txt (see its header)"
