"""CLI: `leaderboard`, `report` and `season` in the terminal, with the PNG written on request."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import CliError
from bot.cli.common import load_settings, run_with_app

if TYPE_CHECKING:
    from bot.app import App

PERIOD_CHOICES = ("week", "last-week", "month", "last-month", "season", "all")
# Folding more answers than this on first use is worth a progress bar on stderr.
PROGRESS_FROM = 20_000


def register(sub: argparse._SubParsersAction) -> None:
    board = sub.add_parser("leaderboard", help="print a leaderboard (and write its PNG chart)",
                           description="Print the leaderboard of a workspace/server (or one channel's drills) for a period. "
                                       "With one workspace in the database, --platform/--space are not needed.")
    board.add_argument("--period", choices=PERIOD_CHOICES, default="week", help="calendar period in SAGA_DRILLS_TZ (default: week)")
    board.add_argument("--season", metavar="NAME", help="a past season by name (implies --period season)")
    board.add_argument("--channel", help="only drills posted in this channel id")
    board.add_argument("--top", type=int, default=20, help="rows to print (default: 20)")
    _scope_args(board)
    board.add_argument("--png", type=Path, metavar="FILE", help="also write the chart (altitude distribution, top members)")
    board.add_argument("--json", action="store_true", help="machine-readable output: title, columns, rows, footer")
    board.set_defaults(func=cmd_leaderboard)

    report = sub.add_parser("report", help="print the team's blind spots per topic and misconception (and write its PNG)")
    report.add_argument("--period", choices=PERIOD_CHOICES, default="all", help="period (default: all)")
    report.add_argument("--season", metavar="NAME", help="a past season by name (implies --period season)")
    report.add_argument("--top", type=int, default=10, help="topics and traps to print, each (default: 10)")
    _scope_args(report)
    report.add_argument("--png", type=Path, metavar="FILE", help="also write the chart (accuracy per topic)")
    report.add_argument("--json", action="store_true", help="machine-readable output: title, columns, rows, footer")
    report.set_defaults(func=cmd_report)

    season = sub.add_parser("season", help="start, end or list seasons")
    ssub = season.add_subparsers(dest="season_command", metavar="ACTION", required=True)
    start = ssub.add_parser("start", help="start a season (one open season per workspace)")
    start.add_argument("name", nargs="+", help='the season name, e.g. "Q1 2026"')
    _scope_args(start)
    start.set_defaults(func=cmd_season)
    end = ssub.add_parser("end", help="end the open season; its final board stays viewable")
    _scope_args(end)
    end.set_defaults(func=cmd_season)
    lst = ssub.add_parser("list", help="list seasons, newest first")
    lst.add_argument("--json", action="store_true", help="machine-readable output: title, columns, rows, footer")
    _scope_args(lst)
    lst.set_defaults(func=cmd_season)


def _scope_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", help="slack, discord or console (default: the only one with answers)")
    parser.add_argument("--space", help="Slack team id or Discord guild id (default: the only one with answers)")


def _positive(value: int, name: str) -> int:
    if value < 1:
        raise CliError(f"{name} must be at least 1")
    return value


async def _scope(app: App, args: argparse.Namespace, boards: Any) -> tuple[str, str]:
    """The workspace to show: as given, or the only one with answers."""
    if args.platform and args.space:
        return args.platform, args.space
    if args.platform or args.space:
        raise CliError("pass both --platform and --space, or neither")
    scopes = await boards.store.scopes()
    if len(scopes) == 1:
        return scopes[0][0], scopes[0][1]
    if not scopes:
        raise CliError("no answers recorded yet; pass --platform and --space to name a workspace")
    found = ", ".join(f"--platform {p} --space {s} ({n} answers)" for p, s, n in scopes[:6])
    raise CliError(f"{len(scopes)} workspaces have answers; pick one: {found}")


async def _catch_up(boards: Any) -> None:
    """Fold new answers in, with a progress bar when it is a long first catch-up."""
    todo = await boards.store.pending()
    if todo < PROGRESS_FROM or not sys.stderr.isatty():
        await boards.refresh()
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("Indexing answers for leaderboards (once)", total=todo)
        await boards.refresh(progress=lambda done, total: progress.update(task, completed=done, total=total))


def _print_and_save(table: Any, png: Path | None, what: str, *, as_json: bool = False) -> None:
    from rich.console import Console

    from adapters.console_adapter.render import render
    from bot.leaderboard.export import printable

    if as_json:  # rows keyed by column, as the table shows them; names stay as they are (JSON escapes them)
        print(json.dumps({"title": table.title, "columns": list(table.columns),
                          "rows": [dict(zip(table.columns, row)) for row in table.rows], "footer": table.footer},
                         ensure_ascii=False, indent=2))
        _save_png(table, png, what)
        return
    # Names are strangers' text: no control character reaches the operator's terminal raw.
    shown = table.model_copy(update={"title": printable(table.title), "footer": printable(table.footer, lines=True),
                                     "rows": tuple(tuple(printable(c) for c in row) for row in table.rows)})
    # Piped output gets room for the report's wide rows instead of rich's 80-column default.
    Console(width=None if sys.stdout.isatty() else 180).print(render(shown))
    _save_png(table, png, what)


def _save_png(table: Any, png: Path | None, what: str) -> None:
    if png is None:
        return
    if table.image is None:
        from bot.leaderboard import charts

        if not charts.available():
            raise CliError(f"no PNG written: {charts.EXTRA_HINT}")
        raise CliError(f"no PNG written: there is nothing to draw for this {what} yet")
    png.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(table.image.data)
    print(f"wrote {png} ({len(table.image.data) // 1024} KB)", file=sys.stderr)


def _show(args: argparse.Namespace, what: str, draw: Callable[[Any, str, str, str, int], Awaitable[Any]]) -> int:
    """Catch up, pick the workspace, draw the board or report with `draw`, print it, save the PNG."""
    settings = load_settings()
    top = _positive(args.top, "--top")
    period = "season" if args.season else args.period

    async def body(app: App) -> int:
        from bot.leaderboard import BoardError
        from bot.leaderboard.service import Leaderboards

        boards = Leaderboards(app)
        await _catch_up(boards)
        platform, space = await _scope(app, args, boards)
        try:
            table = await draw(boards, platform, space, period, top)
        except BoardError as exc:
            raise CliError(str(exc).replace("/drill ", "saga-drills ")) from None
        _print_and_save(table, args.png, what, as_json=args.json)
        return 0

    return run_with_app(settings, body, create=False)


def cmd_leaderboard(args: argparse.Namespace) -> int:
    async def draw(boards: Any, platform: str, space: str, period: str, top: int) -> Any:
        from bot.leaderboard.scope import Scope

        return await boards.board(Scope(platform, space, args.channel), period, season_name=args.season,
                                  top=top, image=args.png is not None)

    return _show(args, "leaderboard", draw)


def cmd_report(args: argparse.Namespace) -> int:
    async def draw(boards: Any, platform: str, space: str, period: str, top: int) -> Any:
        return await boards.report(platform, space, period, season_name=args.season, top=top,
                                   image=args.png is not None)

    return _show(args, "report", draw)


def cmd_season(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def body(app: App) -> int:
        from bot.leaderboard import BoardError
        from bot.leaderboard.service import Leaderboards

        boards = Leaderboards(app)
        await _catch_up(boards)
        platform, space = await _scope(app, args, boards)
        try:
            if args.season_command == "start":
                season = await boards.start_season(platform, space, " ".join(args.name), by=None)
                print(f"Season “{season.name}” started in {platform}/{space}.")
            elif args.season_command == "end":
                season = await boards.end_season(platform, space, by=None)
                print(f"Season “{season.name}” ended in {platform}/{space}; `saga-drills leaderboard --season "
                      f"\"{season.name}\"` shows its final board.")
            else:
                _print_and_save(await boards.season_table(platform, space), None, "season list", as_json=args.json)
        except BoardError as exc:
            raise CliError(str(exc).replace("/drill ", "saga-drills ")) from None
        return 0

    return run_with_app(settings, body, create=False)
