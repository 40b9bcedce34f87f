"""Benchmark: load and validate 1,000 drill files, and time `saga-drills --help` (targets: < 1 s, < 0.5 s).

    .venv/bin/python benchmarks/load_drills.py [--drills 1000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.content.loader import builtin_pack, load_library  # noqa: E402


def write_copies(folder: Path, count: int) -> None:
    """`count` drills cloned from the shipped ones, with fresh ids and next links that resolve."""
    shipped = sorted(builtin_pack().rglob("*.yaml"))
    templates = [yaml.safe_load(p.read_text()) for p in shipped if p.name != "misconceptions.yaml"]
    (folder / "misconceptions.yaml").write_text((builtin_pack() / "misconceptions.yaml").read_text())
    for i in range(count):
        data = dict(templates[i % len(templates)])
        data["id"] = f"bench-drill-{i:04d}"
        data["next"] = f"bench-drill-{i + 1:04d}" if i + 1 < count else None
        if data["next"] is None:
            data.pop("next")
        (folder / f"bench-drill-{i:04d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drills", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_copies(Path(tmp), args.drills)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            lib = load_library([Path(tmp)])
            runs.append(time.perf_counter() - start)
        assert len(lib.drills) == args.drills
    print(f"load + validate {args.drills} drills: best {min(runs):.3f} s, worst {max(runs):.3f} s (target < 1 s)")
    helps = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "--help"], check=True, capture_output=True)
        helps.append(time.perf_counter() - start)
    print(f"saga-drills --help: best {min(helps):.3f} s, worst {max(helps):.3f} s (target < 0.5 s)")


if __name__ == "__main__":
    main()
