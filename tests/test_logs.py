"""Logs: nothing a stranger sends reaches them unbounded or as a line of its own; no credential in them."""

from __future__ import annotations

import json
import logging
import pytest

from bot.cli.logs import MAX_MESSAGE, SafeRecords, redact


def test_no_record_writes_a_raw_newline_or_an_unbounded_message(log_to) -> None:  # type: ignore[no-untyped-def]
    path = log_to()
    log = logging.getLogger("bot.test")
    log.warning("member %s joined", "eve\n2026-12-01 09:00:00,000 ERROR bot.runtime: forged")
    log.warning("payload %s", "y" * (MAX_MESSAGE * 10))
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and "\\n2026-12-01" in lines[0]
    assert len(lines[1]) < MAX_MESSAGE + 200 and "characters in all" in lines[1]


@pytest.mark.parametrize(("secret", "kept"), [
    ("https://hooks.slack.com/actions/T0SAGA/123/AbCdEfSecret", "https://hooks.slack.com/actions/[redacted]"),
    ("https://hooks.slack.com/commands/T0SAGA/456/XyZSecret", "https://hooks.slack.com/commands/[redacted]"),
    ("wss://wss-primary.slack.com/link/?ticket=ab12-SECRET&app_id=A1", "wss://wss-primary.slack.com/link/?ticket=[redacted]&app_id=A1"),
    ("POST https://discord.com/api/v10/interactions/123456/aW50ZXJhY3Rpb24-SECRET/callback",
     "POST https://discord.com/api/v10/interactions/123456/[redacted]/callback"),
    ("PATCH https://discord.com/api/v10/webhooks/987654/aW50-SECRET/messages/@original",
     "PATCH https://discord.com/api/v10/webhooks/987654/[redacted]/messages/@original"),
    ("Authorization: Bearer xoxb-1234-5678-SECRET", "Authorization: Bearer xoxb-[redacted]"),
    ("token xapp-1-A1-SECRET", "token xapp-[redacted]"),
])
def test_short_lived_credentials_are_redacted_in_any_logger(secret: str, kept: str, log_to) -> None:  # type: ignore[no-untyped-def]
    assert redact(secret) == kept
    path = log_to()
    for name in ("slack_sdk.web.async_base_client", "discord.http", "aiohttp.client", "bot.anything"):
        logging.getLogger(name).warning("sent %s", secret)
    text = path.read_text()
    assert "SECRET" not in text and text.count(kept) == 4


def test_json_logs_are_one_object_per_line(log_to) -> None:  # type: ignore[no-untyped-def]
    path = log_to(log_format="json")
    log = logging.getLogger("bot.test")
    log.info("hello %s", "ana\nforged")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["message"] for r in records] == ["hello ana\\nforged", "it failed"]
    assert records[0]["level"] == "INFO" and records[0]["logger"] == "bot.test" and "time" in records[0]
    assert "ValueError: boom" in records[1]["exc_info"]


def test_verbose_shows_our_debug_lines_not_the_libraries(log_to) -> None:  # type: ignore[no-untyped-def]
    path = log_to(verbose=True)
    logging.getLogger("bot.engine").debug("our detail")
    logging.getLogger("adapters.slack_adapter").debug("adapter detail")
    logging.getLogger("aiosqlite").debug("executing SELECT 1")
    text = path.read_text()
    assert "our detail" in text and "adapter detail" in text and "executing" not in text


def test_a_broken_library_format_string_still_logs() -> None:
    record = logging.LogRecord("lib", logging.INFO, __file__, 1, "bad %d format", ("x",), None)
    assert SafeRecords().filter(record) and record.getMessage() == "bad %d format"


def test_every_cli_command_logs_through_the_safe_handlers(capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    assert main(["drills", "list"]) == 0
    ours = [h for h in logging.getLogger().handlers if any(isinstance(f, SafeRecords) for f in h.filters)]
    assert len(ours) == 1 and ours[0].level == logging.NOTSET
    logging.getLogger("slack_sdk").warning("opened https://hooks.slack.com/actions/T1/2/LEAKED")
    assert "LEAKED" not in capsys.readouterr().err
    for handler in ours:
        logging.getLogger().removeHandler(handler)
