"""CLI: `saga-drills slack manifest`, the app manifest to paste at api.slack.com/apps, for either mode."""

from __future__ import annotations

import argparse
import re
import sys
from importlib import resources
from urllib.parse import urlsplit

EVENTS_PATH = "/slack/events"
# The three lines the shipped manifest leaves commented for Socket Mode, as `# key: URL   # HTTP mode`.
_HTTP_LINE = re.compile(r"^(?P<indent>\s*)# (?P<key>url|request_url): \S+\s+# HTTP mode$", re.M)


def register(sub: argparse._SubParsersAction) -> None:
    sl = sub.add_parser("slack", help="Slack set-up: print the app manifest")
    ssub = sl.add_subparsers(dest="slack_command", metavar="ACTION", required=True)
    manifest = ssub.add_parser(
        "manifest", help="print the Slack app manifest (Socket Mode, or HTTP mode with --http-url)",
        description="Print the manifest to paste at api.slack.com/apps → Create New App → From a manifest. "
                    "Without --http-url it is set up for Socket Mode (no public URL needed).")
    manifest.add_argument("--http-url", metavar="URL",
                          help="the public HTTPS address that reaches SLACK_HTTP_PORT, e.g. https://drills.example.com; "
                               f"{EVENTS_PATH} is added when missing")
    manifest.set_defaults(func=cmd_manifest)


def manifest_text(http_url: str | None = None) -> str:
    """The shipped manifest; with `http_url`, switched to HTTP mode with the URL in its three places."""
    text = (resources.files("adapters") / "slack_adapter" / "app-manifest.yaml").read_text(encoding="utf-8")
    if http_url is None:
        return text
    url = events_url(http_url)
    text, filled = _HTTP_LINE.subn(lambda m: f"{m['indent']}{m['key']}: {url}", text)
    if filled != 3:  # the shipped file is tested; this guards a hand-edited copy
        raise ValueError(f"the manifest has {filled} of the 3 HTTP-mode lines; edit it by hand")
    return text.replace("socket_mode_enabled: true", "socket_mode_enabled: false")


def events_url(http_url: str) -> str:
    """`https://host[/prefix]` → `https://host[/prefix]/slack/events`; Slack only calls HTTPS URLs."""
    parts = urlsplit(http_url.strip())
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"--http-url must be a public https:// address without ?query or #fragment, got {http_url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(EVENTS_PATH):
        path += EVENTS_PATH
    return f"https://{parts.netloc}{path}"


def cmd_manifest(args: argparse.Namespace) -> int:
    try:
        text = manifest_text(args.http_url)
    except ValueError as exc:
        print(f"saga-drills slack manifest: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0
