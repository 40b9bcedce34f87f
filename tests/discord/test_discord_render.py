"""render_payload and limit_problems: every shipped drill fits Discord, and long content still renders."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from adapters.discord_adapter.render import (
    ANSWER_TEMPLATE,
    COMMAND_TEMPLATE,
    limit_problems,
    render_message,
    render_payload,
)
from bot.content.loader import builtin_pack, load_library
from bot.engine import Engine
from bot.messages import (
    Action,
    DrillCard,
    Feedback,
    Image,
    Level,
    Notice,
    OptionTally,
    OptionView,
    Reveal,
    SourceView,
    StatsView,
    Table,
    TierProgress,
)
from bot.store import Delivery
from bot.store.sqlite.core import new_id

SHIPPED = load_library([builtin_pack()])


def card_for(drill_id: str) -> DrillCard:
    drill = SHIPPED.drills[drill_id]
    delivery = Delivery(id=new_id(), drill_id=drill.id, kind="channel", member_id=None, platform="discord",
                        space="1", option_order=tuple(range(len(drill.options))), created_at=datetime.now(timezone.utc))
    return Engine(store=None, library=SHIPPED).card_for(delivery, drill,  # type: ignore[arg-type]
                                                        footer="answers are private · the team reveal is at 17:00")


def card(code: str, *, options: int = 4, option_text: str = "Option text") -> DrillCard:
    return DrillCard(delivery_id="AbCdEfGhIjKl", delivery_kind="on_demand", drill_id="d", title="A long drill",
                     tier="Middle", minutes=3, language="go", code=code, question="What fails?",
                     options=tuple(OptionView(letter="ABCDE"[i], text=f"{option_text} {i}") for i in range(options)),
                     footer="answers are private")


def everything(payload: dict) -> str:
    return "\n".join([payload["content"], *(e.get("description", "") for e in payload["embeds"])])


@pytest.mark.parametrize("drill_id", sorted(SHIPPED.drills))
def test_every_shipped_drill_fits_discord(drill_id):
    drill = SHIPPED.drills[drill_id]
    shown = card_for(drill_id)
    message = render_message(shown)
    payload = message.payload
    assert limit_problems(payload) == []
    ids = [b["custom_id"] for row in payload["components"] for b in row["components"]]
    assert ids == [f"sd:a:{shown.delivery_id}:{letter}" for letter in "ABCDE"[: len(drill.options)]]
    assert all(re.fullmatch(ANSWER_TEMPLATE, i) and len(i) <= 100 for i in ids)
    text = everything(payload)
    assert f"{drill.tier.label} · ~{drill.minutes} min" in text and drill.title in text and drill.takeaway not in text
    assert drill.question in text and all(o.text in text for o in drill.options)
    if message.files:  # the snippet moved to a file: it is there in full
        assert message.files[0].data.decode().rstrip("\n") == drill.snippet.code.rstrip("\n")
    else:
        assert f"```{drill.snippet.language}\n" in text


def test_a_snippet_too_long_for_content_moves_to_an_embed():
    code = "\n".join(f"line {i} = compensate(step_{i})" for i in range(100))  # ~3000 characters
    payload = render_payload(card(code))
    assert limit_problems(payload) == []
    assert "```go\n" in payload["embeds"][0]["description"] and "line 99" in payload["embeds"][0]["description"]
    assert payload["content"].startswith("**Middle · ~3 min**")
    assert len(payload["components"][0]["components"]) == 4


def test_a_snippet_too_long_for_an_embed_becomes_an_attached_file():
    code = "\n".join(f"line {i:04d} = compensate(step_{i})" for i in range(400))  # ~12,000 characters
    message = render_message(card(code, options=5, option_text="x" * 290))
    assert limit_problems(message.payload) == []
    assert message.payload["attachments"] == [{"id": 0, "filename": "snippet.go",
                                               "description": "go snippet for A long drill"}]
    assert message.files[0].data.decode() == code + "\n"
    assert "snippet.go" in message.payload["content"] and "(400 lines)" in message.payload["content"]


@pytest.mark.parametrize("run", ["```", "````", "`````", "``````````"])
def test_a_fence_inside_the_snippet_cannot_close_the_code_block(run: str):
    payload = render_payload(card(f'doc = """\n{run}\nnot the end\n{run}\n"""'))
    assert payload["content"].count("```") == 2


def test_a_display_name_with_a_fence_cannot_break_out_of_the_board():
    from bot.messages import Table

    table = Table(title="Leaderboard · week", columns=("#", "member", "points"),
                  rows=(("1", "```\n@everyone free nitro\n```", "9"), ("2", "ana`````", "3")), footer="f")
    content = render_payload(table)["content"]
    assert content.count("```") == 2 and "@everyone free nitro" in content


def test_limit_problems_names_each_broken_limit():
    row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "L" * 81, "custom_id": "c" * 101},
                                     {"type": 2, "style": 2, "label": "ok", "custom_id": "c" * 101}]}
    payload = {"content": "x" * 2001, "components": [row] * 6,
               "embeds": [{"description": "d" * 4097}, {"description": "d" * 2000}]}
    problems = "\n".join(limit_problems(payload))
    for expected in ("content is 2001 characters; Discord allows 2000", "6 component rows; Discord allows 5",
                     "label is 81 characters", "custom_id is 101 characters", "repeats",
                     "embeds[0].description is 4097", "embeds hold 6097 characters in all; Discord allows 6000"):
        assert expected in problems
    assert limit_problems({"content": "", "embeds": [], "components": []}) == [
        "the message is empty; Discord rejects it (code 50006)"]


def feedback(**over: object) -> Feedback:
    base = dict(delivery_id="AbCdEfGhIjKl", drill_id="d", title="Compensation deletes the payment", correct=False,
                chosen_letter="B", chosen_text="Retry the delete", chosen_why="The row is gone either way.",
                best_letter="A", best_text="Refund instead", best_why="A refund is the semantic inverse.",
                takeaway="A refund undoes a charge.", recap="Compensate, never delete.", sources=(SourceView(title="Saga", url="https://microservices.io/"),),
                altitude_line="Junior · Climbing toward Middle: 2 of 7 middle drills held", streak_days=3,
                next_drill_title="The in-memory orchestrator")
    base.update(over)
    return Feedback(**base)  # type: ignore[arg-type]


def test_feedback_shows_choice_best_fix_recap_and_a_next_button():
    payload = render_payload(feedback())
    text = everything(payload)
    for part in ("❌ **Not this time**", "**You chose B.** Retry the delete", "**Best answer: A.** Refund instead",
                 "Compensate, never delete.", "[Saga](<https://microservices.io/>)", "streak 3 days",
                 "Continue the climb ↑"):
        assert part in text
    assert payload["components"][0]["components"][0]["custom_id"] == "sd:c:next"


def test_very_long_feedback_is_shortened_never_rejected():
    payload = render_payload(feedback(recap="Recap paragraph. " * 400, chosen_why="Why. " * 300))
    assert limit_problems(payload) == []
    assert payload["content"] == "" and len(payload["embeds"]) >= 2
    assert everything(payload).endswith("… (shortened to fit Discord)")


def test_command_buttons_carry_the_server_in_dms_only():
    notice = Notice(text="Welcome back", actions=(Action(label="Drill me now", command="next", style="primary"),
                                                 Action(label="Delete my data", command="forget-me confirm", style="danger")))
    in_server = render_payload(notice)["components"][0]["components"]
    in_dm = render_payload(notice, space="1310000000000000002")["components"][0]["components"]
    assert [b["custom_id"] for b in in_server] == ["sd:c:next", "sd:c:forget-me confirm"]
    assert [b["custom_id"] for b in in_dm] == ["sd:c:next@1310000000000000002", "sd:c:forget-me confirm@1310000000000000002"]
    assert [b["style"] for b in in_server] == [1, 4]
    assert all(re.fullmatch(COMMAND_TEMPLATE, b["custom_id"]) for b in in_server + in_dm)


def test_stats_reveal_and_notice_levels():
    stats = StatsView(display_name="Ada", level=Level.junior, progress_line="Climbing toward Middle: 2 of 7 held",
                      tiers=(TierProgress(tier="junior", held=5, total=8), TierProgress(tier="middle", held=2, total=7)),
                      streak_days=4, answered=10, correct=8, reviews_due=2)
    text = render_payload(stats)["content"]
    assert "Zero ▸ **[Junior]** ▸ Middle" in text and "5/8" in text and "accuracy 80% of 10" in text
    reveal = Reveal(delivery_id="x", drill_id="d", title="T", takeaway="TK", recap="R", common_trap="delete-as-undo",
                    common_trap_description="Deleting is not undoing.",
                    options=(OptionTally(letter="A", text="Refund", count=3, best=True, why="inverse"),
                             OptionTally(letter="B", text="Delete", count=1, best=False, why="loses the record")))
    text = render_payload(reveal)["content"]
    assert "4 answers (no names)" in text and "A █████████░░░ 3 ✔" in text and "**B.** Delete — loses the record" in text
    assert "Most common trap:** delete-as-undo — Deleting is not undoing." in text
    assert render_payload(Notice(text="Busy", level="warning"))["content"] == "⚠️ Busy"


def test_table_with_image_attaches_the_png_and_long_tables_still_fit():
    image = Image(filename="leaderboard.png", data=b"\x89PNG fake", alt="Top members by score")
    message = render_message(Table(title="Leaderboard · week", columns=("#", "member", "score"),
                                   rows=(("1", "Ada", "12"), ("2", "Lin", "9")), footer="opted-out members hidden",
                                   image=image))
    assert message.payload["attachments"] == [{"id": 0, "filename": "leaderboard.png", "description": "Top members by score"}]
    assert message.payload["embeds"][-1]["image"] == {"url": "attachment://leaderboard.png"}
    assert message.files[0].data == b"\x89PNG fake"
    assert "1  Ada     12" in message.payload["content"]
    rows = tuple((str(i), f"member-{i:04d}", str(1000 - i)) for i in range(1000))
    big = render_payload(Table(title="All time", columns=("#", "member", "score"), rows=rows))
    assert limit_problems(big) == [] and "more rows" in everything(big)


def test_render_is_importable_without_discord_py():
    code = "import sys, adapters.discord_adapter.render; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
