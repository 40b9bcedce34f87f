"""Block Kit rendering: every shipped drill and every reply kind fits Slack's limits, escaped right."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from adapters.slack_adapter.blocks import escape, split_escaped
from adapters.slack_adapter.render import limit_problems, parse_answer_value, render_home, render_payload
from bot.content.models import LETTERS, Drill
from bot.engine import Engine
from bot.messages import (
    Action,
    DrillCard,
    Feedback,
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

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def card_for(drill: Drill) -> DrillCard:
    delivery = Delivery(id="Ab3_-xYz9QwE", drill_id=drill.id, kind="channel", member_id=None, platform="slack",
                        space="T0SAGA", option_order=tuple(reversed(range(len(drill.options)))), created_at=WHEN)
    return Engine(store=None, library=None).card_for(delivery, drill, footer="answers are private · the team reveal is at 17:00")  # type: ignore[arg-type]


def feedback_for(drill: Drill, chosen: int) -> Feedback:
    best = drill.best_index
    return Feedback(delivery_id="d1", drill_id=drill.id, title=drill.title, correct=chosen == best,
                    chosen_letter=LETTERS[chosen], chosen_text=drill.options[chosen].text, chosen_why=drill.options[chosen].why,
                    best_letter=LETTERS[best], best_text=drill.options[best].text, best_why=drill.options[best].why,
                    takeaway=drill.takeaway, recap=drill.recap, sources=tuple(SourceView(title=s.title, url=str(s.url)) for s in drill.sources),
                    altitude_line="Junior · Climbing toward Middle: 7 of 12 middle drills held", streak_days=3,
                    duplicate=True, next_drill_title="The next one")


def reveal_for(drill: Drill) -> Reveal:
    return Reveal(delivery_id="d1", drill_id=drill.id, title=drill.title, takeaway=drill.takeaway, recap=drill.recap,
                  options=tuple(OptionTally(letter=LETTERS[i], text=o.text, count=i * 3, best=o.best, why=o.why)
                                for i, o in enumerate(drill.options)),
                  common_trap="rollback-by-delete", common_trap_description="Undoing a step by erasing our record of it.")


def test_every_shipped_drill_renders_within_slacks_limits(library):
    assert library.drills, "the built-in pack is empty"
    for drill in library.drills.values():
        card = card_for(drill)
        payload = render_payload(card)
        assert limit_problems(payload) == [], drill.id
        sections = " ".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
        for option in drill.options:  # the full text of every option, escaped
            assert escape(option.text) in sections, (drill.id, option.text)
        buttons = [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert [e["value"] for e in buttons] == [f"{card.delivery_id}:{o.letter}" for o in card.options]
        for chosen in range(len(drill.options)):
            assert limit_problems(render_payload(feedback_for(drill, chosen))) == [], (drill.id, chosen)
        assert limit_problems(render_payload(reveal_for(drill))) == [], drill.id


def test_the_card_shows_tier_minutes_title_code_question_and_footer_and_no_takeaway(library):
    drill = next(iter(library.drills.values()))
    payload = render_payload(card_for(drill))
    header, code = payload["blocks"][:2]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": f"{drill.tier.label} · ~{drill.minutes} min · {drill.title}", "emoji": True}}
    assert code["text"]["text"].startswith("```") and code["text"]["text"].endswith("```")
    # The takeaway is the lesson: on the card it would give the answer away before the code.
    assert escape(drill.takeaway) not in json.dumps(payload)
    assert payload["blocks"][-1]["elements"][0]["text"] == "answers are private · the team reveal is at 17:00"
    assert drill.title in payload["text"]


def card(code: str) -> DrillCard:
    return DrillCard(delivery_id="abc", delivery_kind="on_demand", drill_id="x", title="T", tier="Middle", minutes=3,
                     language="go", code=code, question="q?", footer="",
                     options=tuple(OptionView(letter=l, text=l.lower()) for l in "ABC"))


def code_text(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("```")]


def test_code_is_escaped_inside_the_block_and_a_literal_fence_cannot_close_it():
    [text] = code_text(render_payload(card('if a < b && c > d {\n  s := "```"\n}\n`x`')))
    assert "&lt; b &amp;&amp; c &gt; d" in text
    assert text.count("```") == 2 and text.startswith("```") and text.endswith("```")
    assert limit_problems(render_payload(card("a < b"))) == []


def test_a_snippet_over_3000_escaped_chars_is_split_at_line_ends():
    code = "\n".join("x = a < b" for _ in range(400))  # 3,600 raw chars, 5,200 escaped
    payload = render_payload(card(code))
    texts = code_text(payload)
    assert len(texts) == 2 and all(len(t) <= 3000 for t in texts)
    assert limit_problems(payload) == []
    assert "\n".join(t[3:-3] for t in texts).replace("&lt;", "<") == code


def test_splitting_never_cuts_inside_an_entity():
    text = escape("<" * 5000)  # one long line of &lt; with no line end or space to cut at
    pieces = split_escaped(text, 2998)
    assert "".join(pieces) == text
    assert all(p.startswith("&lt;") and p.endswith("&lt;") for p in pieces)


def test_an_absurd_snippet_is_cut_with_a_note_rather_than_refused():
    payload = render_payload(card("\n".join(f"line {i} " + "y" * 80 for i in range(5000))))
    assert limit_problems(payload) == [] and 45 <= len(payload["blocks"]) <= 50
    assert "more lines not shown" in code_text(payload)[-1]


@pytest.mark.parametrize("reply", [
    Notice(text="Only leads can use `/drill schedule`. <b> & co", level="warning"),
    Notice(text="Delete?", actions=(Action(label="Delete my data", command="forget-me confirm", style="danger"),
                                   Action(label="Drill me now", command="next", style="primary"))),
    Notice(text="h" * 7000),
    StatsView(display_name="alice", level=Level.middle, progress_line="Climbing toward Senior: 7 of 12 middle drills held",
              tiers=(TierProgress(tier="junior", held=8, total=8), TierProgress(tier="middle", held=7, total=12),
                     TierProgress(tier="senior", held=0, total=9)), streak_days=1, answered=40, correct=31,
              reviews_due=2, paused_until="2026-03-20"),
    Table(title="Leaderboard", columns=("#", "member", "held"), rows=tuple((str(i), f"m<{i}>", "3") for i in range(3000)),
          footer="opted-out members are hidden", actions=(Action(label="Post to channel", command="leaderboard post"),)),
], ids=["notice", "notice-actions", "long-notice", "stats", "huge-table"])
def test_every_reply_kind_fits(reply):
    payload = render_payload(reply)
    assert limit_problems(payload) == [], limit_problems(payload)
    assert payload["text"]


def test_notice_actions_run_commands_and_destructive_ones_ask_first():
    payload = render_payload(Notice(text="x", actions=(Action(label="Delete my data", command="forget-me confirm", style="danger"),
                                                       Action(label="Drill me now", command="next", style="primary"))))
    delete, nxt = payload["blocks"][-1]["elements"]
    assert (delete["action_id"], delete["value"], delete["style"]) == ("cmd:0", "forget-me confirm", "danger")
    assert delete["confirm"]["confirm"]["text"] == "Delete my data"
    assert (nxt["action_id"], nxt["value"]) == ("cmd:1", "next") and "confirm" not in nxt


def test_home_tab_view():
    stats = StatsView(display_name="bob", level=Level.zero, progress_line="Climbing toward Junior: 0 of 8 junior drills held",
                      tiers=(TierProgress(tier="junior", held=0, total=8),), streak_days=0, answered=0, correct=0, reviews_due=0)
    view = render_home(stats)
    assert view["type"] == "home" and limit_problems(view) == []
    assert any(e.get("value") == "next" for b in view["blocks"] if b["type"] == "actions" for e in b["elements"])


def test_limit_problems_names_each_breach():
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a" * 256, "value": "v" * 2001}
    payload = {"text": "", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "```if a < b {}```"}},
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        {"type": "actions", "elements": [button, dict(button)]},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x"}, "action_id": f"a{i}", "value": "v"} for i in range(26)]},
        *[{"type": "divider"}] * 46,
    ]}
    problems = "\n".join(limit_problems(payload))
    for expected in ("51 blocks (limit 50)", "no fallback text", "3001 chars after escaping (limit 3000)", "unescaped '<'",
                     "header text is 151 chars", "button text is 76 chars", "action_id is 256 chars", "value is 2001 chars",
                     "is used twice", "actions has 26 elements"):
        assert expected in problems, expected
    assert limit_problems({"text": "<https://example.com|a link> and <@U123>", "blocks": []}) == []


def test_answer_values_round_trip():
    assert parse_answer_value("Ab3_-xYz9QwE:C") == ("Ab3_-xYz9QwE", "C")
    assert parse_answer_value("no-letter") is None and parse_answer_value("x:") is None and parse_answer_value("") is None


def test_render_imports_no_slack_sdk_and_needs_no_network():
    code = ("import sys, adapters.slack_adapter.render as r; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('slack_sdk', 'slack_bolt', 'aiohttp'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
