"""Authoring checks beyond the schema: snippets that parse, the option standard, the climb, stable ids, limits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from bot.content import snippets, standard
from bot.content.loader import Library, Problem
from bot.content.models import LETTERS, Drill
from bot.messages import Feedback, OptionTally, Reply, Reveal, SourceView
from bot.store import Delivery

SNIPPET_LINES = (8, 40)
DISTRACTORS = (2, 3)
RECAP_SENTENCES = 3
IDS_FILE = "shipped-ids.txt"
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)[.!?](?=\s+[A-Z`(\"']|\s*$)")


class PayloadRenderer(Protocol):
    """A platform's pure renderer as the adapters use it (adapters.payload_renderers() hands them in)."""

    def render_payload(self, reply: Reply) -> dict[str, Any]: ...

    def limit_problems(self, payload: dict[str, Any]) -> list[str]: ...


def check_library(lib: Library, *, renderers: Mapping[str, PayloadRenderer], packs: Sequence[Path] = (),
                  warnings: bool = True) -> list[Problem]:
    """Every authoring problem in `lib`, in file order; the loader's own problems are not repeated.

    A drill must fit each platform's limits as really sent, so every renderer in `renderers`
    renders everything the drill sends. Breaches of the option standard are warnings (`drills
    check --strict` makes them errors); a cue outside chance over a pack is one warning on the
    pack's folder (see `pack_drills`). `warnings=False` skips them (start-up needs the errors
    only, and parsing every snippet costs).
    """
    problems: list[Problem] = []
    for drill in sorted(lib.drills.values(), key=lambda d: lib.paths[d.id]):
        problems.extend(_drill_problems(lib, drill))
        for name, module in renderers.items():
            problems.extend(_limit_problems(lib, drill, name, module.render_payload, module.limit_problems))
        if warnings:
            problems.extend(_standard_problems(lib, drill))
    if warnings:
        for folder, drills in pack_drills(lib, packs).items():
            problems.extend(Problem(str(folder), 0, "-", f"cue: {score}; reword the options so no cue finds the key", True)
                            for score in standard.cue_scores(drills) if score.outside_chance)
    problems.extend(_climb_problems(lib))
    problems.extend(_id_lock_problems(lib))
    return problems


def _drill_problems(lib: Library, drill: Drill) -> Iterator[Problem]:
    path = Path(lib.paths[drill.id])
    if path.stem != drill.id:
        yield lib.problem(drill.id, ["id"], f"file name must be {drill.id}.yaml, so the id is easy to find and never drifts")
    lines = drill.snippet.code.rstrip("\n").count("\n") + 1
    low, high = SNIPPET_LINES
    if not low <= lines <= high:
        yield lib.problem(drill.id, ["snippet", "code"], f"snippet has {lines} lines; a drill reads {low}–{high} lines of code")
    if "```" in drill.snippet.code:
        yield lib.problem(drill.id, ["snippet", "code"], "snippet contains ``` which closes the chat code block")
    wrong = len(drill.options) - 1
    if not DISTRACTORS[0] <= wrong <= DISTRACTORS[1]:
        yield lib.problem(drill.id, ["options"], f"{wrong} distractors; a drill has {DISTRACTORS[0]}–{DISTRACTORS[1]} besides the best option")
    sentences = len(_SENTENCE_END.findall(drill.recap.strip()))
    if sentences > RECAP_SENTENCES:
        yield lib.problem(drill.id, ["recap"], f"recap has {sentences} sentences; keep it to 1–{RECAP_SENTENCES}")


def _standard_problems(lib: Library, drill: Drill) -> Iterator[Problem]:
    yield from _snippet_problems(lib, drill)
    for finding in standard.drill_findings(drill):
        problem = lib.problem(drill.id, finding.loc, finding.message, warning=True)
        yield replace(problem, line=problem.line + finding.snippet_line)


def _snippet_problems(lib: Library, drill: Drill) -> Iterator[Problem]:
    found = snippets.parse_problem(drill.snippet.language, drill.snippet.code)
    if found is not None:
        # The block scalar's first line is the one after `code: |`.
        # A warning: the parsers are an authoring tool, so `run` (which has none) and the check agree.
        problem = lib.problem(drill.id, ["snippet", "code"], f"snippet line {found.line}: {found.message}", warning=True)
        yield replace(problem, line=problem.line + found.line)


def pack_drills(lib: Library, packs: Sequence[Path] = ()) -> dict[Path, list[Drill]]:
    """The active drills of each pack: under each folder of `packs`, else by the folder they sit in."""
    folders = [Path(p).resolve() for p in packs]
    grouped: dict[Path, list[Drill]] = {}
    for drill in lib.active:
        path = Path(lib.paths[drill.id]).resolve()
        grouped.setdefault(next((f for f in folders if path.is_relative_to(f)), path.parent), []).append(drill)
    return grouped


def _sample_replies(drill: Drill) -> Iterator[Reply]:
    """The drill's card, the feedback for each option, and the reveal: everything it sends."""
    from bot.engine import card_view

    delivery = Delivery(id="x" * 16, drill_id=drill.id, kind="channel", member_id=None, platform="check",
                        space="check", option_order=tuple(range(len(drill.options))), created_at=_EPOCH)
    card = card_view(delivery, drill, footer="answers are private · the team reveal is at 17:00")
    yield card
    best = drill.best_index
    for i, option in enumerate(drill.options):
        yield Feedback(
            delivery_id=delivery.id, drill_id=drill.id, title=drill.title, correct=option.best,
            chosen_letter=LETTERS[i], chosen_text=option.text, chosen_why=option.why, best_letter=LETTERS[best],
            best_text=drill.options[best].text, best_why=drill.options[best].why, takeaway=drill.takeaway, recap=drill.recap,
            sources=tuple(SourceView(title=s.title, url=str(s.url)) for s in drill.sources),
            altitude_line="Senior · Climbing toward In orbit: 11 of 12 junior (need 11), 16 of 18 middle (need 17) concepts held",
            streak_days=365, next_drill_title="x" * 120,
        )
    yield Reveal(delivery_id=delivery.id, drill_id=drill.id, title=drill.title, takeaway=drill.takeaway, recap=drill.recap,
                 options=tuple(OptionTally(letter=LETTERS[i], text=o.text, count=999, best=o.best, why=o.why)
                               for i, o in enumerate(drill.options)),
                 common_trap="x" * 40, common_trap_description="y" * 200)


def _limit_problems(lib: Library, drill: Drill, platform: str, render: Callable[[Reply], dict[str, Any]],
                    limits: Callable[[dict[str, Any]], list[str]]) -> Iterator[Problem]:
    for reply in _sample_replies(drill):
        try:
            found = limits(render(reply))
        except Exception as exc:  # a renderer crash is a finding about this drill, not a reason to stop
            found = [f"render failed: {type(exc).__name__}: {exc}"]
        for message in found:
            yield lib.problem(drill.id, [], f"{platform} {reply.kind}: {message}")


def _climb_problems(lib: Library) -> Iterator[Problem]:
    for drill in lib.drills.values():
        nxt = lib.drills.get(drill.next) if drill.next else None
        if nxt is not None and nxt.tier.rank < drill.tier.rank:
            yield lib.problem(drill.id, ["next"], f"next goes down the climb: {drill.tier.value} → {nxt.tier.value} ({nxt.id})")
        seen, cursor = {drill.id}, nxt
        while cursor is not None and cursor.next:
            if cursor.next in seen:
                yield lib.problem(drill.id, ["next"], f"next links loop back to {cursor.next}")
                break
            seen.add(cursor.id)
            cursor = lib.drills.get(cursor.next)


def _id_lock_problems(lib: Library) -> Iterator[Problem]:
    """A pack with shipped-ids.txt promises its ids: answers in the field refer to them."""
    for folder in sorted({Path(p).parent for p in lib.paths.values()} | _pack_roots(lib)):
        lock = folder / IDS_FILE
        if not lock.is_file():
            continue
        for number, line in enumerate(lock.read_text(encoding="utf-8").splitlines(), start=1):
            drill_id = line.strip()
            if drill_id and not drill_id.startswith("#") and drill_id not in lib.drills:
                yield Problem(str(lock), number, drill_id,
                              "this id was shipped and its file is gone; restore it and set `retracted: true` instead")


def _pack_roots(lib: Library) -> set[Path]:
    roots = set()
    for path in lib.paths.values():
        for parent in Path(path).parents:
            if (parent / IDS_FILE).is_file():
                roots.add(parent)
                break
    return roots


def lock_ids(lib: Library, folder: Path) -> list[str]:
    """Add the ids of drills under `folder` that the lock file lacks; returns the new ones."""
    lock = folder / IDS_FILE
    known = {ln.strip() for ln in lock.read_text(encoding="utf-8").splitlines()} if lock.is_file() else set()
    new = sorted(d for d, p in lib.paths.items() if Path(p).is_relative_to(folder) and d not in known)
    if new or not lock.is_file():
        header = "" if lock.is_file() else "# Ids shipped in this pack. Never remove a line: retract the drill instead.\n"
        with lock.open("a", encoding="utf-8") as fh:
            fh.write(header + "".join(f"{d}\n" for d in new))
    return new

