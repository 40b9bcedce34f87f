"""The option standard as a linter: cues that let a member pick the key without reading the code.

Per drill it finds the wording that singles out the key (drills/README.md, "Writing the options");
per pack it runs blind solvers that read only the card's words and reports how many keys each one
would pick against what guessing picks, so a pack whose wording gives keys away is caught before a
member meets it. Everything here reads the drill's text only, never its snippet's meaning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bot.content.models import LETTERS, Drill

OPTIONS = 4
MIN_SOURCES = 2
TOPICS = (1, 3)
LENGTH_SPREAD = 0.25  # every option within ±25 % of the drill's mean length
# A cue more than two standard deviations of a guesser's score away from chance is a giveaway, not luck.
CHANCE_SIGMAS = 2.0

JUSTIFICATION = re.compile(
    r"(?:[,;—–]\s*|\s-\s)so\b|\bso that\b|\bsince\b|\bbecause\b|,\s*which\b|\bin order to\b|\bthereby\b"
    r"|\bto (?:make sure|ensure|avoid|guarantee|prevent)\b", re.IGNORECASE)
ABSOLUTE = re.compile(r"\b(?:never|always|any|every|all|forever|nothing|none|no one|whatever)\b", re.IGNORECASE)
HEDGE = re.compile(r"\b(?:only|just|usually|mostly|may|might|where possible|if needed|for simple|unless)\b", re.IGNORECASE)
MARKS = {";": "a semicolon", "—": "a dash", "–": "a dash", "(": "parentheses", ":": "a colon", "`": "code"}
# Comments in a snippet that name the defect or the fix (the README's rule, as a reviewed word list).
SPOILER_COMMENT = re.compile(
    r"\b(?:bug|buggy|fixme|hack|wrong|broken|race|racy|not idempotent|non-idempotent|as if|never happened"
    r"|no @version|missing|forgot|should|unsafe|danger)\b", re.IGNORECASE)
_COMMENT = re.compile(r"(?://|#|--)(.*)$|/\*(.*?)\*/")
_WORD = re.compile(r"[a-z][a-z0-9_]+")
STOPWORDS = frozenset("""
a an and are as at be before after but by can do does for from has have if in into is it its of on or
that the then their them there these this those to was were when where which while who why will with
what how you your our we they one two before after each same saga step steps code drill fix""".split())


@dataclass(frozen=True)
class Finding:
    """One breach of the standard in one drill: the field path it points at and what is wrong."""

    loc: tuple[str | int, ...]
    message: str
    snippet_line: int = 0  # for a finding inside the snippet: its line there, 1-based


def drill_findings(drill: Drill) -> Iterator[Finding]:
    """Every breach of the option standard in one drill, in field order."""
    if len(drill.options) != OPTIONS:
        yield Finding(("options",), f"{len(drill.options)} options; every drill has {OPTIONS} (one best, {OPTIONS - 1} distractors)")
    low, high = TOPICS
    if not low <= len(drill.topics) <= high:
        yield Finding(("topics",), f"{len(drill.topics)} topics; name {low}–{high}")
    if len(drill.sources) < MIN_SOURCES:
        yield Finding(("sources",), f"{len(drill.sources)} source(s); cite at least {MIN_SOURCES} pages that hold the claims")
    yield from _comment_spoilers(drill)
    texts = [o.text for o in drill.options]
    key = drill.best_index
    for i, text in enumerate(texts):
        if m := JUSTIFICATION.search(text):
            yield Finding(("options", i, "text"), f"option {LETTERS[i]} has a justification clause ({m.group(0).strip(' ,;—–-')!r} …); the why holds the reasoning")
    yield from _unique_key_features(texts, key)
    if ABSOLUTE.search(" ".join(t for i, t in enumerate(texts) if i != key)) and not ABSOLUTE.search(texts[key]):
        words = sorted({m.group(0).lower() for i, t in enumerate(texts) if i != key for m in ABSOLUTE.finditer(t)})
        yield Finding(("options",), f"absolute words ({', '.join(words)}) only in distractors; a test-wise member rules those out")
    mean = sum(map(len, texts)) / len(texts)
    off = [f"{LETTERS[i]} {len(t)}" for i, t in enumerate(texts) if abs(len(t) - mean) > LENGTH_SPREAD * mean]
    if off:
        yield Finding(("options",), f"option lengths {', '.join(off)} are more than {LENGTH_SPREAD:.0%} from the mean {mean:.0f}")
    for field, text in (("title", drill.title), ("question", drill.question)):
        if _overlap_favours_key(text, texts, key):
            shared = sorted(_words(text) & _words(texts[key]) - set().union(*(_words(t) for i, t in enumerate(texts) if i != key)))
            yield Finding((field,), f"the {field} shares words with the key alone ({', '.join(shared)}); it points at the answer")
    tags = [o.misconception for o in drill.options if o.misconception]
    for tag in sorted({t for t in tags if tags.count(t) > 1}):
        yield Finding(("options",), f"two distractors carry {tag!r}; each distractor should measure a different belief")


def _comment_spoilers(drill: Drill) -> Iterator[Finding]:
    for number, line in enumerate(drill.snippet.code.splitlines(), start=1):
        for m in _COMMENT.finditer(line):
            comment = m.group(1) or m.group(2) or ""
            if hit := SPOILER_COMMENT.search(comment):
                yield Finding(("snippet", "code"), f"snippet line {number}: the comment says {hit.group(0)!r}; no comment may name the defect or the fix", number)


def _features(text: str) -> dict[str, bool]:
    found = {name: mark in text for mark, name in MARKS.items()}
    found["a hedge"] = bool(HEDGE.search(text))
    return found


def _unique_key_features(texts: Sequence[str], key: int) -> Iterator[Finding]:
    """A feature only the key has, or only the key lacks, singles it out whatever the code says."""
    features = [_features(t) for t in texts]
    for name in dict.fromkeys(features[key]):
        others = [f[name] for i, f in enumerate(features) if i != key]
        if features[key][name] and not any(others):
            yield Finding(("options", key, "text"), f"the key is the only option with {name}")
        elif not features[key][name] and all(others) and len(others) > 1:
            yield Finding(("options", key, "text"), f"the key is the only option without {name}")


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 3}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _overlap(text: str, option: str) -> int:
    return len(_words(text) & _words(option))


def _overlap_favours_key(text: str, options: Sequence[str], key: int) -> bool:
    scores = [_overlap(text, o) for o in options]
    return scores[key] > 0 and all(scores[key] > s for i, s in enumerate(scores) if i != key)


# -- the pack's cue report ----------------------------------------------------------------------
Solver = Callable[[Drill], Sequence[int]]  # the options a blind guesser using one cue would pick


def _by_length_rank(rank: int) -> Solver:
    """The option at `rank` by length: 0 the longest, 1 the next …; -1 the shortest, -2 the next."""
    def pick(drill: Drill) -> list[int]:
        lengths = sorted((len(o.text) for o in drill.options), reverse=True)
        return [i for i, o in enumerate(drill.options) if len(o.text) == lengths[rank]]
    return pick


def _odd_one_out(test: Callable[[str], bool]) -> Solver:
    """The one option that differs from all others on `test` (has it alone, or lacks it alone)."""
    def pick(drill: Drill) -> list[int]:
        marks = [test(o.text) for o in drill.options]
        for value in (True, False):
            if marks.count(value) == 1:
                return [marks.index(value)]
        return []
    return pick


def _most_overlap(field: str) -> Solver:
    def pick(drill: Drill) -> list[int]:
        scores = [_overlap(getattr(drill, field), o.text) for o in drill.options]
        top = max(scores)
        return [i for i, s in enumerate(scores) if s == top] if top else []
    return pick


def _without_absolutes(drill: Drill) -> list[int]:
    plain = [i for i, o in enumerate(drill.options) if not ABSOLUTE.search(o.text)]
    return plain if len(plain) < len(drill.options) else []


def _by_prediction(*, shared: bool) -> Solver:
    """In "outcome; fix" options: the options whose outcome most others share (`shared`), or the ones
    whose outcome stands alone. Either would let a member guess from the wording of the outcomes."""
    def pick(drill: Drill) -> list[int]:
        if not all(";" in o.text for o in drill.options):
            return []
        outcomes = [o.text.split(";", 1)[0].strip().casefold() for o in drill.options]
        counts = {o: outcomes.count(o) for o in outcomes}
        if len(set(counts.values())) == 1:  # all alike or all different: nothing to go by
            return []
        want = max(counts.values()) if shared else 1
        return [i for i, o in enumerate(outcomes) if counts[o] == want]
    return pick


def _reviewers_solver(drill: Drill) -> list[int]:
    """The content review's blind solver: drop justified options, prefer punctuation, then the second longest."""
    alive = [i for i, o in enumerate(drill.options) if not JUSTIFICATION.search(o.text)] or list(range(len(drill.options)))
    marked = [i for i in alive if any(m in drill.options[i].text for m in ";—–(")]
    alive = marked or alive
    ranked = sorted(alive, key=lambda i: -len(drill.options[i].text))
    return [ranked[1] if len(ranked) > 1 else ranked[0]]


SOLVERS: dict[str, Solver] = {
    "the longest option": _by_length_rank(0),
    "the second-longest option": _by_length_rank(1),
    "the second-shortest option": _by_length_rank(-2),
    "the shortest option": _by_length_rank(-1),
    "the odd one out on a justification clause": _odd_one_out(lambda t: bool(JUSTIFICATION.search(t))),
    "the odd one out on punctuation": _odd_one_out(lambda t: any(m in t for m in ";—–(:`")),
    "the odd one out on a hedge": _odd_one_out(lambda t: bool(HEDGE.search(t))),
    "an option without absolute words": _without_absolutes,
    "the most words shared with the title": _most_overlap("title"),
    "the most words shared with the question": _most_overlap("question"),
    "an option whose outcome most others share": _by_prediction(shared=True),
    "an option whose outcome stands alone": _by_prediction(shared=False),
    "the review's blind solver": _reviewers_solver,
}


@dataclass(frozen=True)
class CueScore:
    """How many keys one cue picks in a pack, against a guesser's mean and spread."""

    cue: str
    score: float  # keys picked; a tie among k options counts 1/k, as a guesser among them would
    chance: float
    sigma: float
    drills: int

    @property
    def beats_chance(self) -> bool:
        return self.score > self.chance + CHANCE_SIGMAS * self.sigma

    @property
    def below_chance(self) -> bool:
        # A cue that almost never marks the key is a cue too: a member learns to rule that option out.
        return self.score < self.chance - CHANCE_SIGMAS * self.sigma

    @property
    def outside_chance(self) -> bool:
        return self.beats_chance or self.below_chance

    def __str__(self) -> str:
        verdict = "BEATS CHANCE" if self.beats_chance else "BELOW CHANCE (rules options out)" if self.below_chance else "within chance"
        return (f"{self.cue}: {self.score:.1f} of {self.drills} keys ({self.score / self.drills:.0%}); "
                f"chance {self.chance:.1f} ± {self.sigma:.1f} ({self.chance / self.drills:.0%}): {verdict}")


def cue_scores(drills: Sequence[Drill]) -> list[CueScore]:
    """Each cue's score over `drills`. Chance: the expected keys of a guesser picking uniformly."""
    scores = []
    for name, solver in SOLVERS.items():
        score = chance = variance = 0.0
        for drill in drills:
            picked = list(solver(drill))
            p = 1 / len(drill.options)
            chance += p
            variance += p * (1 - p)
            if picked:
                score += (drill.best_index in picked) / len(picked)
            else:  # the cue says nothing here, so its user guesses
                score += p
        scores.append(CueScore(name, score, chance, math.sqrt(variance), len(drills)))
    return scores


def key_length_ranks(drills: Sequence[Drill]) -> dict[int, int]:
    """How often the key is the longest (1), second-longest (2) … option, counting ties as the better rank."""
    ranks: dict[int, int] = {}
    for drill in drills:
        key = len(drill.options[drill.best_index].text)
        rank = 1 + sum(1 for o in drill.options if len(o.text) > key)
        ranks[rank] = ranks.get(rank, 0) + 1
    return dict(sorted(ranks.items()))
