"""Drill content: the shipped pack loads clean; every kind of broken drill is reported with path:line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.content.loader import LibraryError, builtin_pack, load_library
from tests.drillgen import drill_dict, write_pack


def test_builtin_pack_loads_without_problems() -> None:
    lib = load_library([builtin_pack()])
    assert lib.drills, "the built-in pack is empty"
    assert not lib.problems
    for drill in lib.drills.values():
        assert sum(o.best for o in drill.options) == 1


def _write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def _two_best(d: dict) -> dict:
    d["options"][1]["best"] = True
    d["options"][1].pop("misconception")
    return d


def _no_why(d: dict) -> dict:
    d["options"][2].pop("why")
    return d


def _bad_tier(d: dict) -> dict:
    d["tier"] = "principal"
    return d


def _dangling_next(d: dict) -> dict:
    d["next"] = "no-such-drill"
    return d


def _unknown_tag(d: dict) -> dict:
    d["options"][1]["misconception"] = "not-in-vocab"
    return d


def _extra_field(d: dict) -> dict:
    d["difficulty"] = "hard"
    return d


def _two_options(d: dict) -> dict:
    d["options"] = d["options"][:2]
    return d


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (_two_best, "exactly one option must be best"),
        (_no_why, "options.2.why: Field required"),
        (_bad_tier, "tier: Input should be 'junior', 'middle' or 'senior'"),
        (_dangling_next, "next: no drill has id 'no-such-drill'"),
        (_unknown_tag, "'not-in-vocab' is not defined"),
        (_extra_field, "difficulty: unknown field"),
        (_two_options, "options: Tuple should have at least 3 items"),
    ],
    ids=["two-best", "missing-why", "unknown-tier", "dangling-next", "unknown-misconception", "extra-field", "too-few-options"],
)
def test_broken_drill_reported_with_path_line_and_id(tmp_path: Path, mutate, needle: str) -> None:
    write_pack(tmp_path, {"junior": 1})
    bad = _write(tmp_path, "broken.yaml", mutate(drill_dict("broken-drill")))
    with pytest.raises(LibraryError) as err:
        load_library([tmp_path])
    lines = [str(p) for p in err.value.problems]
    assert any(line.startswith(f"{bad}:") and ": broken-drill: " in line and needle in line for line in lines), lines
    line_no = int(lines[0].split(":")[1])
    assert line_no > 1 or needle.startswith("exactly"), "the line should point into the file"


def test_line_points_at_the_offending_field(tmp_path: Path) -> None:
    write_pack(tmp_path, {"junior": 1})
    path = _write(tmp_path, "broken.yaml", _bad_tier(drill_dict("broken-drill")))
    with pytest.raises(LibraryError) as err:
        load_library([tmp_path])
    problem = err.value.problems[0]
    assert path.read_text().splitlines()[problem.line - 1].startswith("tier:")


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    write_pack(tmp_path, {"junior": 1})
    path = _write(tmp_path, "garbled.yaml", "id: garbled\ntitle: [unclosed\ntier: junior\n")
    with pytest.raises(LibraryError) as err:
        load_library([tmp_path])
    [problem] = err.value.problems
    assert problem.path == str(path) and problem.line >= 2 and "invalid YAML" in problem.message


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    write_pack(tmp_path, {"junior": 1})
    _write(tmp_path, "zz-copy.yaml", drill_dict("junior-1"))
    with pytest.raises(LibraryError) as err:
        load_library([tmp_path])
    [problem] = err.value.problems
    assert "duplicate id" in problem.message and "junior-1.yaml" in problem.message and problem.line == 1


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    write_pack(tmp_path, {"junior": 1})
    _write(tmp_path, "a.yaml", _two_best(drill_dict("a-drill")))
    _write(tmp_path, "b.yaml", _bad_tier(drill_dict("b-drill")))
    _write(tmp_path, "c.yaml", "::: not yaml :::\n  - [")
    with pytest.raises(LibraryError) as err:
        load_library([tmp_path])
    ids = {p.drill_id for p in err.value.problems}
    assert {"a-drill", "b-drill"} <= ids and len(err.value.problems) >= 3


def test_team_pack_can_use_builtin_vocabulary(tmp_path: Path) -> None:
    pack = tmp_path / "team"
    pack.mkdir()
    d = drill_dict("team-drill")
    for opt in d["options"][1:]:
        opt["misconception"] = "rollback-by-delete"
    _write(pack, "team-drill.yaml", d)
    lib = load_library([builtin_pack(), pack])
    assert "team-drill" in lib.drills


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=60)


def test_cli_check_passes_on_builtin_pack() -> None:
    result = _cli("drills", "check", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("ok: ")


def test_cli_check_fails_with_path_line_on_broken_pack(tmp_path: Path) -> None:
    write_pack(tmp_path, {"junior": 1})
    bad = _write(tmp_path, "broken.yaml", _bad_tier(_two_best(drill_dict("broken-drill"))))
    result = _cli("drills", "check", "--quiet", str(tmp_path))
    assert result.returncode == 1
    # The generated drills break the option standard on purpose elsewhere; here only errors count.
    lines = [line for line in result.stdout.strip().splitlines() if ": warning: " not in line]
    assert len(lines) == 2 and all(line.startswith(f"{bad}:") for line in lines), lines


def test_run_refuses_to_start_on_a_broken_pack(tmp_path: Path) -> None:
    import os

    pack = tmp_path / "pack"
    write_pack(pack, {"junior": 1})
    _write(pack, "broken.yaml", _dangling_next(drill_dict("broken-drill")))
    env = {**os.environ, "SAGA_DRILLS_PACKS": str(pack), "SAGA_DRILLS_DB": str(tmp_path / "x.db")}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=env,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1
    assert "broken.yaml:" in result.stderr and "next: no drill has id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists(), "a refused start must not create the database"
