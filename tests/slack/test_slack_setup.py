"""Setup: the app manifest matches what the adapter uses, and wrong settings fail in one clear line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from bot.ports import AdapterError
from tests.fakes.fake_slack import BOT_TOKEN
from tests.fakes.slack_payloads import SIGNING_SECRET

ROOT = Path(__file__).resolve().parents[2]
# The Web API methods the adapter calls, and the bot scope each one needs (docs.slack.dev/reference/methods).
SCOPES = {"chat_postMessage": "chat:write", "conversations_open": "im:write", "users_info": "users:read",
          "files_upload_v2": "files:write", "views_publish": None, "auth_test": None,
          "conversations_join": "channels:join",
          "apps_connections_open": None}  # the app-level token's connections:write, not a bot scope


def test_manifest_declares_what_the_adapter_uses():
    manifest = yaml.safe_load((ROOT / "slack-app-manifest.yaml").read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == ["/drill"]
    assert features["app_home"] == {"home_tab_enabled": True, "messages_tab_enabled": True,
                                    "messages_tab_read_only_enabled": False}
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert "commands" in scopes
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "adapters" / "slack_adapter").glob("*.py"))
    called = set(re.findall(r"client\.(\w+)\(", source))
    assert {"chat_postMessage", "users_info", "conversations_open"} <= called
    assert called <= set(SCOPES), f"add the scope for {called - set(SCOPES)} to the manifest and to SCOPES"
    for method in called:
        assert SCOPES[method] is None or SCOPES[method] in scopes, method


def test_adapter_modules_have_docstrings_and_stay_readable():
    for path in (ROOT / "adapters" / "slack_adapter").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert ast.get_docstring(ast.parse(text)), path.name
        assert len(text.splitlines()) <= 320, f"{path.name} has grown past one sitting; split it"


async def test_a_wrong_bot_token_fails_connect_with_a_clear_message(fake_slack, app, db_path):
    from adapters.slack_adapter import SlackAdapter
    from bot.settings import Settings

    app.settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path), SLACK_BOT_TOKEN="xoxb-wrong-token",
                            SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.base_url)
    adapter = SlackAdapter(app.settings, app.router, http_host="127.0.0.1", http_port=0)
    with pytest.raises(AdapterError) as refused:
        await adapter.connect()
    message = str(refused.value)
    assert "SLACK_BOT_TOKEN: invalid_auth" in message and "OAuth & Permissions" in message
    assert "xoxb-wrong-token" not in message
    await adapter.disconnect()


async def test_unreachable_api_and_missing_secrets_are_named(app, db_path, unused_tcp_port):
    from adapters.slack_adapter import SlackAdapter
    from bot.settings import Settings

    app.settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path), SLACK_BOT_TOKEN=BOT_TOKEN,
                            SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=f"http://127.0.0.1:{unused_tcp_port}/api")
    from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

    adapter = SlackAdapter(app.settings, app.router, http_host="127.0.0.1", http_port=0, retry_interval=FixedValueRetryIntervalCalculator(0.0))
    with pytest.raises(AdapterError, match="cannot reach the Slack Web API .* check SLACK_API_URL"):
        await adapter.connect()
    app.settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path), SLACK_BOT_TOKEN=BOT_TOKEN)
    with pytest.raises(AdapterError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(app.settings, app.router)


async def test_a_wrong_app_token_fails_socket_mode_with_a_clear_message(fake_slack, app, db_path):
    from adapters.slack_adapter import SlackAdapter
    from bot.settings import Settings

    app.settings = Settings(_env_file=None, SAGA_DRILLS_DB=str(db_path), SLACK_BOT_TOKEN=BOT_TOKEN,
                            SLACK_APP_TOKEN="xapp-1-wrong", SLACK_API_URL=fake_slack.base_url)
    adapter = SlackAdapter(app.settings, app.router)
    with pytest.raises(AdapterError, match=r"Slack refused SLACK_APP_TOKEN: invalid_auth .*connections:write"):
        await adapter.connect()
    await adapter.disconnect()
