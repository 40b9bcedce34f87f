"""Every command the README shows that needs no token runs as written, in order, in a fresh folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
STARTS = ("python3 dev.py", ".venv/bin/", "saga-drills ", "SAGA_DRILLS_DB=", "printf ")
# Not run here, each for a stated reason.
NEEDS_TOKEN = ("discord invite-url", "discord sync-commands", "--adapter slack", "--adapter discord")
OTHER_REASONS = {
    "dev.py test": "the suite itself",
    "drills schema": "rewrites drills/schema.json in this checkout",
    "drills lock": "appends to drills/shipped-ids.txt in this checkout",
    "docker ": "needs a Docker daemon (tests/test_docker.py)",
}
# A placeholder the reader fills in: ID, PATH, NAME, HH:MM, alternatives, optional parts, an ellipsis.
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_-]*[A-Z]\b|\[|\\\||…|YOUR-")


def readme_commands() -> list[str]:
    """Shell lines of the README's sh blocks and inline commands, in the order a reader meets them."""
    text = README.read_text(encoding="utf-8")
    found: list[tuple[int, str]] = []
    for block in re.finditer(r"```sh\n(.*?)```", text, re.S):
        for offset, line in enumerate(block.group(1).splitlines()):
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line:
                found.append((block.start() + offset, line))
    for span in re.finditer(r"`([^`\n]*(?:\n[^`\n]*)?)`", text):
        command = " ".join(span.group(1).split())
        if command.startswith(STARTS) and not text[max(0, span.start() - 3):span.start()].endswith("``"):
            found.append((span.start(), command))
    return [command for _, command in sorted(found)]


def runnable(command: str) -> bool:
    env_stripped = re.sub(r"^(?:[A-Z_]+=\S+\s+)+", "", command)
    if not env_stripped.startswith(STARTS) or " " not in env_stripped:  # `.venv/bin/` alone is a folder
        return False
    if any(word in command for word in NEEDS_TOKEN) or any(word in command for word in OTHER_REASONS):
        return False
    return not PLACEHOLDER.search(re.sub(r"^(?:[A-Z_]+=\S+\s+)+", "", command.replace("SAGA_DRILLS_DB", "")))


def as_run_here(command: str) -> str:
    """The same command on this test's interpreter (dev.py's .venv is the one running the tests)."""
    py = shlex.quote(sys.executable)
    swaps = {"python3 dev.py": f"{py} -m bot", ".venv/bin/saga-drills": f"{py} -m bot", ".venv/bin/python": py,
             "benchmarks/": f"{ROOT}/benchmarks/"}
    command = re.sub("|".join(map(re.escape, swaps)), lambda m: swaps[m.group(0)], command)
    return re.sub(r"(^|\| |&& )saga-drills ", lambda m: f"{m.group(1)}{py} -m bot ", command)


def test_the_readme_shows_the_commands_a_new_user_types() -> None:
    commands = readme_commands()
    runnable_ones = [c for c in commands if runnable(c)]
    assert "python3 dev.py run" in commands and "python3 dev.py test" in commands
    assert any("slack manifest" in c for c in runnable_ones)
    assert any(c.startswith("printf ") for c in runnable_ones)
    assert len(runnable_ones) >= 10, runnable_ones


@pytest.mark.slow
def test_every_readme_command_without_a_token_runs_as_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "SAGA_DRILLS_"))}
    env.update(HOME=str(tmp_path), SAGA_DRILLS_PACKS="")
    ran = []
    for command in filter(runnable, readme_commands()):
        # The console reads lines: a reader who types `quit` leaves; a pipe in the README brings its own.
        done = subprocess.run(["bash", "-o", "pipefail", "-c", as_run_here(command)], cwd=tmp_path, env=env,
                              input="quit\n", capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
        assert "Traceback" not in done.stderr + done.stdout, command
        ran.append(command)
    assert any(" export" in c for c in ran) and any("leaderboard --png" in c for c in ran), ran
    assert (tmp_path / "board.png").stat().st_size > 10_000  # the demo board's chart, as the README promises
