"""CLI: `drills check|list|render|preview|stats|schema|lock` over the built-in pack and SAGA_DRILLS_PACKS."""

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
    check.add_argument("--strict", action="store_true",
                       help="count breaches of the authoring standard (cues, option count, sources) as errors")
    check.add_argument("--quiet", action="store_true", help="print the problems only, not the per-pack cue report")
    check.set_defaults(func=cmd_check)

    lst = dsub.add_parser("list", help="list the loaded drills")
    lst.add_argument("--json", action="store_true", help="machine-readable output with counts per tier and language")
    lst.set_defaults(func=cmd_list)

    render = dsub.add_parser("render", help="print the exact payload JSON an adapter sends for a drill card")
    render.add_argument("drill_id", metavar="ID")
    render.add_argument("--platform", choices=["slack", "discord", "console"], required=True)
    render.set_defaults(func=cmd_render)

    preview = dsub.add_parser("preview", help="show a drill in the terminal, with the answer key")
    preview.add_argument("drill_id", metavar="ID")
    preview.set_defaults(func=cmd_preview)

    stats = dsub.add_parser("stats", help="item analysis of recorded answers: %% right, spread, discrimination")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(func=cmd_stats)

    schema = dsub.add_parser("schema", help="write the JSON Schema of a drill file (for editor completion)")
    schema.add_argument("--out", type=Path, help="where to write it (default: drills/schema.json in the package)")
    schema.set_defaults(func=cmd_schema)

    lock = dsub.add_parser("lock", help="record new drill ids in a pack's shipped-ids.txt")
    lock.add_argument("folder", type=Path, nargs="?", help="pack folder (default: the built-in pack)")
    lock.set_defaults(func=cmd_lock)


def _folders(paths: list[Path]) -> list[Path]:
    if paths:
        return paths
    from bot.cli.common import load_settings
    from bot.runtime import pack_folders

    return pack_folders(load_settings())


def cmd_check(args: argparse.Namespace) -> int:
    from adapters import payload_renderers
    from bot.content import snippets
    from bot.content.checks import check_library
    from bot.content.loader import builtin_pack, load_library

    folders = _folders(args.paths)
    # A pack is judged with what `run` loads beside it (the built-in pack and SAGA_DRILLS_PACKS):
    # an id that duplicates a core drill fails here, a `next:` into the core resolves. Only the
    # named folders' problems are reported.
    beside = [f for f in _folders([]) if f.resolve() not in {p.resolve() for p in folders}] if args.paths else []
    lib = load_library([*beside, *folders], strict=False, vocabulary=[builtin_pack()])
    roots = [f.resolve() for f in folders]
    own = [d for d in lib.drills.values() if _under(lib.paths[d.id], roots)]
    missing = snippets.missing_parsers({d.snippet.language for d in own})
    found = [*lib.problems, *check_library(lib, renderers=payload_renderers(), packs=folders)]
    problems = sorted((p for p in found if _under(p.path, roots)), key=lambda p: (p.path, p.line))
    for problem in problems:
        print(problem)
    if not args.quiet:
        _print_cue_report(lib, folders, roots)
    if missing:
        print(f"note: {', '.join(missing)} snippets were not parsed: install the parsers with "
              f"`pip install 'saga-drills[check]'` ({snippets.PARSER_PACKAGES})", file=sys.stderr)
    errors = [p for p in problems if args.strict or not p.warning]
    warnings = len(problems) - len(errors)
    if errors:
        print(f"{len(errors)} problem(s){f' and {warnings} warning(s)' if warnings else ''} in {len(folders)} folder(s)"
              + ("" if args.strict else "; warnings break the authoring standard, --strict counts them"), file=sys.stderr)
        return 1
    tiers = Counter(d.tier.value for d in own)
    extra = f", {warnings} warning(s) (--strict counts them as problems)" if warnings else ""
    print(f"ok: {len(own)} drills ({', '.join(f'{n} {t}' for t, n in sorted(tiers.items()))}) in {len(folders)} folder(s){extra}")
    return 0


def _under(path: str | Path, roots: list[Path]) -> bool:
    """Whether `path` lies in one of the folders being checked (not in a pack loaded beside them)."""
    return any(Path(path).resolve().is_relative_to(r) for r in roots)


def _print_cue_report(lib, folders: list[Path], roots: list[Path]) -> None:  # type: ignore[no-untyped-def]
    """Per pack: how many keys each blind cue would pick, against guessing; the key's length ranks."""
    from bot.content import standard
    from bot.content.checks import pack_drills

    for folder, drills in pack_drills(lib, folders).items():
        if not _under(folder, roots):
            continue
        ranks = standard.key_length_ranks(drills)
        names = {1: "longest", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
        print(f"cue report for {folder} ({len(drills)} active drills): what a member who never reads the code would score")
        print("  key length rank: " + ", ".join(f"{names.get(r, r)} {n}" for r, n in ranks.items()))
        for score in standard.cue_scores(drills):
            print(f"  {score}")


def _library():  # type: ignore[no-untyped-def]
    from bot.content.loader import LibraryError, load_library

    try:
        return load_library(_folders([]))
    except LibraryError as exc:
        raise CliError(f"the packs have {len(exc.problems)} problem(s); run `saga-drills drills check`") from None


def _drill(lib, drill_id: str):  # type: ignore[no-untyped-def]
    drill = lib.get(drill_id)
    if drill is None:
        # Ids that start with what was typed come first: with 126 drills a bare substring
        # match lists whatever sorts first, not what the member was typing.
        close = sorted((d for d in lib.drills if drill_id in d), key=lambda d: (not d.startswith(drill_id), d))[:5]
        hint = f"; did you mean {', '.join(close)}?" if close else "; `saga-drills drills list` shows them all"
        raise CliError(f"no drill has id {drill_id!r}{hint}")
    return drill


def _card(drill):  # type: ignore[no-untyped-def]
    """The card as a channel post shows it, options in file order (a real delivery shuffles them)."""
    from datetime import datetime, timezone

    from bot.engine import card_view
    from bot.store import Delivery

    delivery = Delivery(id="preview", drill_id=drill.id, kind="channel", member_id=None, platform="preview",
                        space="preview", option_order=tuple(range(len(drill.options))),
                        created_at=datetime.now(timezone.utc))
    return card_view(delivery, drill, footer="answers are private · the team reveal is at 17:00")


def cmd_render(args: argparse.Namespace) -> int:
    card = _card(_drill(_library(), args.drill_id))
    if args.platform == "console":
        from adapters.console_adapter.render import render_text

        payload = {"text": render_text(card)}
    else:
        from adapters import payload_renderer

        module = payload_renderer(args.platform)
        payload = module.render_payload(card)
        problems = module.limit_problems(payload)
        if problems:
            print("\n".join(f"over the {args.platform} limits: {p}" for p in problems), file=sys.stderr)
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from rich.console import Console

    from adapters.console_adapter.render import render
    from bot.content.models import LETTERS

    drill = _drill(_library(), args.drill_id)
    console = Console()
    console.print(render(_card(drill)))
    console.print("[bold]Answer key[/bold]")
    for i, option in enumerate(drill.options):
        mark = "[green]✔ best[/green]" if option.best else f"[red]✘[/red] [dim]{option.misconception}[/dim]"
        console.print(f" {LETTERS[i]}) {mark} {option.why}")
    console.print(f"[bold]Recap[/bold] {drill.recap}")
    if drill.next:
        console.print(f"[dim]next: {drill.next}[/dim]")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.cli.common import load_settings, run_with_app
    from bot.content.item_analysis import Response, analyse
    from bot.content.models import LETTERS

    async def body(app):  # type: ignore[no-untyped-def]
        rows = [Response(member=r.member, drill_id=r.drill_id, option_index=r.option_index, correct=r.correct,
                         guessed=r.guessed)
                async for r in app.store.export_answers()]
        return app.library, analyse(rows)

    lib, items = run_with_app(load_settings(), body, create=False)
    order = sorted(items.values(), key=lambda i: (not i.flags, i.p_right, i.drill_id))
    if args.json:
        print(json.dumps([{"drill": i.drill_id, "attempts": i.attempts, "right": round(i.p_right, 4),
                           "guess_rate": None if i.guess_rate is None else round(i.guess_rate, 4),
                           "options": {str(k): v for k, v in sorted(i.options.items())},
                           "discrimination": None if i.discrimination is None else round(i.discrimination, 4),
                           "flags": list(i.flags)} for i in order], indent=2))
        return 0
    if not items:
        print("no answers recorded yet: item analysis needs answers (try `saga-drills console`)")
        return 0
    print(f"{'drill':<45} {'n':>5} {'right':>6} {'guess':>6} {'r_pb':>6}  options (file order)        flags")
    for i in order:
        drill = lib.get(i.drill_id)
        spread = " ".join(f"{LETTERS[k]}{'*' if drill and drill.options[k].best else ''}:{v}"
                          for k, v in sorted(i.options.items()) if k < len(LETTERS))
        r = "  –" if i.discrimination is None else f"{i.discrimination:+.2f}"
        guess = "  –" if i.guess_rate is None else f"{i.guess_rate:.0%}"  # of the right answers
        print(f"{i.drill_id:<45} {i.attempts:>5} {i.p_right:>6.0%} {guess:>6} {r:>6}  {spread:<27} {'; '.join(i.flags)}")
    flagged = sum(1 for i in items.values() if i.flags)
    print(f"{len(items)} drills answered, {flagged} flagged (n ≥ 5; * marks the best option; guess: right answers "
          "called a guess)", file=sys.stderr)
    return 0


def schema_json() -> str:
    from bot.content.models import Drill

    schema = Drill.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Saga Drills drill file"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def cmd_schema(args: argparse.Namespace) -> int:
    from bot.content.loader import builtin_pack

    out = args.out or _source_file(builtin_pack() / "schema.json", "drills schema --out FILE")
    out.write_text(schema_json(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _source_file(path: Path, instead: str) -> Path:
    """`path` inside the built-in pack, only when that pack is a source checkout's `drills/`.

    An installed package is not the user's to edit: a pip upgrade would drop the change, and a
    system install may be shared. There the command names its target instead.
    """
    from bot.content.loader import builtin_pack

    if not (builtin_pack().parent / "pyproject.toml").is_file():
        raise CliError(f"the built-in pack is an installed package ({builtin_pack()}), not a source tree; "
                       f"use `saga-drills {instead}`")
    return path


def cmd_lock(args: argparse.Namespace) -> int:
    from bot.content.checks import lock_ids
    from bot.content.loader import builtin_pack

    folder = (args.folder or _source_file(builtin_pack(), "drills lock FOLDER")).resolve()
    new = lock_ids(_library(), folder)
    print(f"{len(new)} new id(s) recorded in {folder / 'shipped-ids.txt'}" + (": " + ", ".join(new) if new else ""))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    lib = _library()
    drills = sorted(lib.drills.values(), key=lambda d: (d.tier.rank, d.id))
    if args.json:
        print(json.dumps({
            "count": len(drills),
            "active": len([d for d in drills if not d.retracted]),
            "by_tier": dict(Counter(d.tier.value for d in drills)),
            "by_language": dict(Counter(d.snippet.language for d in drills)),
            "families": len(lib.variants_by_family()),
            "by_family": {family: [d.id for d in variants] for family, variants in sorted(lib.variants_by_family().items())},
            "drills": [{"id": d.id, "title": d.title, "tier": d.tier.value, "family": d.family_id, "language": d.snippet.language,
                        "topics": list(d.topics), "minutes": d.minutes, "next": d.next, "retracted": d.retracted,
                        "path": lib.paths[d.id]} for d in drills],
        }, indent=2))
        return 0
    for d in drills:
        flag = "  (retracted)" if d.retracted else ""
        print(f"{d.tier.value:<7} {d.snippet.language:<10} {d.id:<45} {d.family_id:<40} {d.title}{flag}")
    print(f"{len(drills)} drills in {len(lib.variants_by_family())} families", file=sys.stderr)
    return 0
