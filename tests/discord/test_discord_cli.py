"""`saga-drills discord sync-commands` and `invite-url`, run in-process against the fake Discord."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.cli import main
from tests.discord.conftest import TOKEN
from tests.fakes import discord_payloads as D
from tests.fakes.discord_responses import error

# view_channel 1<<10, send_messages 1<<11, embed_links 1<<14, attach_files 1<<15,
# read_message_history 1<<16, create_public_threads 1<<35, send_messages_in_threads 1<<38
EXPECTED_PERMISSIONS = (1 << 10) + (1 << 11) + (1 << 14) + (1 << 15) + (1 << 16) + (1 << 35) + (1 << 38)
SUBCOMMANDS = {"next", "stats", "leaderboard", "season", "report", "schedule", "pause", "resume", "optout", "optin",
               "forget-me", "help", "do"}


@pytest.fixture
def discord_env(monkeypatch, tmp_path, fake_discord):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("SAGA_DRILLS_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DISCORD_API_BASE_URL", f"http://127.0.0.1:{fake_discord.port}")  # /api/v10 is added
    monkeypatch.setenv("DISCORD_GATEWAY_URL", fake_discord.gateway_url)
    return monkeypatch


async def run_cli(*argv: str) -> int:
    # The CLI runs its own event loop; a worker thread keeps the fake serving on this one.
    return await asyncio.to_thread(main, list(argv))


async def test_sync_commands_per_guild(discord_env, fake_discord, capsys):
    discord_env.setenv("DISCORD_GUILD_IDS", D.GUILD_ID)
    assert await run_cli("discord", "sync-commands") == 0
    [put] = fake_discord.of("PUT", rf"/applications/{D.APP_ID}/guilds/{D.GUILD_ID}/commands")
    assert put.headers["Authorization"] == f"Bot {TOKEN}"
    [drill] = put.json
    assert drill["name"] == "drill" and {o["name"] for o in drill["options"]} == SUBCOMMANDS
    assert not fake_discord.of("PUT", rf"/applications/{D.APP_ID}/commands")  # nothing global
    assert f"synced /drill for server {D.GUILD_ID}" in capsys.readouterr().out


async def test_sync_commands_global_and_clear(discord_env, fake_discord, capsys):
    assert await run_cli("discord", "sync-commands") == 0
    [put] = fake_discord.of("PUT", rf"/applications/{D.APP_ID}/commands")
    assert [c["name"] for c in put.json] == ["drill"]
    assert put.json[0]["contexts"] == [0]  # servers only, never DMs
    assert await run_cli("discord", "sync-commands", "--clear") == 0
    assert fake_discord.of("PUT", rf"/applications/{D.APP_ID}/commands")[1].json == []
    assert "cleared no commands" in capsys.readouterr().out


async def test_invite_url_has_exact_scopes_and_permissions(discord_env, fake_discord, capsys):
    discord_env.setenv("DISCORD_APPLICATION_ID", "123456789012345678")
    assert await run_cli("discord", "invite-url") == 0
    url = urlsplit(capsys.readouterr().out.strip())
    query = parse_qs(url.query)
    assert (url.netloc, url.path) == ("discord.com", "/oauth2/authorize")
    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    assert query["permissions"] == [str(EXPECTED_PERMISSIONS)] == ["309237763072"]
    assert fake_discord.calls == []  # the id was given: no API call


async def test_invite_url_fetches_the_application_id_with_the_token(discord_env, fake_discord, capsys):
    assert await run_cli("discord", "invite-url") == 0
    assert parse_qs(urlsplit(capsys.readouterr().out.strip()).query)["client_id"] == [D.APP_ID]
    assert fake_discord.of("GET", "/oauth2/applications/@me")


async def test_a_bad_token_is_one_clean_line(discord_env, fake_discord, capsys):
    fake_discord.override("GET", "/users/@me", lambda call: error(401, 0, "401: Unauthorized"))
    assert await run_cli("discord", "sync-commands") == 1
    err = capsys.readouterr().err
    assert "Discord rejected DISCORD_TOKEN" in err and "Traceback" not in err and TOKEN not in err
