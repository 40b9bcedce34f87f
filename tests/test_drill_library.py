"""The shipped library meets the authoring standard; each authoring check catches its defect."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from adapters import payload_renderers
from bot.content.checks import IDS_FILE, check_library, lock_ids
from bot.content.item_analysis import Response, analyse, point_biserial
from bot.content.loader import builtin_pack, load_library
from tests.drillgen import drill_dict, write_pack

LIB = load_library([builtin_pack()])
RENDERERS = payload_renderers()


def test_library_size_tiers_and_languages() -> None:
    tiers = Counter(d.tier.value for d in LIB.drills.values())
    assert len(LIB.drills) >= 44
    assert tiers["junior"] >= 12 and tiers["middle"] >= 16 and tiers["senior"] >= 12
    assert len({d.snippet.language for d in LIB.drills.values()}) >= 5


def test_every_shipped_drill_passes_the_authoring_checks() -> None:
    assert [str(p) for p in check_library(LIB, renderers=RENDERERS)] == []


@pytest.mark.parametrize("drill_id", sorted(LIB.drills))
def test_shipped_drill(drill_id: str) -> None:
    drill = LIB.drills[drill_id]
    assert 8 <= drill.snippet.code.rstrip("\n").count("\n") + 1 <= 40
    assert len(drill.options) == 4 and sum(o.best for o in drill.options) == 1
    for option in drill.options:
        assert option.best or option.misconception in LIB.misconceptions
    assert all(str(s.url).startswith("https://") for s in drill.sources)
    if drill.next:
        assert LIB.drills[drill.next].tier.rank >= drill.tier.rank


def test_misconception_vocabulary_is_one_line_each_and_used() -> None:
    used = {o.misconception for d in LIB.drills.values() for o in d.options if o.misconception}
    assert used <= set(LIB.misconceptions)
    assert all("\n" not in m.description for m in LIB.misconceptions.values())


def test_shipped_ids_are_locked() -> None:
    lines = (builtin_pack() / IDS_FILE).read_text().splitlines()
    locked = {ln for ln in lines if ln and not ln.startswith("#")}
    assert locked == set(LIB.drills), "run `saga-drills drills lock` after adding a drill"


def test_schema_file_is_in_sync() -> None:
    from bot.cli.drills_cmds import schema_json

    assert (builtin_pack() / "schema.json").read_text() == schema_json(), "run `saga-drills drills schema`"


# -- each check with a failing case ------------------------------------------------------------

def _pack(tmp_path: Path, mutate) -> tuple[Path, list[str]]:  # type: ignore[no-untyped-def]
    write_pack(tmp_path, {"junior": 1, "middle": 1})
    data = mutate(drill_dict("bad-drill", "middle"))
    (tmp_path / f"{data.get('file', 'bad-drill')}.yaml").write_text(yaml.safe_dump({k: v for k, v in data.items() if k != "file"}, sort_keys=False))
    lib = load_library([tmp_path])
    return tmp_path, [str(p) for p in check_library(lib, renderers=RENDERERS)]


def _short_snippet(d: dict) -> dict:
    d["snippet"]["code"] = "x = 1\n"
    return d


def _long_snippet(d: dict) -> dict:
    d["snippet"]["code"] = "\n".join(f"line_{i} = {i}" for i in range(45))
    return d


def _fences(d: dict) -> dict:
    d["snippet"]["code"] = "\n".join(["doc = '''", "```", "'''"] + [f"x{i} = {i}" for i in range(8)])
    return d


def _one_distractor(d: dict) -> dict:
    d["options"] = d["options"][:2] + [{"text": "another trap", "why": "no", "misconception": "wrong-a"}][:0]
    d["options"].append({"text": "third", "best": False, "why": "no", "misconception": "wrong-b"})
    d["options"] = d["options"][:2]
    return d


def _four_distractors(d: dict) -> dict:
    d["options"].append({"text": "a fourth trap", "why": "no", "misconception": "wrong-a"})
    return d


def _down_the_climb(d: dict) -> dict:
    d["next"] = "junior-1"
    return d


def _wrong_file_name(d: dict) -> dict:
    d["file"] = "misnamed"
    return d


def _long_recap(d: dict) -> dict:
    d["recap"] = "One. Two. Three. Four."
    return d


def _huge_option(d: dict) -> dict:
    d["snippet"]["code"] = "\n".join("<&>" * 33 for _ in range(40))  # 3,960 chars once escaped for Slack
    return d


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (_short_snippet, "snippet has 1 lines"),
        (_long_snippet, "snippet has 45 lines"),
        (_fences, "contains ```"),
        (_four_distractors, "4 distractors"),
        (_down_the_climb, "next goes down the climb: middle → junior"),
        (_wrong_file_name, "file name must be bad-drill.yaml"),
        (_long_recap, "recap has 4 sentences"),
    ],
    ids=["short-snippet", "long-snippet", "fences", "too-many-distractors", "down-the-climb", "file-name", "long-recap"],
)
def test_authoring_check_catches(tmp_path: Path, mutate, needle: str) -> None:
    _, problems = _pack(tmp_path, mutate)
    assert any(": bad-drill: " in p and needle in p for p in problems), problems


def test_oversized_snippet_still_renders_within_limits(tmp_path: Path) -> None:
    """A long snippet is split or moved by the renderers, never a rejected message."""
    _, problems = _pack(tmp_path, _huge_option)
    assert not [p for p in problems if "slack" in p or "discord" in p], problems


def test_a_loop_in_next_links_is_reported(tmp_path: Path) -> None:
    write_pack(tmp_path, {"middle": 2})
    for a, b in (("middle-1", "middle-2"), ("middle-2", "middle-1")):
        path = tmp_path / f"{a}.yaml"
        data = yaml.safe_load(path.read_text())
        data["next"] = b
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in check_library(load_library([tmp_path]), renderers=RENDERERS)]
    assert any("loop back" in p for p in problems), problems


def test_a_removed_shipped_id_is_reported_with_its_line(tmp_path: Path) -> None:
    ids = write_pack(tmp_path, {"junior": 2})
    lock_ids(load_library([tmp_path]), tmp_path)
    (tmp_path / f"{ids[1]}.yaml").unlink()
    problems = [p for p in check_library(load_library([tmp_path]), renderers=RENDERERS) if not p.warning]
    [problem] = problems
    assert problem.path.endswith(IDS_FILE) and problem.line == 3 and problem.drill_id == ids[1]
    assert "retracted: true" in problem.message


def test_cli_check_reports_authoring_problems(tmp_path: Path) -> None:
    _pack(tmp_path, _short_snippet)
    result = subprocess.run([sys.executable, "-m", "bot", "drills", "check", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"{tmp_path}/bad-drill.yaml:" in result.stdout and "snippet has 1 lines" in result.stdout


# -- render and list through the CLI -----------------------------------------------------------

@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
def test_cli_render_prints_the_payload(platform: str) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "drills", "render", "compensation-deletes-payment", "--platform", platform],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    text = json.dumps(payload)
    assert "DELETE FROM payments" in text
    assert {"slack": "blocks", "discord": "components", "console": "text"}[platform] in payload
    assert "over the" not in result.stderr


def test_cli_render_unknown_id_is_one_clear_line() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "drills", "render", "compensation", "--platform", "slack"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "did you mean compensation-" in result.stderr and "Traceback" not in result.stderr


def test_cli_list_json_counts() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "drills", "list", "--json"], capture_output=True, text=True, timeout=60)
    data = json.loads(result.stdout)
    assert data["count"] == len(LIB.drills) and sum(data["by_tier"].values()) == data["count"]
    assert len(data["by_language"]) >= 5


# -- item analysis on a hand-computed set -----------------------------------------------------

def test_point_biserial_hand_computed() -> None:
    # scores 1,1,0,0 against totals 0.9,0.7,0.5,0.3: M1=0.8, M0=0.4, s=sqrt(0.05)=0.2236, p=q=0.5
    assert point_biserial([1, 1, 0, 0], [0.9, 0.7, 0.5, 0.3]) == pytest.approx((0.8 - 0.4) / 0.223607 * 0.5, rel=1e-5)
    assert point_biserial([1, 1], [0.5, 0.9]) is None, "no variance in the item"


def _responses(table: dict[str, str], drills: str) -> list[Response]:
    return [Response(m, d, 0 if mark == "1" else 1, mark == "1") for m, marks in table.items() for d, mark in zip(drills, marks)]


def test_item_analysis_hand_computed_discrimination() -> None:
    # Members A-D on drills X, Y, Z (1 = right). Rest score = accuracy on the other two drills.
    rows = _responses({"A": "111", "B": "110", "C": "010", "D": "001"}, "XYZ")
    rows.append(Response("B", "Z", 0, True))  # a later review of Z: not an item response
    items = analyse(rows)
    # X: right {A: 1.0, B: 0.5}, wrong {C: 0.5, D: 0.5}; mean 0.625, sd 0.216506, p = 0.5
    assert items["X"].discrimination == pytest.approx(0.25 / 0.216506 * 0.5, rel=1e-5)  # 0.57735
    # Z: right {A: 1.0, D: 0.0}, wrong {B: 1.0, C: 0.5}; sd 0.414578
    assert items["Z"].discrimination == pytest.approx(-0.25 / 0.414578 * 0.5, rel=1e-5)  # -0.30151
    # Y: right {A: 1.0, B: 0.5, C: 0.0} and wrong {D: 0.5} have the same mean
    assert items["Y"].discrimination == pytest.approx(0.0)
    assert (items["Z"].attempts, items["Z"].right, dict(items["Z"].options)) == (4, 2, {0: 2, 1: 2})
    assert all(i.flags == () for i in items.values()), "fewer than five answers flag nothing"


def test_item_analysis_flags() -> None:
    # K is answered right only by the members who miss P and Q: the pattern of a wrong answer key.
    rows = _responses({"m1": "11010", "m2": "11010", "m3": "10110", "m4": "00110", "m5": "00110", "m6": "10010"}, "PQKEH")
    items = analyse(rows)
    assert items["E"].flags == ("too easy",)  # 6 of 6 right
    assert items["H"].flags == ("too hard",)  # 0 of 6 right
    # K: right m3 (rest 0.5), m4 and m5 (0.25); wrong m1, m2 (0.75) and m6 (0.5)
    assert items["K"].discrimination < 0
    assert items["K"].flags == ("negative discrimination: check the answer key",)


def test_cli_stats_on_a_seeded_database(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "SAGA_DRILLS_DB": str(tmp_path / "s.db")}
    script = "".join(f"{'abcd'[i % 4]}\nnext\n" for i in range(6)) + "quit\n"
    for member in ("ana", "bo", "cy"):
        subprocess.run([sys.executable, "-m", "bot", "console", "--member", member], input=script, text=True,
                       capture_output=True, env=env, timeout=60, check=True)
    result = subprocess.run([sys.executable, "-m", "bot", "drills", "stats", "--json"], capture_output=True, text=True, env=env, timeout=60)
    data = json.loads(result.stdout)
    export = subprocess.run([sys.executable, "-m", "bot", "export"], capture_output=True, text=True, env=env, timeout=60)
    # A letter past a three-option drill's last is refused, so count what was recorded.
    assert sum(d["attempts"] for d in data) == len(export.stdout.strip().splitlines()) - 1 >= 12
    assert all(0 <= d["right"] <= 1 and sum(d["options"].values()) == d["attempts"] for d in data)


@pytest.mark.parametrize("command", [["drills", "schema"], ["drills", "lock"]])
def test_schema_and_lock_never_write_into_an_installed_package(tmp_path: Path, monkeypatch, capsys, command) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from bot.cli import main
    from bot.content import loader

    installed = tmp_path / "site-packages" / "drills"  # a pack with no pyproject.toml beside it
    shutil.copytree(builtin_pack(), installed)
    before = {p: p.read_bytes() for p in installed.rglob("*") if p.is_file()}
    monkeypatch.setattr(loader, "builtin_pack", lambda: installed)
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "is an installed package" in err and ("--out FILE" in err or "lock FOLDER" in err)
    assert {p: p.read_bytes() for p in installed.rglob("*") if p.is_file()} == before
    out = tmp_path / "schema.json"
    if command[1] == "schema":
        assert main(["drills", "schema", "--out", str(out)]) == 0 and out.read_text().startswith("{")
