"""Load drill packs from folders of YAML files and report every problem at once, with lines."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.models import SLUG, Drill, Family, Misconception, Tier

log = logging.getLogger(__name__)

MISCONCEPTIONS_FILE = "misconceptions.yaml"
TOPICS_FILE = "topics.yaml"
FAMILIES_FILE = "families.yaml"
VOCABULARY_FILES = (MISCONCEPTIONS_FILE, TOPICS_FILE, FAMILIES_FILE)
# libyaml is ~10x faster than the pure-Python parser; 1,000 drills must load in < 1 s.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one drill file, printed as `path:line: drill-id: message`.

    A warning breaks the authoring standard but not the bot: `run` serves the pack, and
    `drills check --strict` counts it as an error.
    """

    path: str
    line: int
    drill_id: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.drill_id}: {'warning: ' if self.warning else ''}{self.message}"


class LibraryError(Exception):
    """The drill library has problems; `problems` lists all of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(p for p in problems if not p.warning)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Library:
    """Every loaded drill by id, where it came from, and the misconception vocabulary."""

    drills: dict[str, Drill] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    misconceptions: dict[str, Misconception] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)  # folded misconception tag -> its new tag
    topics: dict[str, str] = field(default_factory=dict)  # topic slug -> description
    families: dict[str, Family] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _totals: dict[Tier, int] | None = field(default=None, repr=False)
    _variants: dict[str, tuple[Drill, ...]] | None = field(default=None, repr=False)
    generation: int = 0  # bumped by every change to what is active, so caches know to recompute
    nodes: dict[str, Any] = field(default_factory=dict, repr=False)

    def problem(self, drill_id: str, loc: Iterable[Any], message: str, *, warning: bool = False) -> Problem:
        """A Problem for `drill_id` pointing at the line of the field path `loc` in its file."""
        return Problem(self.paths[drill_id], _line_of(self.nodes.get(drill_id), loc), drill_id, message, warning)

    @property
    def active(self) -> list[Drill]:
        """Drills that may be served: not retracted, in id order for stable output."""
        return [d for d in sorted(self.drills.values(), key=lambda d: d.id) if not d.retracted]

    def active_by_tier(self) -> dict[Tier, list[Drill]]:
        by_tier: dict[Tier, list[Drill]] = {t: [] for t in Tier}
        for drill in self.active:
            by_tier[drill.tier].append(drill)
        return by_tier

    def tier_totals(self) -> dict[Tier, int]:
        """Active families per tier, cached: every feedback needs it (mastery's denominator).

        Mastery counts families held, so a tier's total is its families with an active variant.
        """
        if self._totals is None:
            self._totals = {tier: len(families) for tier, families in self.families_by_tier().items()}
        return self._totals

    def families_by_tier(self) -> dict[Tier, list[str]]:
        """The ids of the families with an active variant, per tier (variants share their family's tier)."""
        by_tier: dict[Tier, list[str]] = {tier: [] for tier in Tier}
        for family_id, variants in self.variants_by_family().items():
            by_tier[variants[0].tier].append(family_id)
        return by_tier

    def variants_by_family(self) -> dict[str, tuple[Drill, ...]]:
        """Active drills grouped by family id, each group in id order; cached like the totals."""
        if self._variants is None:
            grouped: dict[str, list[Drill]] = {}
            for drill in self.active:
                grouped.setdefault(drill.family_id, []).append(drill)
            self._variants = {family: tuple(drills) for family, drills in grouped.items()}
        return self._variants

    def variants(self, family_id: str) -> tuple[Drill, ...]:
        """The active drills of one family (empty when it has none)."""
        return self.variants_by_family().get(family_id, ())

    def picked_misconception(self, drill_id: str, option_index: int) -> str | None:
        """The misconception a member chose with this option, under its current tag; None for the
        best option or a drill or option the library no longer has."""
        drill = self.drills.get(drill_id)
        if drill is None or not 0 <= option_index < len(drill.options):
            return None
        tag = drill.options[option_index].misconception
        return self.renamed.get(tag, tag) if tag else None

    def family_map(self) -> dict[str, str]:
        """Every drill id, retracted ones too, to the family whose card its answers review."""
        return {drill.id: drill.family_id for drill in self.drills.values()}

    def family_of(self, drill_id: str) -> str:
        """The family a drill id belongs to; an unknown id is a family of its own."""
        drill = self.drills.get(drill_id)
        return drill.family_id if drill is not None else drill_id

    def retract(self, drill_id: str, reason: str) -> None:
        """Mark a drill retracted in memory (as its file would say); its answers stay in the store."""
        self.drills[drill_id] = self.drills[drill_id].model_copy(update={"retracted": True, "retracted_reason": reason})
        self._totals = None
        self._variants = None
        self.generation += 1

    def get(self, drill_id: str) -> Drill | None:
        return self.drills.get(drill_id)


def builtin_pack() -> Path:
    """The folder of drills that ships inside the package."""
    return Path(str(resources.files("drills")))


class AliasRefused(yaml.YAMLError):
    """A drill or vocabulary file uses a YAML alias (`*name`)."""

    def __init__(self, line: int) -> None:
        super().__init__("YAML anchors and aliases are not allowed in pack files")
        self.problem = "anchors and aliases (&name, *name) are not allowed in pack files: they hide content from review and can expand without bound"
        self.problem_mark = yaml.Mark("", 0, line, 0, None, None)


def _parse(text: str) -> tuple[Any, Any]:
    # A "billion laughs" of nested aliases takes seconds and gigabytes to construct; a drill never
    # needs one. Scanning tokens is cheap (libyaml), and only a text with both & and * can have one.
    if "&" in text and "*" in text:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                raise AliasRefused(token.start_mark.line)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return node, data
    finally:
        loader.dispose()


def _line_of(node: Any, loc: Iterable[Any]) -> int:
    """1-based line of the deepest YAML node on the pydantic error path."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                break
            key_node = next(k for k, v in node.value if k.value == key)
            line, node = key_node.start_mark.line + 1, match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _key_line(node: Any, key: str) -> int:
    return _line_of(node, [key])


def _format_error(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"])
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    return f"{where}: {msg}" if where else msg


def _drill_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.name not in VOCABULARY_FILES)


def _vocabulary_file(path: Path, problems: list[Problem]) -> tuple[Any, dict[Any, Any]] | None:
    try:
        node, data = _parse(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(str(path), (mark.line + 1) if mark else 1, "-", f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), 1, "-", "expected a mapping of slug: description"))
        return None
    return node, data


def _load_vocabulary(folder: Path, lib: Library, problems: list[Problem]) -> None:
    """The pack's misconception tags (with the folded ones) and its topics."""
    for path in sorted(folder.rglob(MISCONCEPTIONS_FILE)):
        if (parsed := _vocabulary_file(path, problems)) is None:
            continue
        node, data = parsed
        for tag, value in data.items():
            if isinstance(value, dict) and set(value) == {"renamed"}:
                lib.renamed[str(tag)] = str(value["renamed"])
                continue
            try:
                lib.misconceptions[str(tag)] = Misconception(tag=str(tag), description=str(value or ""))
            except ValidationError as exc:
                problems.append(Problem(str(path), _key_line(node, tag), str(tag), _format_error(exc.errors()[0])))
    for path in sorted(folder.rglob(FAMILIES_FILE)):
        if (parsed := _vocabulary_file(path, problems)) is None:
            continue
        node, data = parsed
        for family_id, value in data.items():
            line = _key_line(node, family_id)
            if not isinstance(value, dict):
                problems.append(Problem(str(path), line, str(family_id), "a family is a mapping with title, tier and targets"))
                continue
            try:
                lib.families[str(family_id)] = Family(id=str(family_id), **value)
            except (ValidationError, TypeError) as exc:
                errors = exc.errors() if isinstance(exc, ValidationError) else [{"loc": (), "msg": str(exc), "type": "type"}]
                problems.extend(Problem(str(path), line, str(family_id), _format_error(err)) for err in errors)
    for path in sorted(folder.rglob(TOPICS_FILE)):
        if (parsed := _vocabulary_file(path, problems)) is None:
            continue
        node, data = parsed
        for topic, description in data.items():
            if not re.match(SLUG, str(topic)) or not isinstance(description, str) or not description.strip():
                problems.append(Problem(str(path), _key_line(node, topic), str(topic), "a topic is a kebab-case slug with a one-line description"))
                continue
            lib.topics[str(topic)] = description.strip()


def load_library(folders: Sequence[Path | str], *, strict: bool = True,
                 vocabulary: Sequence[Path | str] = ()) -> Library:
    """Load every drill in `folders`; raise LibraryError listing all problems when `strict`.

    `vocabulary` names extra folders whose misconceptions.yaml is read but whose drills are not,
    so a team pack checked on its own can use the built-in tags.
    """
    lib, problems = Library(), []
    nodes = lib.nodes
    for folder in map(Path, vocabulary):
        _load_vocabulary(folder, lib, problems)
    for folder in map(Path, folders):
        if not folder.is_dir():
            problems.append(Problem(str(folder), 0, "-", "drill folder does not exist"))
            continue
        _load_vocabulary(folder, lib, problems)
        for path in _drill_files(folder):
            _load_file(path, lib, nodes, problems)
    _cross_check(lib, nodes, problems)
    if strict and any(not p.warning for p in problems):
        raise LibraryError(problems)
    lib.problems = problems
    return lib


def _load_file(path: Path, lib: Library, nodes: dict[str, Any], problems: list[Problem]) -> None:
    try:
        node, data = _parse(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(str(path), (mark.line + 1) if mark else 1, path.stem, f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return
    if not isinstance(data, dict):
        problems.append(Problem(str(path), 1, path.stem, "expected one drill as a mapping of fields"))
        return
    drill_id = str(data.get("id") or path.stem)
    try:
        drill = Drill.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(str(path), _line_of(node, err["loc"]), drill_id, _format_error(err)))
        return
    if drill.id in lib.drills:
        problems.append(Problem(str(path), _key_line(node, "id"), drill.id, f"duplicate id (also in {lib.paths[drill.id]})"))
        return
    lib.drills[drill.id] = drill
    lib.paths[drill.id] = str(path)
    nodes[drill.id] = node
    if "crux" in data:
        problems.append(Problem(str(path), _key_line(node, "crux"), drill.id,
                                "crux: renamed takeaway, shown only after the answer; rename the field", True))


def _cross_check(lib: Library, nodes: dict[str, Any], problems: list[Problem]) -> None:
    _family_check(lib, nodes, problems)
    for drill in lib.drills.values():
        path, node = lib.paths[drill.id], nodes[drill.id]
        if drill.next and drill.next not in lib.drills:
            problems.append(Problem(path, _key_line(node, "next"), drill.id, f"next: no drill has id {drill.next!r}"))
        elif drill.next and lib.drills[drill.next].retracted and not drill.retracted:
            problems.append(Problem(path, _key_line(node, "next"), drill.id, f"next: {drill.next!r} is retracted"))
        options = list(drill.options)
        for i, option in enumerate(drill.options):
            tag = option.misconception
            if tag and tag not in lib.misconceptions and lib.renamed.get(tag) in lib.misconceptions:
                # A folded tag keeps a pack loading; its answers count under the new tag.
                line = _line_of(node, ["options", i, "misconception"])
                problems.append(Problem(path, line, drill.id, f"options.{i}.misconception: {tag!r} was folded into {lib.renamed[tag]!r}; use that", True))
                options[i] = option.model_copy(update={"misconception": lib.renamed[tag]})
            elif tag and tag not in lib.misconceptions:
                line = _line_of(node, ["options", i, "misconception"])
                problems.append(Problem(path, line, drill.id, f"options.{i}.misconception: {tag!r} is not defined in {MISCONCEPTIONS_FILE}{_closest(tag, lib.misconceptions)}"))
        if options != list(drill.options):
            lib.drills[drill.id] = drill.model_copy(update={"options": tuple(options)})
        if lib.topics:
            for i, topic in enumerate(drill.topics):
                if topic not in lib.topics:
                    problems.append(Problem(path, _line_of(node, ["topics", i]), drill.id,
                                            f"topics: {topic!r} is not in {TOPICS_FILE}{_closest(topic, lib.topics)}", True))


def _family_check(lib: Library, nodes: dict[str, Any], problems: list[Problem]) -> None:
    """Every variant names a defined family and agrees with it on tier and target misconception.

    A review deals a sibling in place of the drill missed, so a variant that sits on another tier
    or tests another belief would move the member's card for the wrong reason: errors, not warnings.
    """
    for drill in lib.drills.values():
        if drill.family is None:
            continue
        path, node = lib.paths[drill.id], nodes[drill.id]
        family = lib.families.get(drill.family)
        if family is None:
            problems.append(Problem(path, _key_line(node, "family"), drill.id,
                                    f"family: {drill.family!r} is not defined in {FAMILIES_FILE}{_closest(drill.family, lib.families)}"))
            continue
        if drill.tier is not family.tier:
            problems.append(Problem(path, _key_line(node, "tier"), drill.id,
                                    f"tier: {drill.tier.value}, but its family {family.id!r} is {family.tier.value}; variants share one tier"))
        tags = {lib.renamed.get(o.misconception, o.misconception) for o in drill.options if o.misconception}
        if lib.renamed.get(family.targets, family.targets) not in tags:
            problems.append(Problem(path, _key_line(node, "family"), drill.id,
                                    f"family: {family.id!r} targets {family.targets!r}, and no wrong option here carries that tag"))
    for family in lib.families.values():
        if family.targets not in lib.misconceptions and family.targets not in lib.renamed:
            drill_id = next((d.id for d in lib.drills.values() if d.family == family.id), None)
            if drill_id is not None:
                problems.append(Problem(lib.paths[drill_id], _key_line(nodes[drill_id], "family"), drill_id,
                                        f"family: {family.id!r} targets {family.targets!r}, which is not defined in {MISCONCEPTIONS_FILE}"))
        active = [d for d in lib.drills.values() if d.family == family.id and not d.retracted]
        if len(active) == 1:
            drill = active[0]
            problems.append(Problem(lib.paths[drill.id], _key_line(nodes[drill.id], "family"), drill.id,
                                    f"family: {family.id!r} has one active variant; a review needs a sibling to deal", True))


def _closest(word: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""
