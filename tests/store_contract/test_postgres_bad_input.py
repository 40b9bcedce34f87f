"""SAGA_DRILLS_DB on PostgreSQL: bad input is one clear line naming the setting, exit 1, nothing written, no password."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket

import asyncpg
import pytest

from bot.cli import main
from tests.conftest import new_database


@pytest.fixture
def run(monkeypatch, capsys, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)

    def go(db: str, *argv: str) -> tuple[int, str]:
        monkeypatch.setenv("SAGA_DRILLS_DB", db)
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out + err

    return go


def blocking(coro):  # type: ignore[no-untyped-def]
    """Await `coro` from a plain test: the CLI under test runs its own event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _fetchval(url: str, sql: str):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unknown_scheme_is_one_line_and_writes_nothing(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, text = run("mysql://root:hunter2@db/saga", "export")
    assert code == 1 and len(text.strip().splitlines()) == 1
    assert "SAGA_DRILLS_DB" in text and "unknown scheme mysql://" in text and "hunter2" not in text
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_is_one_line_naming_the_setting(run) -> None:  # type: ignore[no-untyped-def]
    code, text = run(f"postgresql://saga:hunter2@127.0.0.1:{_closed_port()}/saga", "export")
    assert code == 1 and len(text.strip().splitlines()) == 1, text
    assert text.startswith("saga-drills: SAGA_DRILLS_DB=postgresql://saga:***@127.0.0.1:") and "cannot reach" in text
    assert "hunter2" not in text


def test_wrong_credentials_are_one_line_and_nothing_is_written(run, pg_cluster) -> None:  # type: ignore[no-untyped-def]
    url = blocking(new_database(pg_cluster, migrated=False))
    wrong = url.replace(pg_cluster.password, "hunter2")
    code, text = run(wrong, "export")
    assert code == 1 and len(text.strip().splitlines()) == 1, text
    assert "SAGA_DRILLS_DB=" in text and "refused the credentials" in text and "hunter2" not in text
    assert blocking(_fetchval(url, "SELECT to_regclass('schema_migrations')")) is None


def test_another_programs_database_is_refused_and_left_untouched(run, pg_cluster) -> None:  # type: ignore[no-untyped-def]
    url = blocking(new_database(pg_cluster, migrated=False))
    blocking(_fetchval(url, "CREATE TABLE invoices (id int)"))
    code, text = run(url, "export")
    assert code == 1 and "another program" in text and "left untouched" in text
    assert blocking(_fetchval(url, "SELECT to_regclass('schema_migrations')")) is None


def test_db_backup_on_postgresql_points_at_pg_dump(run, pg_cluster, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, text = run(blocking(new_database(pg_cluster)), "db", "backup", str(tmp_path / "copy.db"))
    assert code == 1 and "pg_dump" in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "copy.db").exists()


def test_export_reads_a_postgresql_database(run, pg_cluster) -> None:  # type: ignore[no-untyped-def]
    code, text = run(blocking(new_database(pg_cluster)), "export")
    assert code == 0, text


def test_without_the_driver_the_error_names_the_setting_and_the_extra(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "asyncpg" else real(name, *a))
    code, text = run("postgresql://saga@127.0.0.1:1/saga", "export")
    assert code == 1 and len(text.strip().splitlines()) == 1
    assert "SAGA_DRILLS_DB" in text and "saga-drills[postgres]" in text


def test_the_url_prints_without_its_password() -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None, SAGA_DRILLS_DB="postgres://saga:hunter2@db.internal:5433/drills?sslmode=require")
    assert str(settings.db) == "postgres://saga:***@db.internal:5433/drills?sslmode=require"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert Settings(_env_file=None, SAGA_DRILLS_DB="/srv/saga/saga.db").db.name == "saga.db"
