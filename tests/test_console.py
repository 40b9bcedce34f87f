"""The console drill end to end: real subprocesses, piped stdin, the same database as export."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "SAGA_DRILLS_"))}
    env.update(SAGA_DRILLS_DB=str(tmp_path / "console.db"), COLUMNS="100")
    return env


def _bot(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=_env(tmp_path), cwd=tmp_path, timeout=60,
                          stdin=subprocess.DEVNULL if stdin is None else None)


def test_console_session_through_piped_stdin(tmp_path: Path) -> None:
    result = _bot(tmp_path, "console", "--member", "alice", stdin="a\nstats\nnext\nb\nhelp\nquit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "signed in as alice" in out
    assert out.count("Answer with a letter") == 2, "the first drill and the one after `next`"
    assert ("✔ Right." in out) or ("✘ Not this time." in out)
    assert "▸ Junior ▸ Middle ▸ Senior ▸ In orbit" in out, "stats shows the ladder"
    assert "Type a letter to answer" in out
    assert out.rstrip().endswith("Bye — see you at the next drill.")
    assert "Traceback" not in result.stderr

    export = _bot(tmp_path, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert len(rows) == 2 and {r["member"] for r in rows} == {"console:local:alice"}
    assert all(r["answered_at_utc"].endswith("Z") and r["correct"] in {"right", "wrong"} for r in rows)


def test_console_rejects_bad_input_without_losing_anything(tmp_path: Path) -> None:
    result = _bot(tmp_path, "console", stdin="z\nwhat is this\npause soon\na\na\n")
    assert result.returncode == 0, result.stderr
    assert "I don't know “what”" in result.stdout
    assert "Usage: `/drill pause DAYS`" in result.stdout
    assert "already answered" in result.stdout, "a second `a` is the same answer, counted once"
    rows = list(csv.DictReader(io.StringIO(_bot(tmp_path, "export").stdout)))
    assert len(rows) == 1


def test_readme_run_command_without_tokens_runs_the_console(tmp_path: Path) -> None:
    """`python3 dev.py run` execs `python -m bot run`; with stdin closed it deals a drill and exits."""
    result = _bot(tmp_path, "run")
    assert result.returncode == 0, result.stderr
    assert "Saga Drills — signed in as you" in result.stdout and "Answer with a letter" in result.stdout
    assert (tmp_path / "console.db").exists()


def test_readme_mentions_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "python3 dev.py run" in readme and "python3 dev.py test" in readme
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("args", [["--help"], ["drills", "--help"], ["export", "--help"]])
def test_help_text(tmp_path: Path, args: list[str]) -> None:
    result = _bot(tmp_path, *args)
    assert result.returncode == 0 and "usage: saga-drills" in result.stdout


def test_bad_setting_is_one_clear_line(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"SAGA_DRILLS_TZ": "Mars/Olympus"}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=env,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1
    assert "unknown IANA time zone 'Mars/Olympus'" in result.stderr and "Traceback" not in result.stderr


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "console.db").write_text("hello")
    result = _bot(tmp_path, "run")
    assert result.returncode == 1 and "not a SQLite database" in result.stderr
    assert (tmp_path / "console.db").read_text() == "hello"


def test_run_in_console_mode_keeps_log_lines_out_of_the_drill(tmp_path: Path) -> None:
    result = _bot(tmp_path, "run", stdin="quit\n")
    assert result.returncode == 0, result.stderr
    log_file = tmp_path / "saga-drills.log"
    assert result.stderr.splitlines() == [f"saga-drills: logging to {log_file}"]
    assert " INFO " not in result.stdout and "Answer with a letter" in result.stdout
    logged = log_file.read_text()
    assert "applying migration 0001_core" in logged and "console adapter connected" in logged


def test_ctrl_c_under_dev_py_leaves_without_a_traceback(tmp_path: Path) -> None:
    import signal
    import time

    proc = subprocess.Popen([sys.executable, str(ROOT / "dev.py"), "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(tmp_path), cwd=tmp_path, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        seen = ""
        while "Answer with a letter" not in seen and time.monotonic() < deadline:  # await the first card
            seen += proc.stdout.readline()
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C: the whole foreground group
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err and "KeyboardInterrupt" not in err, err


@pytest.mark.parametrize("command", [["leaderboard"], ["report"], ["export"], ["schedule", "list"], ["season", "list"],
                                     ["drills", "stats"], ["db", "backup", "copy.db"]])
def test_read_commands_refuse_a_database_that_does_not_exist(tmp_path: Path, command: list[str]) -> None:
    result = _bot(tmp_path, *command)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"saga-drills: no database at {tmp_path / 'console.db'}; run this where the bot "
                                     "runs, or point SAGA_DRILLS_DB at its file (e.g. SAGA_DRILLS_DB=/srv/saga/"
                                     "saga-drills.db saga-drills …)")
    assert list(tmp_path.iterdir()) == []


def test_a_database_in_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "SAGA_DRILLS_DB": str(tmp_path / "typo" / "saga.db")}
    result = subprocess.run([sys.executable, "-m", "bot", "schedule", "add", "--platform", "console", "--channel",
                             "console", "--at", "09:30", "--tz", "UTC"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and "does not exist; create it first" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "typo").exists()


def test_version_and_verbose_after_the_subcommand(tmp_path: Path) -> None:
    from importlib.metadata import version

    assert _bot(tmp_path, "--version").stdout.strip() == f"saga-drills {version('saga-drills')}"
    result = _bot(tmp_path, "drills", "list", "-v")
    assert result.returncode == 0 and "usage:" not in result.stderr


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path: Path) -> None:
    from tests.drillgen import write_pack

    write_pack(tmp_path / "pack", {"junior": 1500})  # over 100 KB of list lines: more than a pipe buffer
    env = {**_env(tmp_path), "SAGA_DRILLS_PACKS": str(tmp_path / "pack")}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "drills", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None and proc.stdout.readline()  # `| head -1`: read one line, then leave
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"BrokenPipeError" not in err and b"Traceback" not in err, err


def test_the_percent_sign_in_drills_help_renders(tmp_path: Path) -> None:
    out = _bot(tmp_path, "drills", "--help").stdout
    assert "% right, spread" in out and "option_strings" not in out


def test_the_console_takes_drill_commands_as_the_help_writes_them_and_counts_read_right(tmp_path: Path) -> None:
    result = _bot(tmp_path, "console", "--member", "ana", stdin="a\n/drill leaderboard all\n/drill stats\nquit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "I don't know" not in out
    assert "Leaderboard · All time" in out and "▸ Junior ▸ Middle" in out
    assert "1 points" not in out and " 1 traps" not in out


def test_counted_puts_the_noun_in_the_right_number() -> None:
    from bot.messages import counted

    assert [counted(n, "point") for n in (0, 1, 2)] == ["0 points", "1 point", "2 points"]
    assert counted(1, "first answer") == "1 first answer" and counted(3, "entry", "entries") == "3 entries"


def test_console_word_guessed_marks_the_latest_right_answer_once(tmp_path: Path) -> None:
    import re

    from tests.store_reads import rows_in

    result = _bot(tmp_path, "console", "--member", "alice", stdin="guessed\na\nguessed\nguessed\nguessed nosuch\nquit\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    out = " ".join(result.stdout.split())  # the panels wrap lines; read words
    assert "not answered a drill yet" in out, "the word before any answer"
    assert "not yours" in out, "an unknown delivery"
    [(correct, guessed)] = rows_in(tmp_path / "console.db", "SELECT correct, guessed_at IS NOT NULL FROM answers")
    if correct:
        assert "A guess? Type `guessed`" in out and "Marked as a guess" in out and "already marked" in out
        assert guessed == 1
    else:
        assert len(re.findall("not right, so it is already graded as a miss", out)) == 2 and guessed == 0
