"""The blind-spot report: team accuracy per saga topic and per misconception, and what to run next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.content.loader import Library
from bot.content.models import Drill

TOPIC, TRAP = "topic", "trap"
RUN_NEXT = 2


@dataclass(frozen=True)
class DrillFigure:
    drill: Drill
    answers: int
    correct: int

    @property
    def smoothed(self) -> float:
        """Accuracy with one right and one wrong imagined (Laplace): a drill nobody answered is a coin flip."""
        return (self.correct + 1) / (self.answers + 2)


@dataclass(frozen=True)
class WrongPick:
    """The wrong option picked most in an area, with its misconception tag."""

    drill: Drill
    option_index: int
    picks: int
    share: float

    @property
    def text(self) -> str:
        return self.drill.options[self.option_index].text

    @property
    def misconception(self) -> str:
        return self.drill.options[self.option_index].misconception or ""


@dataclass(frozen=True)
class AreaFigure:
    """One row of the report: a topic, or a misconception ("trap") and the drills that offer it."""

    kind: str
    name: str
    answers: int
    correct: int
    members: int
    picked: int
    worst: WrongPick | None
    run_next: tuple[Drill, ...]

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0

    @property
    def pick_rate(self) -> float:
        return self.picked / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class BlindSpotReport:
    drills: tuple[DrillFigure, ...]
    topics: tuple[AreaFigure, ...]
    traps: tuple[AreaFigure, ...]
    unattempted_topics: tuple[str, ...]
    answers: int


def area_drills(library: Library) -> dict[str, list[str]]:
    """Drill ids per area key ('topic:<slug>', 'trap:<tag>'), retracted drills included (their answers count).

    Topics come only from the library's topic list when it has one: a pack's stray topic (a
    language, a near-duplicate) is a `drills check` warning, and must not become a row of its own.
    """
    areas: dict[str, list[str]] = {}
    listed = library.topics
    for drill in sorted(library.drills.values(), key=lambda d: d.id):
        for topic in drill.topics:
            if listed and topic not in listed:
                continue
            areas.setdefault(f"{TOPIC}:{topic}", []).append(drill.id)
        for tag in sorted({o.misconception for o in drill.options if o.misconception}):
            areas.setdefault(f"{TRAP}:{tag}", []).append(drill.id)
    return areas


def union_counts(people: Mapping[str, Sequence[str]], areas: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Distinct people per area, from the people per drill: a bit per person, OR per area."""
    number: dict[str, int] = {}
    for names in people.values():
        for name in names:
            if name not in number:
                number[name] = len(number)
    width = len(number) // 8 + 1
    masks: dict[str, int] = {}
    for drill, names in people.items():
        bits = bytearray(width)
        for n in map(number.__getitem__, names):
            bits[n >> 3] |= 1 << (n & 7)
        masks[drill] = int.from_bytes(bits, "little")
    out: dict[str, int] = {}
    for area, drills in areas.items():
        mask = 0
        for drill in drills:
            mask |= masks.get(drill, 0)
        out[area] = mask.bit_count()
    return out


def build_report(library: Library, picks: Mapping[tuple[str, int], int], members: Mapping[str, int]) -> BlindSpotReport:
    """Figures from first-answer picks per (drill, option) and distinct members per area key."""
    figures: dict[str, DrillFigure] = {}
    for drill in library.drills.values():
        answers = sum(picks.get((drill.id, i), 0) for i in range(len(drill.options)))
        figures[drill.id] = DrillFigure(drill, answers, picks.get((drill.id, drill.best_index), 0))
    topics: list[AreaFigure] = []
    traps: list[AreaFigure] = []
    unattempted: list[str] = []
    for key, drill_ids in area_drills(library).items():
        kind, name = key.split(":", 1)
        figs = [figures[d] for d in drill_ids]
        answers = sum(f.answers for f in figs)
        if not answers:
            if kind == TOPIC:
                unattempted.append(name)
            continue
        wrong = [(f.drill, i) for f in figs for i, o in enumerate(f.drill.options)
                 if not o.best and (kind == TOPIC or o.misconception == name)]
        worst = _worst(wrong, picks, figures)
        picked = sum(picks.get((d.id, i), 0) for d, i in wrong) if kind == TRAP else 0
        active = [f for f in figs if not f.drill.retracted]
        if kind == TOPIC:
            ranked = sorted(active, key=lambda f: (f.smoothed, f.answers, f.drill.id))
        else:  # the drills where this trap catches most people come first
            caught = {f.drill.id: sum(picks.get((f.drill.id, i), 0) for d, i in wrong if d.id == f.drill.id) for f in active}
            ranked = sorted(active, key=lambda f: (-(caught[f.drill.id] + 1) / (f.answers + 2), f.answers, f.drill.id))
        row = AreaFigure(kind=kind, name=name, answers=answers, correct=sum(f.correct for f in figs),
                         members=members.get(key, 0), picked=picked, worst=worst,
                         run_next=tuple(f.drill for f in ranked[:RUN_NEXT]))
        (topics if kind == TOPIC else traps).append(row)
    topics.sort(key=lambda a: ((a.correct + 1) / (a.answers + 2), -a.answers, a.name))
    traps = [t for t in traps if t.picked]
    traps.sort(key=lambda a: (-(a.picked + 1) / (a.answers + 2), -a.picked, a.name))
    total = sum(f.answers for f in figures.values())
    return BlindSpotReport(drills=tuple(figures.values()), topics=tuple(topics), traps=tuple(traps),
                           unattempted_topics=tuple(sorted(unattempted)), answers=total)


def _worst(wrong: list[tuple[Drill, int]], picks: Mapping[tuple[str, int], int],
           figures: Mapping[str, DrillFigure]) -> WrongPick | None:
    best = max(wrong, key=lambda w: (picks.get((w[0].id, w[1]), 0), w[0].id), default=None)
    if best is None or not picks.get((best[0].id, best[1]), 0):
        return None
    count = picks[(best[0].id, best[1])]
    return WrongPick(drill=best[0], option_index=best[1], picks=count, share=count / figures[best[0].id].answers)
