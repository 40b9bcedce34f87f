"""CLI: `drills check` and `drills list` over the built-in pack and SAGA_DRILLS_PACKS."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bot.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    drills = sub.add_parser("drills", help="check, list and inspect drill packs")
    dsub = drills.add_subparsers(dest="drills_command", metavar="ACTION", required=True)

    check = dsub.add_parser("check", help="validate drill folders; every problem as path:line: drill-id: message")
    check.add_argument("paths", nargs="*", type=Path, help="folders to check (default: built-in pack + SAGA_DRILLS_PACKS)")
    check.set_defaults(func=cmd_check)

    lst = dsub.add_parser("list", help="list the loaded drills")
    lst.add_argument("--json", action="store_true", help="machine-readable output with counts per tier and language")
    lst.set_defaults(func=cmd_list)


def _folders(paths: list[Path]) -> list[Path]:
    if paths:
        return paths
    from bot.cli.common import load_settings
    from bot.runtime import pack_folders

    return pack_folders(load_settings())


def cmd_check(args: argparse.Namespace) -> int:
    from bot.content.loader import load_library

    folders = _folders(args.paths)
    # A pack folder may lean on the built-in misconception vocabulary, so load it alongside.
    from bot.content.loader import builtin_pack

    lib = load_library(folders, strict=False, vocabulary=[builtin_pack()])
    for problem in lib.problems:
        print(problem)
    if lib.problems:
        print(f"{len(lib.problems)} problem(s) in {len(folders)} folder(s)", file=sys.stderr)
        return 1
    tiers = Counter(d.tier.value for d in lib.drills.values())
    print(f"ok: {len(lib.drills)} drills ({', '.join(f'{n} {t}' for t, n in sorted(tiers.items()))}) in {len(folders)} folder(s)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from bot.content.loader import LibraryError, load_library

    try:
        lib = load_library(_folders([]))
    except LibraryError as exc:
        raise CliError(f"the packs have {len(exc.problems)} problem(s); run `saga-drills drills check`") from None
    drills = sorted(lib.drills.values(), key=lambda d: (d.tier.rank, d.id))
    if args.json:
        print(json.dumps({
            "count": len(drills),
            "active": len([d for d in drills if not d.retracted]),
            "by_tier": dict(Counter(d.tier.value for d in drills)),
            "by_language": dict(Counter(d.snippet.language for d in drills)),
            "drills": [{"id": d.id, "title": d.title, "tier": d.tier.value, "language": d.snippet.language,
                        "topics": list(d.topics), "minutes": d.minutes, "next": d.next, "retracted": d.retracted,
                        "path": lib.paths[d.id]} for d in drills],
        }, indent=2))
        return 0
    for d in drills:
        flag = "  (retracted)" if d.retracted else ""
        print(f"{d.tier.value:<7} {d.snippet.language:<10} {d.id:<45} {d.title}{flag}")
    print(f"{len(drills)} drills", file=sys.stderr)
    return 0
