"""No test opens the SQLite file behind the store's back unless it is marked sqlite_only(reason) (issue 14)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# The previous release's database is built by a script there, from SQLite statements by nature; the
# contract tests set each backend up its own way (the SQLite write lock, a PostgreSQL table lock) by backend.name.
ALLOWED = (TESTS / "fixtures", TESTS / "store_contract")
CONNECTS = {("sqlite3", "connect"), ("aiosqlite", "connect")}


def _connects(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
               and (n.func.value.id, n.func.attr) in CONNECTS for n in ast.walk(node))


def _calls(node: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _marked(node: ast.AST) -> bool:
    return "sqlite_only" in " ".join(ast.unparse(d) for d in getattr(node, "decorator_list", ()))


def unmarked(source: str) -> list[str]:
    """Functions of a test module that reach sqlite3/aiosqlite.connect (themselves or through a helper
    of the module) and are neither a marked test nor called only from marked tests."""
    tree = ast.parse(source)
    if any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
           and "sqlite_only" in ast.unparse(n.value) for n in tree.body):
        return []
    tops = [*tree.body, *(n for c in tree.body if isinstance(c, ast.ClassDef) for n in c.body)]
    functions = {n.name: n for n in tops if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}  # nested ones are their outer's
    reaching = {name for name, node in functions.items() if _connects(node)}
    grown = True
    while grown:  # a helper that connects makes every caller connect too
        more = {name for name, node in functions.items() if _calls(node) & reaching} - reaching
        reaching |= more
        grown = bool(more)
    callers = {name: {c for c, node in functions.items() if name in _calls(node) and c != name} for name in reaching}
    found = []
    for name in sorted(reaching):
        node = functions[name]
        if name.startswith("test_"):
            if not _marked(node):
                found.append(name)
        elif not callers[name] or any(not functions[c].name.startswith("test_") for c in callers[name] - reaching):
            found.append(name)  # a fixture (or a helper of one): nothing carries a marker for it
    return found


def test_no_test_reads_the_sqlite_file_without_the_marker() -> None:
    found = {}
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__) or any(path.is_relative_to(a) for a in ALLOWED):
            continue
        names = unmarked(path.read_text(encoding="utf-8"))
        if names:
            found[str(path.relative_to(TESTS))] = names
    assert found == {}, ("read through the store (tests/store_reads.py) or mark it "
                         f"@pytest.mark.sqlite_only(reason): {found}")


def test_the_checker_sees_a_helper_a_fixture_and_the_marker() -> None:
    source = '''
import sqlite3
import pytest

def _count(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT 1").fetchone()

def test_behind_the_store(db_path):
    assert _count(db_path)

@pytest.mark.sqlite_only("WAL checkpoints")
def test_marked(db_path):
    assert _count(db_path)

@pytest.fixture
def rows(db_path):
    return sqlite3.connect(db_path)
'''
    assert unmarked(source) == ["rows", "test_behind_the_store"]
    assert unmarked("import pytest, sqlite3\npytestmark = pytest.mark.sqlite_only('file modes')\n"
                    "def test_x(p):\n    sqlite3.connect(p)\n") == []
