"""CLI: run the bot, drill in the console, export answers/members/drills, back up the database."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from bot.cli import CliError, setup_logging
from bot.cli.common import load_settings, run_with_app
from bot.messages import PLATFORMS
from bot.roles import ROLES, RoleError, plan



def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start the bot (every configured platform; the console when none is)",
                         description="Start the bot. With no --adapter, every platform whose credentials are set; "
                                     "with none set, the console drill on the embedded SQLite database.")
    run.add_argument("--adapter", action="append", choices=PLATFORMS, help="platform to serve (repeatable)")
    run.add_argument("--role", choices=ROLES, default="all",
                     help="all (default): every platform and the scheduler; web: Slack HTTP events, no scheduler; "
                          "clock: the scheduler, sending only; discord: the Discord gateway, no scheduler")
    run.set_defaults(func=cmd_run)

    con = sub.add_parser("console", help="drill in the terminal on the same engine and database")
    con.add_argument("--member", help="your name in the console (default: you)")
    con.set_defaults(func=cmd_console)

    exp = sub.add_parser("export", help="write recorded answers, members or per-drill figures as CSV",
                         description="Write CSV. Members who opted out of leaderboards appear under a stable pseudonym, without a name.")
    exp.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    exp.add_argument("--what", choices=["answers", "members", "drills"], default="answers",
                     help="answers (one row each, default), members (counts, altitude) or drills (per-drill figures)")
    exp.add_argument("--out", type=Path, help="file to write (default: standard output)")
    exp.set_defaults(func=cmd_export)

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    backup = dbsub.add_parser("backup", help="copy the live database to PATH (safe while the bot runs)")
    backup.add_argument("path", type=Path)
    backup.set_defaults(func=cmd_backup)


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    # Half a platform's credentials is a mistake, not a wish for the console: say what is missing.
    if problems := settings.platform_problems():
        raise CliError("; ".join(problems))
    try:
        role = plan(args.role, configured=settings.configured_platforms(), asked=args.adapter)
    except RoleError as exc:
        raise CliError(str(exc)) from None
    names = list(role.adapters)
    if "console" in names:  # the terminal is the drill: the log goes beside the database
        # (beside a SQLite file; with a PostgreSQL URL, in the folder it was started from)
        log_file = (settings.db.absolute().parent if isinstance(settings.db, Path) else Path.cwd()) / "saga-drills.log"
        print(f"saga-drills: logging to {log_file}", file=sys.stderr)
        setup_logging(args.verbose, settings.log_level, log_file=log_file, log_format=settings.log_format)
    else:
        setup_logging(args.verbose, settings.log_level, log_format=settings.log_format)
    missing = [n for n in names if n != "console" and n not in settings.configured_platforms()]
    if missing:
        hints = {"slack": "SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)",
                 "discord": "DISCORD_TOKEN"}
        raise CliError("; ".join(f"--adapter {n} needs {hints[n]}" for n in missing))
    from bot.runtime import serve

    return run_with_app(settings, lambda app: serve(app, names, role=role))


def cmd_console(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(args.verbose, "WARNING")

    async def body(app):  # type: ignore[no-untyped-def]
        from adapters.console_adapter import ConsoleAdapter

        adapter = ConsoleAdapter(app.settings, app.router, member=args.member, drill_count=len(app.library.active))
        await adapter.connect()
        await adapter.listen()
        return 0

    return run_with_app(settings, body)


# chosen_option is the letter the member saw (options are shuffled per delivery); option_index is
# the option's place in the drill file, for joining answers across deliveries.
EXPORT_COLUMNS = ["member", "display_name", "platform", "drill", "tier", "delivery_kind", "chosen_option",
                  "option_index", "chosen_text", "correct", "answered_at_utc"]


def cmd_export(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def body(app):  # type: ignore[no-untyped-def]
        from bot.leaderboard import export

        # --out writes a temporary file and renames it at the end: a failure midway leaves no
        # half a file that looks like an export, and never overwrites a good one.
        partial = args.out.with_name(f".{args.out.name}.partial") if args.out else None
        out = partial.open("w", newline="", encoding="utf-8") if partial else sys.stdout
        try:
            writer = _SafeWriter(csv.writer(out))
            if args.what == "answers":
                count = await _write_answers(app, writer)
            else:
                columns, rows = ((export.MEMBER_COLUMNS, await export.member_rows(app)) if args.what == "members"
                                 else (export.DRILL_COLUMNS, await export.drill_rows(app)))
                writer.writerow(columns)
                writer.writerows(rows)
                count = len(rows)
        except BaseException:
            if partial:
                out.close()
                partial.unlink(missing_ok=True)
            raise
        if partial:
            out.close()
            partial.replace(args.out)
            print(f"wrote {count} {args.what} to {args.out}", file=sys.stderr)
        return 0

    return run_with_app(settings, body, create=False)


def _letter(order: tuple[int, ...], index: int) -> str:
    from bot.content.models import LETTERS

    return LETTERS[order.index(index)] if index in order else ""


class _SafeWriter:
    """csv.writer whose every cell goes through export.cell: no formulas, no control characters."""

    def __init__(self, writer) -> None:  # type: ignore[no-untyped-def]
        from bot.leaderboard.export import cell

        self._writer, self._cell = writer, cell

    def writerow(self, row) -> None:  # type: ignore[no-untyped-def]
        self._writer.writerow([self._cell(v) for v in row])

    def writerows(self, rows) -> None:  # type: ignore[no-untyped-def]
        for row in rows:
            self.writerow(row)


async def _chain(first, rest):  # type: ignore[no-untyped-def]
    if first is not None:
        yield first
    async for row in rest:
        yield row


async def _write_answers(app, writer) -> int:  # type: ignore[no-untyped-def]
    from bot.leaderboard import export

    shown = await export.privacy(app)  # opted-out members: a stable pseudonym, no name
    rows = app.store.export_answers()
    # The first row is read before the header is written: a database that fails does so before
    # any output, so stdout never holds a header and then an error.
    first = await anext(rows, None)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    async for row in _chain(first, rows):
        drill = app.library.get(row.drill_id)
        option = drill.options[row.option_index] if drill and row.option_index < len(drill.options) else None
        writer.writerow([
            *shown(row.member, row.display_name), row.platform, row.drill_id, drill.tier.value if drill else "",
            row.delivery_kind, _letter(row.option_order, row.option_index), row.option_index, option.text if option else "", "right" if row.correct else "wrong",
            row.answered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ])
        count += 1
    return count


def cmd_backup(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.path.exists():
        raise CliError(f"{args.path} exists; pick a new file so no backup is overwritten")

    async def body(app):  # type: ignore[no-untyped-def]
        await app.store.backup(args.path)
        print(f"backed up {settings.db} to {args.path}")
        return 0

    return run_with_app(settings, body, create=False)

