"""The content standard: snippets parse, the card gives nothing away, `drills check --strict` catches cues."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.cli import main as cli_main
from bot.content import snippets, standard
from bot.content.checks import check_library
from bot.content.loader import builtin_pack, load_library

CORE = load_library([builtin_pack()])
ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`saga-drills ARGS` in this process: the same entry point and output as the command, without
    a fresh interpreter per call (two dozen calls here; test_package runs the real command)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(list(args))
        except SystemExit as exc:  # argparse's --help and usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["saga-drills", *args], code, out.getvalue(), err.getvalue())


# -- a pack that meets the standard, to break one rule at a time --------------------------------
SNIPPET = """def release(conn, saga_id):
    row = conn.execute("SELECT qty FROM holds WHERE saga_id = %s", (saga_id,)).fetchone()
    if row is None:
        return
    conn.execute("UPDATE stock SET available = available + %s", (row[0],))
    conn.execute("DELETE FROM holds WHERE saga_id = %s", (saga_id,))
    conn.commit()
    return row[0]
"""
OPTION_TEXTS = [  # one frame, similar lengths, no clauses; the key moves between drills
    "Add the held quantity back by the saga's own hold row.",
    "Write back the stock level saved before the reservation.",
    "Wrap the release in a SERIALIZABLE transaction first.",
    "Take a process-wide lock around the release function.",
]
TAGS = ["rollback-by-delete", "isolation-level-spans-saga", "local-lock-spans-saga"]


def good_drill(n: int) -> dict:
    key = n % 4
    options = []
    tags = iter(TAGS)
    for i, text in enumerate(OPTION_TEXTS):
        option = {"text": text, "why": f"What option {i} does to the stock row."}
        if i == key:
            option["best"] = True
        else:
            option["misconception"] = next(tags)
        options.append(option)
    return {
        "id": f"warehouse-{n}", "title": f"Warehouse {n}: the release step", "tier": "junior",
        "topics": ["compensation"], "minutes": 3, "takeaway": "A compensation undoes its own step.",
        "snippet": {"language": "python", "code": SNIPPET},
        "question": "The payment was declined. What should the release do?", "options": options,
        "recap": "The release must add back what this saga held.",
        "sources": [{"title": "Sagas (1987)", "url": "https://www.cs.cornell.edu/andru/cs711/2002fa/reading/sagas.pdf"},
                    {"title": "Compensating Transaction pattern",
                     "url": "https://learn.microsoft.com/en-us/azure/architecture/patterns/compensating-transaction"}],
    }


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` blocks, as authors do (the snippet's lines then map 1:1)."""


_BlockDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True)


def write_good_pack(folder: Path, count: int = 8) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"warehouse-{n}.yaml"
        path.write_text(_dump(good_drill(n)))
        paths.append(path)
    return paths


def rewrite(path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text())
    mutate(data)
    path.write_text(_dump(data))


def test_the_good_pack_passes_strict(tmp_path: Path) -> None:
    write_good_pack(tmp_path)
    result = _cli("drills", "check", "--strict", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("ok: 8 drills")


def _clause(d: dict) -> None:
    d["options"][1]["text"] = "Write back the saved stock level, so the row matches the start."


def _spoiling_title(d: dict) -> None:
    d["title"] = "Warehouse: a release that should add the held quantity back"


def _three_options(d: dict) -> None:
    d["options"] = [o for i, o in enumerate(d["options"]) if i != 3]


def _key_only_semicolon(d: dict) -> None:
    d["options"][0]["text"] = "Add the held quantity back; use the saga's own hold row."


def _absolute_in_distractors(d: dict) -> None:
    d["options"][2]["text"] = "Never release without a SERIALIZABLE transaction first."


def _spoiler_comment(d: dict) -> None:
    d["snippet"]["code"] = "# BUG: this releases the hold twice\n" + SNIPPET


def _one_source(d: dict) -> None:
    d["sources"] = d["sources"][:1]


def _folded_tag(d: dict) -> None:
    d["options"][1]["misconception"] = "isolation-fixes-sagas"


def _unknown_topic(d: dict) -> None:
    d["topics"] = ["compensations"]


def _crux(d: dict) -> None:
    d["crux"] = d.pop("takeaway")


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (_clause, "text", "justification clause ('so'"),
    (_spoiling_title, "title", "shares words with the key alone"),
    (_three_options, "options", "3 options; every drill has 4"),
    (_key_only_semicolon, "text", "the key is the only option with a semicolon"),
    (_absolute_in_distractors, "options", "absolute words (never) only in distractors"),
    (_spoiler_comment, "# BUG", "the comment says 'BUG'"),
    (_one_source, "sources", "1 source(s); cite at least 2"),
    (_folded_tag, "misconception", "'isolation-fixes-sagas' was folded into 'isolation-level-spans-saga'"),
    (_unknown_topic, "compensations", "'compensations' is not in topics.yaml (did you mean 'compensation'?)"),
    (_crux, "crux", "crux: renamed takeaway"),
])
def test_each_breach_is_a_warning_and_fails_strict_with_its_line(tmp_path: Path, mutate, field: str, words: str) -> None:
    paths = write_good_pack(tmp_path)
    rewrite(paths[0], mutate)
    loose = _cli("drills", "check", "--quiet", str(tmp_path))
    strict = _cli("drills", "check", "--strict", "--quiet", str(tmp_path))
    assert loose.returncode == 0, loose.stdout + loose.stderr  # a warning does not block
    assert strict.returncode == 1
    [line] = [ln for ln in strict.stdout.splitlines() if words in ln]
    path, number, drill_id, message = line.split(":", 3)
    assert path == str(paths[0]) and drill_id == " warehouse-0" and message.startswith(" warning: ")
    # The line is the field's own: the option's text, or the key the problem is about.
    shown = paths[0].read_text().splitlines()[int(number) - 1].lstrip(" -")
    assert shown.startswith(field), (number, shown)
    assert "Traceback" not in strict.stderr


def test_an_unparseable_snippet_fails_strict_with_the_line_in_the_file(tmp_path: Path) -> None:
    paths = write_good_pack(tmp_path)
    broken = SNIPPET.replace("    if row is None:", "    if row is None")
    rewrite(paths[2], lambda d: d["snippet"].update(code=broken))
    assert _cli("drills", "check", "--quiet", str(tmp_path)).returncode == 0  # `run` has no parsers: a warning
    result = _cli("drills", "check", "--strict", "--quiet", str(tmp_path))
    assert result.returncode == 1
    [line] = [ln for ln in result.stdout.splitlines() if "syntax" in ln]
    path, number, drill_id, message = line.split(":", 3)
    assert path == str(paths[2]) and drill_id == " warehouse-2" and "snippet line 3: Python syntax error" in message and "warning" in message
    assert paths[2].read_text().splitlines()[int(number) - 1].strip() == "if row is None"


def test_a_pack_whose_keys_a_cue_finds_is_flagged_on_the_pack(tmp_path: Path) -> None:
    paths = write_good_pack(tmp_path, count=12)
    for path in paths:  # every key becomes the longest option: each drill alone still looks fine
        rewrite(path, lambda d: next(o for o in d["options"] if o.get("best")).update(
            text=next(o for o in d["options"] if o.get("best"))["text"][:-1] + " here."))
    result = _cli("drills", "check", "--strict", str(tmp_path))
    assert result.returncode == 1
    assert any(ln.startswith(f"{tmp_path}:0: -: warning: cue: the longest option: 12.0 of 12 keys") for ln in result.stdout.splitlines())
    assert "the longest option: 12.0 of 12 keys (100%); chance 3.0 ± 1.5 (25%): BEATS CHANCE" in result.stdout


# -- the shipped library ------------------------------------------------------------------------
def test_the_shipped_library_passes_strict_and_every_cue_is_within_chance() -> None:
    result = _cli("drills", "check", "--strict")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    verdicts = [ln for ln in result.stdout.splitlines() if re.search(r": (within chance|BEATS CHANCE|BELOW CHANCE)", ln)]
    assert len(verdicts) == len(standard.SOLVERS)
    assert all(ln.endswith("within chance") for ln in verdicts), "\n".join(verdicts)


def test_the_shipped_library_meets_the_standard_counts() -> None:
    active = CORE.active
    assert all(len(d.options) == 4 for d in active)
    assert all(len(d.sources) >= 2 for d in active)
    assert all(set(d.topics) <= set(CORE.topics) for d in active)
    # The key's length rank is spread: no rank holds more than a third of the keys, none under a sixth.
    ranks = standard.key_length_ranks(active)
    assert set(ranks) == {1, 2, 3, 4} and max(ranks.values()) <= len(active) / 3 and min(ranks.values()) >= len(active) / 6, ranks
    # Every tag the core uses is used by at least three options, so the report has more than one point.
    uses = Counter(o.misconception for d in active for o in d.options if o.misconception)
    assert {t for t, n in uses.items() if n < 3} == set(), uses
    assert set(uses) == set(CORE.misconceptions), set(CORE.misconceptions) - set(uses)
    assert 18 <= len(CORE.misconceptions) <= 22 and 12 <= len(CORE.topics) <= 18


def test_no_shipped_snippet_comment_or_title_names_the_answer() -> None:
    findings = {d.id: [f.message for f in standard.drill_findings(d)] for d in CORE.active}
    assert {k: v for k, v in findings.items() if v} == {}


@pytest.mark.parametrize("drill_id", sorted(CORE.drills))
def test_every_shipped_snippet_parses(drill_id: str) -> None:
    drill = CORE.drills[drill_id]
    assert snippets.supported(drill.snippet.language), drill.snippet.language
    assert snippets.parse_problem(drill.snippet.language, drill.snippet.code) is None


def test_the_parsers_the_check_needs_are_installed() -> None:
    # The check extra is part of the test install; without it the snippet test above proves nothing.
    assert snippets.missing_parsers({"go", "java", "kotlin", "typescript", "csharp", "sql"}) == []


@pytest.mark.parametrize(("language", "good", "bad", "line"), [
    ("go", "func f(x int) int {\n\treturn x + 1\n}", "func f(x int) int {\n\treturn x +\n}", 2),
    ("go", "x := f()\nif x > 0 {\n\treturn\n}", "x := f(\nif x > 0 {\n}", 1),
    ("java", "class A {\n  int f() { return 1; }\n}", "class A {\n  int f() { return 1 }\n}", 2),
    ("java", "@Transactional\npublic void save(Order o) { repo.save(o); }", "public void save(Order o) { repo.save(o) }", 1),
    ("kotlin", "fun f(x: Int): Int {\n    return x + 1\n}", "fun f(x: Int): Int {\n    return x +\n}", 2),
    ("typescript", "async function f(x: number): Promise<void> {\n  await g(x);\n}", "async function f(x: number): Promise<void> {\n  await g(x;\n}", 2),
    ("csharp", "public class S : IHandleMessages<A> {\n  public Task Handle(A m, IMessageHandlerContext c) => c.Send(new B());\n}",
     "public class S : IHandleMessages<A> {\n  public Task Handle(A m, IMessageHandlerContext c) => c.Send(new B();\n}", 2),
    ("python", "def f(x):\n    return x + 1\n", "def f(x):\n    return x +\n", 2),
    ("yaml", "a: 1\nb: !GetAtt Queue.Arn\n", "a: 1\nb: 2\na: 3\n", 3),
    ("sql", "UPDATE stock SET available = available + :qty\n WHERE sku = :sku;", "UPDATE stock SET available =\n WHERE sku = :sku;", 2),
    ("sql", "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND $$ LANGUAGE plpgsql;",
     "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1\nEND $$ LANGUAGE plpgsql;", 1),
])
def test_each_language_parser_accepts_good_code_and_points_at_bad(language: str, good: str, bad: str, line: int) -> None:
    assert snippets.parse_problem(language, good) is None
    found = snippets.parse_problem(language, bad)
    assert found is not None and found.line == line, found


# -- the card and the feedback ------------------------------------------------------------------
@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
def test_drills_render_shows_no_takeaway_on_any_card(platform: str) -> None:
    # One real `drills render` per platform; every drill then through the same card and renderer.
    first = CORE.active[0]
    result = _cli("drills", "render", first.id, "--platform", platform)
    assert result.returncode == 0 and first.title in result.stdout and first.takeaway not in result.stdout
    from bot.cli.drills_cmds import _card

    render = _renderer(platform)
    for drill in CORE.active:
        shown = json.dumps(render(_card(drill)), ensure_ascii=False)
        assert json.dumps(drill.takeaway, ensure_ascii=False)[1:-1] not in shown, drill.id


def _renderer(platform: str):  # type: ignore[no-untyped-def]
    if platform == "console":
        from adapters.console_adapter.render import render_text

        return render_text
    from adapters import payload_renderer

    return payload_renderer(platform).render_payload


@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
def test_feedback_and_reveal_carry_the_takeaway(platform: str) -> None:
    from bot.content.checks import _sample_replies

    render = _renderer(platform)
    drill = CORE.active[0]
    replies = list(_sample_replies(drill))
    feedback, reveal = replies[1], replies[-1]
    for reply in (feedback, reveal):
        shown = render(reply)
        text = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)
        assert "Takeaway" in text and drill.takeaway.split()[0] in text, (platform, reply.kind)


def test_a_library_check_reports_nothing_for_the_shipped_pack() -> None:
    from adapters import payload_renderers

    assert [str(p) for p in check_library(CORE, renderers=payload_renderers())] == []


# -- hostile or mismatched packs (issue 16: 3, 4, 9) ---------------------------------------------
BOMB = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(9))


@pytest.mark.parametrize("name", ["bomb.yaml", "misconceptions.yaml", "topics.yaml"])
def test_a_yaml_alias_bomb_is_refused_at_once_with_its_line(tmp_path: Path, name: str) -> None:
    import time

    write_good_pack(tmp_path, count=1)
    (tmp_path / name).write_text(BOMB + "id: *j\n" if name == "bomb.yaml" else BOMB)
    started = time.perf_counter()
    result = _cli("drills", "check", "--quiet", str(tmp_path))
    assert time.perf_counter() - started < 20  # the bomb alone takes tens of seconds and gigabytes
    assert result.returncode == 1 and "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert f"{tmp_path / name}:1: " in result.stdout and "anchors and aliases" in result.stdout, result.stdout


def test_check_of_a_pack_judges_it_beside_the_core(tmp_path: Path) -> None:
    [first, second] = write_good_pack(tmp_path, count=2)
    core_id = CORE.active[0].id
    rewrite(first, lambda d: d.update(id=core_id))  # duplicates a shipped drill: run would refuse
    first.rename(tmp_path / f"{core_id}.yaml")
    senior = next(d.id for d in CORE.active[1:] if d.tier == "senior")  # next may not go down the climb
    rewrite(second, lambda d: d.update(next=senior, tier="senior"))  # points into the core: run accepts
    result = _cli("drills", "check", "--quiet", str(tmp_path))
    assert result.returncode == 1
    assert [ln for ln in result.stdout.splitlines() if ": warning: " not in ln and ln.strip()] == [
        f"{tmp_path / f'{core_id}.yaml'}:1: {core_id}: duplicate id (also in {CORE.paths[core_id]})"]


def test_run_refuses_a_drill_the_check_refuses(tmp_path: Path) -> None:
    import os

    pack = tmp_path / "pack"
    [path] = write_good_pack(pack, count=1)
    rewrite(path, lambda d: d["snippet"].update(code="\n".join(f"x{i} = {i}" for i in range(120)) + "\n"))
    env = {**os.environ, "SAGA_DRILLS_PACKS": str(pack), "SAGA_DRILLS_DB": str(tmp_path / "x.db")}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, env=env,
                            stdin=subprocess.DEVNULL, timeout=60, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}:" in result.stderr and "snippet has 120 lines" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_a_key_whose_outcome_its_neighbours_share_is_a_cue_over_the_pack(tmp_path: Path) -> None:
    paths = write_good_pack(tmp_path, count=16)
    texts = ["The stock is released twice; add back the hold row's quantity.",
             "The stock is released twice; write back the saved stock level.",
             "The release waits for a lock; use a SERIALIZABLE transaction.",
             "The release is skipped; take a process-wide lock around it."]

    def outcome_cue(d: dict) -> None:
        key = next(i for i, o in enumerate(d["options"]) if o.get("best"))
        twin = 1 if key == 0 else 0  # the key and one distractor share the outcome
        order = [key, twin] + [i for i in range(4) if i not in (key, twin)]
        for text, i in zip(texts, order):
            d["options"][i]["text"] = text
    for path in paths:
        rewrite(path, outcome_cue)
    result = _cli("drills", "check", "--strict", str(tmp_path))
    assert "an option whose outcome most others share: 8.0 of 16 keys (50%); chance 4.0 ± 1.7 (25%): BEATS CHANCE" in result.stdout
    assert result.returncode == 1
