"""Parse every drill snippet in its declared language, so a snippet that would not compile is caught.

The parsers are the field's own: `ast` for Python, PyYAML (with duplicate keys as an error) for
YAML, tree-sitter grammars for Go, Java, Kotlin, TypeScript and C#, and `pglast` (PostgreSQL's own
parser) for SQL and PL/pgSQL. The third-party ones are an authoring dependency (the `check` extra),
not the bot's: where one is missing, `missing_parsers()` names it and the check says how to add it.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

# tree-sitter grammar module and the function in it that returns the language.
_GRAMMARS = {
    "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "csharp": ("tree_sitter_c_sharp", "language"),
}
ALIASES = {"ts": "typescript", "c#": "csharp", "cs": "csharp", "golang": "go", "kt": "kotlin",
           "py": "python", "yml": "yaml", "postgresql": "sql", "plpgsql": "sql"}
# A snippet may be a fragment: a method (Java, C#, Kotlin) or statements (Go) without the class or
# function around it. Those are parsed again inside one, and only when both fail is it an error.
_WRAPPERS = {
    "go": ("func _() {\n", "\n}\n"),
    "java": ("class Snippet {\n", "\n}\n"),
    "csharp": ("class Snippet {\n", "\n}\n"),
    "kotlin": ("class Snippet {\n", "\n}\n"),
}
# `:name` placeholders (psql variables, application binds) are not PostgreSQL syntax; `$n` is.
_PSQL_VARIABLE = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
PARSER_PACKAGES = "tree-sitter, tree-sitter-go, tree-sitter-java, tree-sitter-kotlin, tree-sitter-typescript, tree-sitter-c-sharp, pglast"


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a snippet fails to parse: 1-based line inside the snippet, and what the parser said."""

    line: int
    message: str


def canonical(language: str) -> str:
    return ALIASES.get(language, language)


def supported(language: str) -> bool:
    return canonical(language) in {"python", "yaml", "sql", *_GRAMMARS}


def missing_parsers(languages: set[str]) -> list[str]:
    """The languages among `languages` whose parser package is not installed."""
    missing = []
    for language in sorted({canonical(x) for x in languages}):
        module = "pglast" if language == "sql" else _GRAMMARS.get(language, (None,))[0]
        if module is None:
            continue
        try:
            importlib.import_module(module)
            if module != "pglast":
                importlib.import_module("tree_sitter")
        except ImportError:
            missing.append(language)
    return missing


def parse_problem(language: str, code: str) -> SyntaxProblem | None:
    """The first syntax error in `code`, or None when it parses (or no parser is installed)."""
    checker = _CHECKERS.get(canonical(language))
    if checker is None:
        return None
    try:
        return checker(canonical(language), code)
    except ImportError:
        return None


def _python(_: str, code: str) -> SyntaxProblem | None:
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return SyntaxProblem(exc.lineno or 1, f"Python syntax error: {exc.msg}")
    return None


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice (YAML 1.2 forbids it; PyYAML keeps the last)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _local_tag(loader: yaml.SafeLoader, suffix: str, node: Any) -> Any:
    # CloudFormation's short forms (!Ref, !GetAtt, !Sub …) are application tags: any is valid YAML.
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_UniqueKeyLoader.add_multi_constructor("!", _local_tag)


def _yaml(_: str, code: str) -> SyntaxProblem | None:
    try:
        for _doc in yaml.load_all(code, Loader=_UniqueKeyLoader):  # noqa: S506 - a SafeLoader subclass
            pass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return SyntaxProblem((mark.line + 1) if mark else 1, f"YAML: {getattr(exc, 'problem', None) or exc}")
    return None


def _sql(_: str, code: str) -> SyntaxProblem | None:
    import pglast

    text = _PSQL_VARIABLE.sub("$1", code)
    try:
        pglast.parse_sql(text)
        if re.search(r"language\s+plpgsql", text, re.IGNORECASE):
            pglast.parse_plpgsql(text)
    except pglast.parser.ParseError as exc:
        message, location = (exc.args + (None, None))[:2]
        line = text.count("\n", 0, location) + 1 if isinstance(location, int) else 1
        return SyntaxProblem(line, f"PostgreSQL: {message}")
    return None


def _tree_sitter(language: str, code: str) -> SyntaxProblem | None:
    parser = _parser(language)
    found = _first_error(parser.parse(code.encode()).root_node)
    if found is None:
        return None
    if language in _WRAPPERS:
        head, tail = _WRAPPERS[language]
        if _first_error(parser.parse((head + code + tail).encode()).root_node) is None:
            return None
    row, what = found
    return SyntaxProblem(row + 1, f"{language} syntax error: {what}")


_PARSERS: dict[str, Any] = {}


def _parser(language: str) -> Any:
    if language not in _PARSERS:
        import tree_sitter

        module, function = _GRAMMARS[language]
        grammar = getattr(importlib.import_module(module), function)()
        _PARSERS[language] = tree_sitter.Parser(tree_sitter.Language(grammar))
    return _PARSERS[language]


def _first_error(node: Any) -> tuple[int, str] | None:
    """The first ERROR or MISSING node, depth first: (0-based row, what is wrong)."""
    if node.is_missing:
        return node.start_point[0], f"missing {node.type!r}"
    if node.type == "ERROR":
        text = node.text.decode(errors="replace").strip().splitlines()
        near = f" near {text[0][:40]!r}" if text else ""
        return node.start_point[0], f"unexpected input{near}"
    if not node.has_error:
        return None
    for child in node.children:
        if (found := _first_error(child)) is not None:
            return found
    return node.start_point[0], "unexpected input"


_CHECKERS: dict[str, Callable[[str, str], SyntaxProblem | None]] = {
    "python": _python, "yaml": _yaml, "sql": _sql, **{name: _tree_sitter for name in _GRAMMARS},
}
