"""The neutral message model: what the engine says, so adapters only render and never decide."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(str, enum.Enum):
    """Altitude levels in climbing order."""

    zero = "Zero"
    junior = "Junior"
    middle = "Middle"
    senior = "Senior"
    orbit = "In orbit"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class MemberRef(_Frozen):
    """Who is talking, as the platform names them. `key` is the store's member id."""

    platform: str
    space: str
    user_id: str
    display_name: str = ""
    tz: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.space}:{self.user_id}"


# The platforms Saga Drills speaks, in the order `saga-drills run --adapter` lists them; the one list.
Platform = Literal["console", "slack", "discord"]
PLATFORMS: tuple[str, ...] = ("console", "slack", "discord")


@dataclass(frozen=True)
class CommandContext:
    """Who asked, where, and whether the platform says they lead (adapters fill `is_lead`)."""

    member: MemberRef
    channel: str | None = None
    is_lead: bool = False


class OptionView(_Frozen):
    letter: str
    text: str


class SourceView(_Frozen):
    title: str
    url: str


DeliveryKind = Literal["on_demand", "channel", "review"]


class DrillCard(_Frozen):
    """A drill as shown: options already in the delivery's shuffled order, one letter each."""

    kind: Literal["drill_card"] = "drill_card"
    delivery_id: str
    delivery_kind: DeliveryKind
    drill_id: str
    title: str
    tier: str
    minutes: int
    language: str
    code: str
    question: str
    options: tuple[OptionView, ...]
    footer: str

    @property
    def header(self) -> str:
        return f"{self.tier} · ~{self.minutes} min"


class Feedback(_Frozen):
    """What only the member who answered sees."""

    kind: Literal["feedback"] = "feedback"
    delivery_id: str
    drill_id: str
    title: str
    correct: bool
    chosen_letter: str
    chosen_text: str
    chosen_why: str
    best_letter: str
    best_text: str
    best_why: str
    takeaway: str
    recap: str
    sources: tuple[SourceView, ...]
    altitude_line: str
    streak_days: int
    duplicate: bool = False
    next_drill_title: str | None = None
    # Under a right answer: the `/drill` command of the "I guessed" button (grades it Hard).
    guess_command: str | None = None

    @property
    def guess_actions(self) -> tuple[Action, ...]:
        """The "I guessed" button, under a right answer only (a wrong one is graded as a miss already)."""
        return (Action(label="I guessed", command=self.guess_command),) if self.guess_command else ()


class TierProgress(_Frozen):
    tier: str
    held: int
    total: int

    @property
    def mastery(self) -> float:
        return self.held / self.total if self.total else 0.0


class TrapLine(_Frozen):
    """A misconception the member fell for: `count` of their latest `of` answers chose it."""

    tag: str
    name: str
    count: int
    of: int


class StatsView(_Frozen):
    kind: Literal["stats"] = "stats"
    display_name: str
    level: Level
    tiers: tuple[TierProgress, ...]
    progress_line: str
    streak_days: int
    answered: int
    correct: int
    reviews_due: int
    paused_until: str | None = None
    traps: tuple[TrapLine, ...] = ()
    guessed: int = 0  # right answers the member marked as guesses

    @property
    def traps_line(self) -> str:
        """'you fall for: retry without idempotency · 3 of last 10; …', or '' without traps."""
        if not self.traps:
            return ""
        return "you fall for: " + "; ".join(f"{t.name} · {t.count} of last {t.of}" for t in self.traps)

    @property
    def guess_line(self) -> str:
        return f"guesses: {self.guessed} of {self.correct} right answers" if self.guessed else ""

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


class OptionTally(_Frozen):
    letter: str
    text: str
    count: int
    best: bool
    why: str


class Reveal(_Frozen):
    """The team's answer to a channel drill, posted in its thread when the window closes."""

    kind: Literal["reveal"] = "reveal"
    delivery_id: str
    drill_id: str
    title: str
    options: tuple[OptionTally, ...]
    takeaway: str
    recap: str
    common_trap: str | None = None
    common_trap_description: str | None = None

    @property
    def total(self) -> int:
        return sum(o.count for o in self.options)


class Action(_Frozen):
    """A button that runs `/drill <command>` for whoever clicks it (e.g. "next", "forget-me confirm")."""

    label: str
    command: str
    style: Literal["primary", "danger", "default"] = "default"


NEXT_ACTION = Action(label="Drill me now", command="next", style="primary")


class Notice(_Frozen):
    """Plain words for the member: help, a refusal, an error that lost nothing."""

    kind: Literal["notice"] = "notice"
    text: str
    level: Literal["info", "warning", "error"] = "info"
    actions: tuple[Action, ...] = ()


class Image(_Frozen):
    """A picture attached to a message (a PNG chart), with its alt text for accessibility."""

    filename: str
    data: bytes
    alt: str


class Table(_Frozen):
    """Rows of text for leaderboards, schedules and reports; adapters render it monospaced."""

    kind: Literal["table"] = "table"
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footer: str = ""
    image: Image | None = None
    actions: tuple[Action, ...] = ()


Reply = Union[DrillCard, Feedback, StatsView, Reveal, Notice, Table]

# A button the bot no longer knows (an older version made it, or someone forged it): every
# platform answers it with these words.
STALE_BUTTON = Notice(text="That button is out of date, so nothing was recorded. Here is a way to a fresh drill.",
                      level="warning", actions=(NEXT_ACTION,))

# The words every platform shows when the core could not do what was asked; nothing was lost.
BUSY = Notice(text="The drill database is busy right now and nothing was recorded. Try again in a moment.",
              level="warning")
FAILED = Notice(text="Something went wrong on our side and nothing was recorded. Try again in a minute; "
                     "if it keeps happening, tell a lead.", level="error")


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 point', '3 points', '1 trap': a count with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
