"""The house rules of issue 13 as an AST test: the folders are the architecture, and stay it.

Every module under bot/ and adapters/ is parsed, and every import it makes is counted, those
under `if TYPE_CHECKING:` and inside functions too, plus importlib.import_module("literal").
check_tree() is the checker; the tests of the test run it on throwaway trees in tmp_path.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("discord", "slack_bolt", "slack_sdk", "aiohttp")
SQLITE = ("sqlite3", "aiosqlite")
# What an adapter may know of the core: the door, the neutral messages, settings and drill letters.
ADAPTER_MAY_IMPORT = ("bot.messages", "bot.ports", "bot.settings", "bot.content.models")
# Who may name the SQLite backend: the backend itself and the wiring; features see bot.store's ports.
# The PostgreSQL backend runs the same statements through its dialect, so it names them too.
SQLITE_BACKEND_USERS = ("bot.store.sqlite", "bot.store.postgres", "bot.app", "bot.runtime", "bot.cli")
# The composition root: the only core code that may name adapters (never an SDK itself).
COMPOSITION_ROOT = ("bot.runtime", "bot.cli")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports, resolved to a module of the tree where possible
    line: int


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module under root/bot and root/adapters."""
    found: dict[str, Path] = {}
    for top in ("bot", "adapters"):
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports(root: Path) -> Iterator[Import]:
    """Every import of every module, resolved against the tree (`from a import b` is a.b if b is a module)."""
    tree_modules = modules(root)
    for name, path in tree_modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(name, alias.name, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    yield Import(name, sub if sub in tree_modules else base, node.lineno)
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "import_module" and node.args
                  and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                yield Import(name, node.args[0].value, node.lineno)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan), or a self-import."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def check_tree(root: Path) -> list[str]:
    """Every broken rule in the tree at root, one line each; [] when the layout keeps the rules."""
    problems: list[str] = []
    tree_modules = modules(root)
    # Rule 1: one package per platform under adapters/, named so it never shadows an SDK.
    for path in sorted((root / "adapters").glob("*.py")):
        if path.name != "__init__.py":
            problems.append(f"rule 1: adapters/{path.name} is a flat module; it belongs in a platform package")
    for package in sorted(p for p in (root / "adapters").iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        if not package.name.endswith("_adapter") or package.name == "_adapter":  # never `slack/`, `discord/`
            problems.append(f"rule 1: adapters/{package.name}/ should be <platform>_adapter")
        for required in ("adapter.py", "render.py"):
            if not (package / required).exists():
                problems.append(f"rule 1: adapters/{package.name}/ has no {required} (lifecycle and rendering apart)")
    edges: dict[str, set[str]] = {name: set() for name in tree_modules}
    for imp in imports(root):
        where = f"{tree_modules[imp.module].relative_to(root)}:{imp.line}"
        if imp.target in tree_modules and imp.target != imp.module:
            edges[imp.module].add(imp.target)
        in_adapters = _within(imp.module, ("adapters",))
        # Rule 2: adapters enter the core by one door.
        if in_adapters and _within(imp.target, ("bot",)) and not _within(imp.target, ADAPTER_MAY_IMPORT):
            problems.append(f"rule 2: {where} {imp.module} imports {imp.target}; adapters use only bot.ports.Bot and the messages")
        # Rule 4: every SQLite detail in the SQLite backend.
        if _within(imp.target, SQLITE) and not _within(imp.module, ("bot.store.sqlite",)):
            problems.append(f"rule 4: {where} {imp.module} imports {imp.target}; only bot/store/sqlite/ may")
        if (_within(imp.module, ("bot",)) and _within(imp.target, ("bot.store.sqlite",))
                and not _within(imp.module, SQLITE_BACKEND_USERS)):
            problems.append(f"rule 4: {where} {imp.module} imports {imp.target}; features use the ports in bot/store/")
        # Rule 5: no platform SDK in the core; only its composition root names adapters.
        if _within(imp.module, ("bot",)) and (
                _within(imp.target, SDKS) or (_within(imp.target, ("adapters",)) and not _within(imp.module, COMPOSITION_ROOT))):
            problems.append(f"rule 5: {where} {imp.module} imports {imp.target}; bot/ stays platform-neutral")
    # Rule 7: no import cycles, TYPE_CHECKING imports included.
    for cycle in _cycles(edges):
        problems.append(f"rule 7: import cycle through {' → '.join(cycle)}")
    return problems


# -- the rules on the real tree -------------------------------------------------------------------
def test_the_project_keeps_the_layout_rules() -> None:
    assert check_tree(ROOT) == []


def test_the_checker_sees_the_whole_tree() -> None:
    names = modules(ROOT)
    assert {"bot.app", "bot.store.sqlite.core", "adapters.slack_adapter.listeners", "adapters"} <= set(names)
    seen = {(i.module, i.target) for i in imports(ROOT)}
    # A TYPE_CHECKING import counts: scheduling names its store port only for types.
    assert ("bot.scheduling.tick", "bot.store.schedules") in seen
    # `from package import module` resolves to the module.
    assert ("bot.runtime", "bot.leaderboard.chat") in seen


def test_one_platform_list_for_the_whole_project() -> None:
    from adapters import REGISTRY
    from bot.messages import PLATFORMS

    assert tuple(REGISTRY) == PLATFORMS
    for name, path in modules(ROOT).items():
        if name == "bot.messages":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                assert not any(isinstance(t, ast.Name) and t.id == "PLATFORMS" for t in node.targets), \
                    f"{path.relative_to(ROOT)}:{node.lineno} keeps its own platform list"


def test_nothing_outside_the_sqlite_backend_names_sqlite_errors() -> None:
    for name, path in modules(ROOT).items():
        if not _within(name, ("bot.store.sqlite",)):
            assert "IntegrityError" not in path.read_text(encoding="utf-8"), path.relative_to(ROOT)


@pytest.mark.parametrize(("port", "backend"), [
    ("bot.store:Store", "bot.store.sqlite.core:SqliteStore"),
    ("bot.store:Store", "bot.store.postgres.stores:PostgresStore"),
    ("bot.store.schedules:ScheduleStore", "bot.store.sqlite.schedules:SqliteScheduleStore"),
    ("bot.store.boards:BoardStore", "bot.store.sqlite.boards:SqliteBoardStore"),
    ("bot.store.boards:SeasonStore", "bot.store.sqlite.seasons:SqliteSeasonStore"),
])
def test_the_sqlite_stores_fill_the_feature_ports(port: str, backend: str) -> None:
    import importlib
    import inspect

    def load(spec: str) -> type:
        module, _, name = spec.partition(":")
        return getattr(importlib.import_module(module), name)

    protocol, cls = load(port), load(backend)
    wanted = [n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_")]
    assert wanted
    for name in wanted:
        ours, theirs = inspect.signature(getattr(protocol, name)), inspect.signature(getattr(cls, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
               [(p.name, p.kind, p.default) for p in theirs.parameters.values()], f"{backend}.{name}"
    # Constructors (classmethods such as SqliteStore.open) are the backend's own business.
    public = {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))
              and not isinstance(inspect.getattr_static(cls, n), classmethod)}
    assert public <= set(wanted), f"{backend} has methods its port does not name: {sorted(public - set(wanted))}"


# -- tests of the test: each rule fails on a throwaway tree ---------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    base = {
        "bot/__init__.py": '"""Core."""\n',
        "bot/messages.py": '"""Messages."""\n',
        "bot/store/__init__.py": '"""Port."""\n',
        "bot/store/sqlite/__init__.py": '"""Backend."""\nimport sqlite3\n',
        "adapters/__init__.py": '"""Adapters."""\n',
        "adapters/demo_adapter/__init__.py": '"""Demo."""\n',
        "adapters/demo_adapter/adapter.py": '"""Lifecycle."""\nfrom bot.messages import Notice\n',
        "adapters/demo_adapter/render.py": '"""Render."""\n',
    }
    for rel, text in {**base, **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_clean_throwaway_tree_passes(tmp_path: Path) -> None:
    assert check_tree(_tree(tmp_path, {})) == []


def test_an_adapter_importing_the_store_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"adapters/demo_adapter/listeners.py":
                            '"""Listeners."""\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n'
                            '    from bot.store import StoreBusy\n'})
    [problem] = check_tree(root)
    assert problem.startswith("rule 2:") and "adapters.demo_adapter.listeners imports bot.store" in problem


def test_sqlite3_outside_the_sqlite_backend_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"bot/leaderboard/__init__.py": '"""Boards."""\n',
                            "bot/leaderboard/seasons.py": '"""Seasons."""\n\n\ndef start():\n    import sqlite3\n'})
    [problem] = check_tree(root)
    assert problem.startswith("rule 4:") and "bot.leaderboard.seasons imports sqlite3" in problem


def test_a_feature_naming_the_sqlite_backend_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"bot/scheduling/__init__.py": '"""Scheduling."""\n',
                            "bot/scheduling/tick.py": '"""Tick."""\nfrom typing import TYPE_CHECKING\n\n'
                                                      'if TYPE_CHECKING:\n    from bot.store.sqlite import Stores\n',
                            "bot/runtime.py": '"""Runtime."""\nfrom bot.store.sqlite import Stores\n'})
    [problem] = check_tree(root)
    assert problem.startswith("rule 4:") and "bot.scheduling.tick imports bot.store.sqlite" in problem


def test_an_import_cycle_is_reported_even_under_type_checking(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"bot/engine.py": '"""Engine."""\nfrom bot.runtime import App\n',
                            "bot/runtime.py": '"""Runtime."""\nfrom typing import TYPE_CHECKING\n\n'
                                              'if TYPE_CHECKING:\n    from bot import engine\n'})
    [problem] = check_tree(root)
    assert problem == "rule 7: import cycle through bot.engine → bot.runtime"


def test_an_sdk_in_the_core_and_a_flat_adapter_module_are_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"bot/content/__init__.py": '"""Content."""\n',
                            "bot/content/checks.py": '"""Checks."""\nimport importlib\n'
                                                     'importlib.import_module("adapters.demo_adapter.render")\n',
                            "bot/cli/__init__.py": '"""CLI."""\nfrom adapters.demo_adapter import adapter\n',
                            "bot/cli/discord_cmds.py": '"""Discord set-up."""\n\n\ndef sync():\n    import discord\n',
                            "adapters/slack_render.py": '"""Flat."""\n'})
    problems = check_tree(root)
    assert any(p.startswith("rule 1:") and "slack_render.py" in p for p in problems)
    assert any(p.startswith("rule 5:") and "bot.content.checks imports adapters.demo_adapter.render" in p
               for p in problems)
    assert any(p.startswith("rule 5:") and "bot.cli.discord_cmds imports discord" in p for p in problems), \
        "the CLI may build adapters, but the SDK work is the adapter's"
    assert not any("bot/cli/__init__" in p for p in problems), "the CLI is the composition root"
    assert len(problems) == 3


@pytest.mark.parametrize("name", ["discord", "slack"])
def test_a_platform_package_named_like_its_sdk_is_reported(tmp_path: Path, name: str) -> None:
    root = _tree(tmp_path, {f"adapters/{name}/__init__.py": '"""Shadows."""\n',
                            f"adapters/{name}/adapter.py": '"""A."""\n', f"adapters/{name}/render.py": '"""R."""\n'})
    assert [p for p in check_tree(root) if p.startswith("rule 1:")] == [f"rule 1: adapters/{name}/ should be <platform>_adapter"]
