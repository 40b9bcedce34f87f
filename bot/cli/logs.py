"""The process's logging: one line per record, no credential in it, text or JSON, verbose for our code only.

Log records carry text from outside (a request body, a display name, an SDK's URL). Every handler
this process installs passes records through `SafeRecords` first, so that nothing a stranger sends
can write a line of its own (a raw newline) or grow the log without bound, and short-lived
credentials (Slack response_url and Socket Mode tickets, Discord interaction tokens and webhook
URLs, API tokens) never reach a file, the libraries' own loggers included.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OUR_LOGGERS = ("bot", "adapters")
# A record longer than this is cut: no legitimate line is, and a hostile body must not fill the disk.
MAX_MESSAGE = 2000
REDACTED = "[redacted]"

# Each pattern keeps what helps an operator (the host, the method) and drops the secret part.
_SECRETS = [
    # Slack response_url: posts into the channel for 30 minutes (hooks.slack.com/actions|commands/…).
    (re.compile(r"(https?://[^\s\"'<>]*?/(?:actions|commands)/)[^\s\"'<>]+"), r"\1" + REDACTED),
    # Socket Mode's WebSocket URL carries a one-time ticket.
    (re.compile(r"([?&]ticket=)[^&\s\"'<>]+"), r"\1" + REDACTED),
    # Discord: /interactions/{id}/{token}/callback and /webhooks/{application_id}/{token}.
    (re.compile(r"(/interactions/\d+/)[^/\s\"'<>]+"), r"\1" + REDACTED),
    (re.compile(r"(/webhooks/\d+/)[^/\s\"'<>?]+"), r"\1" + REDACTED),
    # Slack tokens (bot, user, app-level) wherever an SDK echoes them.
    (re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+"), r"\1-" + REDACTED),
]
_installed: list[logging.Handler] = []  # this process's handlers, replaced by the next setup


def redact(text: str) -> str:
    """`text` with every short-lived credential replaced by [redacted]."""
    for pattern, keep in _SECRETS:
        text = pattern.sub(keep, text)
    return text


def one_line(text: str) -> str:
    """`text` bounded and on one line: CR and LF shown as \\r and \\n, never written raw."""
    if len(text) > MAX_MESSAGE:
        text = f"{text[:MAX_MESSAGE]}… ({len(text)} characters in all)"
    return text.replace("\r", "\\r").replace("\n", "\\n")


class SafeRecords(logging.Filter):
    """Rewrites every record's message as a bounded, redacted single line; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format from a library: keep the raw template
            message = str(record.msg)
        record.msg, record.args = one_line(redact(message)), None
        return True


def setup_logging(verbose: bool, level: str | None = None, *, log_file: Path | None = None,
                  log_format: str = "text") -> list[logging.Handler]:
    """Log to stderr, or with `log_file` (the console drill) to the file, the terminal getting warnings only.

    `verbose` shows debug lines of this project's own loggers; the libraries stay at `level`
    (aiosqlite alone writes ~50 debug lines a second under load).
    """
    chosen = getattr(logging, (level or "INFO").upper(), logging.INFO)
    handlers: list[logging.Handler] = []
    if log_file is None:
        handlers.append(logging.StreamHandler(sys.stderr))
    else:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        terminal = logging.StreamHandler(sys.stderr)
        terminal.setLevel(logging.WARNING)
        handlers.append(terminal)
    formatter = _json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    for handler in handlers:
        handler.addFilter(SafeRecords())
        handler.setFormatter(formatter)
    root = logging.getLogger()
    for handler in _installed:  # a command that sets up its own logging replaces main()'s default
        root.removeHandler(handler)
        handler.close()
    _installed[:] = handlers
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(chosen)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.NOTSET)
    return handlers


def _json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    # One JSON object per line; a traceback goes into its own field, escaped, so the line stays one.
    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
