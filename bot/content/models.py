"""Pydantic models for one drill file: what a drill is, validated strictly at load."""

from __future__ import annotations

import enum
import re
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LETTERS = "ABCDE"


class Tier(str, enum.Enum):
    """How far up the climb a drill sits; the order is the climb."""

    junior = "junior"
    middle = "middle"
    senior = "senior"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Snippet(_Strict):
    language: str = Field(pattern=r"^[a-z0-9+#-]+$", description="Language name for highlighting and parsing: go, python, java, kotlin, typescript, csharp, sql, yaml.")
    code: str = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _no_tabs_only(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("code is empty")
        return value


class Option(_Strict):
    text: str = Field(min_length=1, max_length=300, description="The option as the member reads it.")
    best: bool = Field(default=False, description="True on exactly one option: the highest-leverage fix.")
    why: str = Field(min_length=1, description="Why this option is right, or concretely what goes wrong if you pick it.")
    misconception: str | None = Field(default=None, pattern=SLUG, description="Tag from drills/misconceptions.yaml; required on wrong options.")

    @model_validator(mode="after")
    def _tag_on_wrong(self) -> Option:
        if not self.best and not self.misconception:
            raise ValueError("a wrong option needs a misconception tag")
        if self.best and self.misconception:
            raise ValueError("the best option carries no misconception tag")
        return self


class Source(_Strict):
    title: str = Field(min_length=1)
    url: HttpUrl


class Drill(_Strict):
    id: str = Field(pattern=SLUG, max_length=60, description="Stable slug; never change it once shipped (answers refer to it).")
    title: str = Field(min_length=1, max_length=120)
    tier: Tier
    topics: tuple[str, ...] = Field(min_length=1)
    minutes: int = Field(ge=1, le=30)
    takeaway: str = Field(min_length=1, max_length=200, description="The one-line lesson, shown only after the answer (feedback and reveal), never on the card.")
    snippet: Snippet
    question: str = Field(min_length=1, max_length=500)
    options: tuple[Option, ...] = Field(min_length=3, max_length=5)
    recap: str = Field(min_length=1)
    sources: tuple[Source, ...] = Field(min_length=1)
    next: str | None = Field(default=None, pattern=SLUG, description="Id of the drill that continues the climb.")
    family: str | None = Field(default=None, pattern=SLUG, description="Concept family from families.yaml: one idea, several variants; a review deals a sibling. Without one, the drill is a family of its own.")
    retracted: bool = False
    retracted_reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _crux_is_takeaway(cls, data: Any) -> Any:
        # `crux` was shown on the card above the code and gave the answer away; it is now the
        # takeaway, shown after the answer. Older packs still load (the loader warns).
        if isinstance(data, dict) and "crux" in data and "takeaway" not in data:
            data = {("takeaway" if k == "crux" else k): v for k, v in data.items()}
        return data

    @field_validator("topics")
    @classmethod
    def _topic_slugs(cls, topics: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in topics if not re.match(SLUG, t)]
        if bad:
            raise ValueError(f"topics must be slugs, got {bad}")
        return topics

    @field_validator("options")
    @classmethod
    def _one_best(cls, options: tuple[Option, ...]) -> tuple[Option, ...]:
        # A field validator, not a model one, so it still reports when another field is broken.
        best = sum(1 for o in options if o.best)
        if best != 1:
            raise ValueError(f"exactly one option must be best, found {best}")
        texts = [o.text.casefold() for o in options]
        if len(set(texts)) != len(texts):
            raise ValueError("two options have the same text")
        return options

    @model_validator(mode="after")
    def _consistent(self) -> Drill:
        if self.retracted and not self.retracted_reason:
            raise ValueError("a retracted drill needs retracted_reason")
        if self.next == self.id:
            raise ValueError("next points at the drill itself")
        return self

    @property
    def family_id(self) -> str:
        """The family the member's review card belongs to: the declared one, else the drill alone."""
        return self.family or self.id

    @cached_property
    def best_index(self) -> int:
        # Cached: every answer's grading and feedback asks, and a loaded drill never changes.
        return next(i for i, o in enumerate(self.options) if o.best)


class Misconception(_Strict):
    tag: str = Field(pattern=SLUG)
    description: str = Field(min_length=1)


class Family(_Strict):
    """One idea a member should hold: variants differ in language, framework and scenario only."""

    id: str = Field(pattern=SLUG, max_length=60)
    title: str = Field(min_length=1, max_length=120, description="The idea, for authors and the report; never shown on a card.")
    tier: Tier
    targets: str = Field(pattern=SLUG, description="The misconception every variant tests: each has a wrong option with this tag.")
