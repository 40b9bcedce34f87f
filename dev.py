#!/usr/bin/env python3
"""Bootstrap for a fresh machine: make .venv, install the project, then run the bot or the tests.

    python3 dev.py run        # the bot (no tokens set: the console drill)
    python3 dev.py test       # the whole test suite (what CI runs)
    python3 dev.py ARGS...    # any other saga-drills command, e.g. `drills check`
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".saga-drills-installed"


def ensure_installed() -> None:
    """Create .venv and install `.[test]` when pyproject.toml or constraints.txt changed since the last install."""
    if sys.version_info < (3, 11):
        sys.exit(f"saga-drills needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("dev.py: creating .venv …", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want:
        return
    print("dev.py: installing saga-drills and its test tools into .venv …", file=sys.stderr)
    # constraints.txt: the versions the suite last passed with, so a fresh machine gets those.
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[test]"], check=True, cwd=ROOT)
    STAMP.write_text(want)


def main(argv: list[str]) -> int:
    ensure_installed()
    if argv[:1] == ["test"]:
        code = subprocess.call([str(PYTHON), "-m", "pytest", *argv[1:]], cwd=ROOT)
        if code == 5:  # pytest found no tests: that is a broken suite, not a pass
            print("dev.py: pytest collected no tests", file=sys.stderr)
            return 1
        return code
    return _wait(subprocess.Popen([str(PYTHON), "-m", "bot", *(argv or ["run"])], cwd=Path.cwd()))


def _wait(proc: subprocess.Popen[bytes]) -> int:
    """The child's exit code. Ctrl-C reaches the child too (same terminal), which says goodbye
    and exits on its own; this process only waits for it instead of printing a traceback."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
