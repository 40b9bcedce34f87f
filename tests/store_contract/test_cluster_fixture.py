"""Without PostgreSQL's binaries the PostgreSQL tests skip with one line saying how to enable them; under CI=true they fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    tests = ["tests/store_contract/test_postgres_only.py::test_a_lost_connection_is_busy_once_then_the_pool_reconnects",
             "tests/store_contract/test_core.py::test_an_answer_counts_once_and_reviews_its_card"]
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(SAGA_DRILLS_PG_BIN=str(tmp_path / "no-postgres-here"), **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *tests],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_without_binaries_the_postgresql_tests_skip_saying_how_to_enable_them(tmp_path: Path) -> None:
    run = _run(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 2 skipped" in run.stdout, run.stdout  # the SQLite half of the contract still runs
    [line] = [ln for ln in run.stdout.splitlines() if ln.startswith("SKIPPED")]  # one line for all of them
    assert "PostgreSQL tests skipped: no PostgreSQL server binaries" in line and "SAGA_DRILLS_PG_BIN" in line


def test_under_ci_missing_binaries_fail_the_run(tmp_path: Path) -> None:
    run = _run(tmp_path, CI="true")
    assert run.returncode != 0 and "CI=true: the PostgreSQL tests must run" in run.stdout
