"""The `saga-drills` command line; each `*_cmds` module in this package adds its subcommands."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence


EPILOG = """Settings come from the environment or a .env file (see .env.example).
With no platform token set, `saga-drills run` starts the console drill."""


from bot.cli.logs import setup_logging  # noqa: E402  (re-exported: the commands import it from here)

__all__ = ["CliError", "main", "setup_logging"]


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit code 1 (or `code`)."""

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("saga-drills")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _verbose_anywhere(argv: list[str]) -> tuple[list[str], bool]:
    """`-v` is accepted after the subcommand too (`saga-drills run -v`), as people type it."""
    head, sep, tail = (argv[: argv.index("--")], ["--"], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [], [])
    verbose = any(a in ("-v", "--verbose") for a in head)
    return [a for a in head if a not in ("-v", "--verbose")] + sep + tail, verbose


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saga-drills", description="Daily saga code-reading drills for Slack, Discord and the terminal.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # Command modules keep heavy imports inside their handlers so that --help stays fast.
    # core_cmds first, so `run` and `console` head the help.
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: (m.name != "core_cmds", m.name)):
        if info.name.endswith("_cmds"):
            importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    rest, verbose = _verbose_anywhere(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(rest)
    args.verbose = args.verbose or verbose
    # Every command logs through the safe handlers (warnings, unless it sets up more itself), so no
    # library line reaches the terminal with a credential or a raw newline in it.
    setup_logging(args.verbose, "WARNING")
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # `saga-drills drills list | head`: the reader left; end quietly, as cat and grep do.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the interpreter's final flush stays silent
        return 0
    except CliError as exc:
        print(f"saga-drills: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # known failures become one clear line, never a traceback
        from bot.content.loader import LibraryError
        from bot.ports import AdapterError
        from bot.store import StoreError

        if isinstance(exc, LibraryError):
            print("\n".join(str(p) for p in exc.problems), file=sys.stderr)
            print(f"saga-drills: {len(exc.problems)} problem(s) in the drill packs; fix them and try again", file=sys.stderr)
            return 1
        if isinstance(exc, (StoreError, AdapterError)):
            print(f"saga-drills: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
