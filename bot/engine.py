"""The engine: deals drills, grades answers, keeps review cards, and says what to show."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import altitude, dealing, srs, standing
from bot.clock import Clock, SystemClock
from bot.content.loader import Library
from bot.content.models import LETTERS, Drill, Tier
from bot.messages import (
    DeliveryKind,
    DrillCard,
    Feedback,
    Level,
    NEXT_ACTION,
    MemberRef,
    Notice,
    OptionTally,
    OptionView,
    Reveal,
    SourceView,
    StatsView,
    TierProgress,
    TrapLine,
)
from bot.store import AnswerRecord, CardState, Delivery, MemberRow, MemberSnapshot, PastAnswer, Store, new_id
from bot.streaks import STREAK_HORIZON

log = logging.getLogger(__name__)

# `/drill stats` names the traps among the member's latest answers (issue 12: "3 of last 10").
TRAP_WINDOW = 10
TRAPS_SHOWN = 3


@dataclass(frozen=True)
class Rules:
    """The numbers behind altitude; settings override them."""

    mastery: float = 0.6
    orbit: float = 0.9
    hold: float = 0.8
    default_tz: str = "UTC"


class Engine:
    """Platform-neutral decisions. Adapters call it with a MemberRef and render what it returns."""

    def __init__(self, store: Store, library: Library, *, clock: Clock | None = None,
                 rules: Rules | None = None, rng: random.Random | None = None) -> None:
        self.store = store
        self.library = library
        self.clock = clock or SystemClock()
        self.rules = rules or Rules()
        self.rng = rng or random.Random()
        self._source_views: dict[str, tuple[SourceView, ...]] = {}
        self._standings: dict[str, standing.Standing] = {}
        self._lines: dict[tuple[int, ...], tuple[Level, str, str]] = {}
        self._zones: dict[str | None, ZoneInfo] = {}

    # -- dealing ---------------------------------------------------------------------------
    async def next_drill(self, member: MemberRef) -> DrillCard | Notice:
        """Due reviews first (a sibling variant), then a new family from the tier being climbed, never one held."""
        now = self.clock.now()
        row = await self.store.ensure_member(member, now=now)
        cards, history = await self._dealing_state(row.id)
        drill, kind, due_since = self._choose(cards, history, now)
        if drill is None:
            upcoming = min((c.due for c in cards.values() if self._active(c.family_id)), default=None)
            when = f" Your next review is due {self._local(upcoming, row).strftime('%a %d %b, %H:%M')}." if upcoming else ""
            return Notice(text=f"You hold every drill in the active packs.{when}")
        footer = (f"review · due since {self._local(due_since, row).strftime('%A')}" if due_since
                  else "answers are private · only you see the feedback")
        return await self.deal(drill, kind=kind, member_id=row.id, platform=member.platform,
                               space=member.space, footer=footer)

    async def review_variants(self, member_id: str, family_ids: list[str]) -> list[Drill]:
        """The variant each due family deals in a review DM, in the order given (see bot.dealing)."""
        cards, history = await self._dealing_state(member_id)
        return [self._variant(family_id, cards.get(family_id), history) for family_id in family_ids
                if self._active(family_id)]

    async def _dealing_state(self, member_id: str) -> tuple[dict[str, CardState], dealing.History]:
        """What dealing reads of a member: their family cards and their answer history."""
        cards = {c.family_id: c for c in await self.store.cards_for(member_id)}
        return cards, dealing.History.of(await self.store.answer_history(member_id), self.library)

    async def deal(self, drill: Drill, *, kind: DeliveryKind, platform: str, space: str,
                   member_id: str | None = None, channel: str | None = None,
                   closes_at: datetime | None = None, footer: str = "") -> DrillCard:
        """Record a delivery (with its shuffled option order) and return the card to show."""
        delivery = await self.record_delivery(drill, kind=kind, platform=platform, space=space, member_id=member_id,
                                              channel=channel, closes_at=closes_at)
        return self.card_for(delivery, drill, footer=footer)

    async def record_delivery(self, drill: Drill, *, kind: DeliveryKind, platform: str, space: str,
                              member_id: str | None = None, channel: str | None = None,
                              closes_at: datetime | None = None) -> Delivery:
        """Record a delivery with its shuffled option order, for a card sent later (the scheduler's outbox)."""
        order = tuple(self.rng.sample(range(len(drill.options)), len(drill.options)))
        delivery = Delivery(
            id=new_id(), drill_id=drill.id, kind=kind, member_id=member_id, platform=platform,
            space=space, channel=channel, option_order=order, created_at=self.clock.now(), closes_at=closes_at,
        )
        await self.store.create_delivery(delivery)
        return delivery

    def card_for(self, delivery: Delivery, drill: Drill, *, footer: str = "") -> DrillCard:
        return card_view(delivery, drill, footer=footer)

    def _active(self, family_id: str) -> bool:
        """A family with an active variant: its card counts and can be dealt."""
        return bool(self.library.variants(family_id))

    def _choose(self, cards: dict[str, CardState], history: dealing.History,
                now: datetime) -> tuple[Drill | None, DeliveryKind, datetime | None]:
        due = sorted((c for c in cards.values() if srs.is_due(c, now) and self._active(c.family_id)), key=lambda c: c.due)
        if due:
            return self._variant(due[0].family_id, due[0], history), "review", due[0].due
        families = self.library.variants_by_family()
        unseen = {f: v for f, v in families.items() if f not in cards}
        picked = dealing.pick_new_family(unseen, target=altitude.target_tier(self._level(cards, now)), trap=history.trap,
                                         families=self.library.families, rng=self.rng)
        if picked is not None:
            family_id, steered = picked
            if steered:
                log.debug("steering a member toward %s after the trap %s", family_id, history.trap)
            return self._variant(family_id, None, history), "on_demand", None
        not_held = sorted((c for c in cards.values() if self._active(c.family_id)
                           and not srs.holds(c, now, min_retrievability=self.rules.hold)), key=lambda c: c.due)
        if not_held:
            return self._variant(not_held[0].family_id, not_held[0], history), "review", None
        return None, "on_demand", None

    def _variant(self, family_id: str, card: CardState | None, history: dealing.History) -> Drill:
        """The variant of an active family to deal: never the one that made its card (bot.dealing)."""
        return dealing.pick_variant(self.library.variants(family_id), history.seen,
                                    avoid=card.drill_id if card else None, rng=self.rng)

    # -- answering -------------------------------------------------------------------------
    async def delivery_space(self, platform: str, delivery_id: str) -> str:
        """The space of a delivery on `platform` (a DM does not say); "dm" when unknown or elsewhere."""
        delivery = await self.store.get_delivery(delivery_id)
        return delivery.space if delivery is not None and delivery.platform == platform else "dm"

    async def answer(self, member: MemberRef, delivery_id: str, choice: str | int) -> Feedback | Notice:
        """Grade and record a member's answer; a repeat returns the first answer's feedback."""
        delivery = await self.store.get_delivery(delivery_id)
        if delivery is None:
            return Notice(text="I can't find that drill any more, so nothing was recorded. Here is a fresh one.",
                          level="warning", actions=(NEXT_ACTION,))
        drill = self.library.get(delivery.drill_id)
        if drill is None or drill.retracted:
            reason = f" ({drill.retracted_reason})" if drill and drill.retracted_reason else ""
            return Notice(text=f"That drill was retracted{reason}; nothing was recorded. Try a fresh one.",
                          level="warning", actions=(NEXT_ACTION,))
        letter = _letter(choice, len(delivery.option_order))
        if letter is None:
            return Notice(text=f"{choice!r} is not one of the options (A–{LETTERS[len(delivery.option_order) - 1]}); nothing was recorded.",
                          level="warning")
        if delivery.member_id is not None and delivery.member_id != member.key:
            return Notice(text="That drill was dealt to someone else. Here is one of your own.", level="warning", actions=(NEXT_ACTION,))
        now = self.clock.now()
        if delivery.closes_at is not None and delivery.closes_at <= now:
            return Notice(text="The answer window for that drill has closed; the team reveal is in its thread. Try a fresh one.",
                          level="warning", actions=(NEXT_ACTION,))
        row = await self.store.ensure_member(member, now=now)
        record = AnswerRecord(
            delivery_id=delivery.id, member_id=row.id, drill_id=drill.id,
            option_index=delivery.option_order[LETTERS.index(letter)],
            correct=drill.options[delivery.option_order[LETTERS.index(letter)]].best, answered_at=now,
            family_id=drill.family_id,
        )
        try:
            # The feedback is derived inside the answer batch, while SQLite writes it, and comes
            # back only once the answer is committed.
            return await self.store.record_answer(
                record, srs.review, derive=lambda result: self._feedback(
                    drill, delivery, row, result.answer, duplicate=result.duplicate, snapshot=result.snapshot))
        except BaseException:
            self._standings.pop(row.id, None)  # it was advanced by an answer that was not recorded
            raise

    def _feedback(self, drill: Drill, delivery: Delivery, row: MemberRow, answer: AnswerRecord, *,
                        duplicate: bool, snapshot: MemberSnapshot) -> Feedback:
        now = self.clock.now()
        current = self._standing_after(row, snapshot, answer, duplicate=duplicate, now=now)
        _, _, altitude_line = self._altitude_line(current)
        chosen = drill.options[answer.option_index]
        best = drill.options[drill.best_index]
        nxt = self.library.get(drill.next) if drill.next else None
        return Feedback(
            delivery_id=delivery.id, drill_id=drill.id, title=drill.title, correct=answer.correct,
            chosen_letter=LETTERS[delivery.option_order.index(answer.option_index)], chosen_text=chosen.text,
            chosen_why=chosen.why, best_letter=LETTERS[delivery.option_order.index(drill.best_index)],
            best_text=best.text, best_why=best.why, takeaway=drill.takeaway, recap=drill.recap,
            sources=self._sources(drill),
            altitude_line=altitude_line, streak_days=current.streak(now),
            duplicate=duplicate, next_drill_title=nxt.title if nxt and not nxt.retracted else None,
            guess_command=f"guessed {delivery.id}" if answer.correct else None,
        )

    # -- "I guessed" -----------------------------------------------------------------------
    async def guessed(self, member: MemberRef, delivery_id: str | None = None) -> Notice:
        """Grade a right answer Hard instead of Good: the member says it was a guess. The board
        still counts it; only the family's review card changes, and only for that answer."""
        now = self.clock.now()
        row = await self.store.ensure_member(member, now=now)
        if delivery_id is None:  # the console's bare word: the member's latest answer
            history = await self.store.answer_history(row.id)
            if not history:
                # No "next" button: on the console that would close the card on screen.
                return Notice(text="You have not answered a drill yet, so there is nothing to mark as a guess.",
                              level="warning")
            delivery_id = history[-1].delivery_id
        delivery = await self.store.get_delivery(delivery_id)
        if delivery is None or (delivery.member_id is not None and delivery.member_id != row.id):
            return Notice(text="That feedback is not yours (or no longer known), so nothing was changed.", level="warning")
        drill = self.library.get(delivery.drill_id)
        family_id = drill.family_id if drill is not None else delivery.drill_id
        outcome = await self.store.mark_guessed(row.id, delivery.id, family_id, srs.regrade_guess, now=now)
        self._standings.pop(row.id, None)  # the card may hold differently now
        if outcome == "marked":
            log.info("a %s answer to %s marked as a guess", member.platform, delivery.drill_id)
        return Notice(text=_GUESS_REPLIES[outcome], level="info" if outcome == "marked" else "warning")

    # -- stats -----------------------------------------------------------------------------
    async def stats(self, member: MemberRef) -> StatsView:
        now = self.clock.now()
        row = await self.store.ensure_member(member, now=now)
        row = await self.store.get_member(row.id) or row  # pause and opt-out may have changed elsewhere
        snapshot = await self.store.member_snapshot(row.id, since=now - STREAK_HORIZON)
        history = await self.store.answer_history(row.id)
        return self._stats_from(row, snapshot).model_copy(update={
            "traps": self._traps(history[-TRAP_WINDOW:]), "guessed": sum(a.guessed for a in history)})

    def _traps(self, latest: list[PastAnswer]) -> tuple[TrapLine, ...]:
        """The misconceptions the member chose most among their latest answers, most often first."""
        counts: dict[str, int] = {}
        for answer in latest:
            tag = None if answer.correct else self.library.picked_misconception(answer.drill_id, answer.option_index)
            if tag:
                counts[tag] = counts.get(tag, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TRAPS_SHOWN]
        return tuple(TrapLine(tag=tag, name=tag.replace("-", " "), count=n, of=len(latest)) for tag, n in ranked)

    def _stats_from(self, row: MemberRow, snapshot: MemberSnapshot) -> StatsView:
        now = self.clock.now()
        current = standing.compute(snapshot.cards.values(), snapshot.recent, answered=snapshot.answered,
                                   library=self.library, now=now, hold=self.rules.hold, zone=self.zone(row).key,
                                   generation=self.library.generation)
        level, line, _ = self._altitude_line(current)
        return StatsView(
            display_name=row.display_name or row.user_id, level=level, tiers=self._tiers(current),
            progress_line=line, streak_days=current.streak(now), answered=snapshot.answered, correct=snapshot.correct,
            reviews_due=sum(1 for c in snapshot.cards.values() if srs.is_due(c, now) and self._active(c.family_id)),
            paused_until=self._local(row.paused_until, row).strftime("%Y-%m-%d") if row.paused_until and row.paused_until > now else None,
        )

    def _level(self, cards: dict[str, CardState], now: datetime) -> Level:
        current = standing.compute(cards.values(), (), answered=0, library=self.library, now=now,
                                   hold=self.rules.hold, zone="UTC", generation=self.library.generation)
        return self._altitude_line(current)[0]

    def _tiers(self, current: standing.Standing) -> tuple[TierProgress, ...]:
        totals = self.library.tier_totals()
        return tuple(TierProgress(tier=t.value, held=current.held[t], total=totals[t]) for t in Tier)

    def _standing_after(self, row: MemberRow, snapshot: MemberSnapshot, answer: AnswerRecord, *, duplicate: bool,
                        now: datetime) -> standing.Standing:
        """The member's standing after this answer: advanced from the last one when that is exact."""
        args = dict(answered=snapshot.answered, library=self.library, now=now, hold=self.rules.hold,
                    zone=self.zone(row).key, generation=self.library.generation)
        prev = self._standings.get(row.id)
        current = None
        if prev is not None and duplicate:
            unchanged = (snapshot.answered == prev.answered and now < prev.valid_until and prev.zone == args["zone"]
                         and prev.generation == self.library.generation)
            current = prev if unchanged else None
        elif prev is not None and answer.card_key in snapshot.cards:
            current = standing.advance(prev, snapshot.cards[answer.card_key], answer.answered_at, **args)
        if current is None:
            current = standing.compute(snapshot.cards.values(), snapshot.recent, **args)
        if len(self._standings) > 20_000:
            self._standings.clear()
        self._standings[row.id] = current
        return current

    def _altitude_line(self, current: standing.Standing) -> tuple[Level, str, str]:
        """Level, progress line and feedback's "level · line" for held counts; a handful of counts cover a team."""
        held = current.held
        key = (self.library.generation, held[Tier.junior], held[Tier.middle], held[Tier.senior])
        found = self._lines.get(key)
        if found is None:
            tiers = list(self._tiers(current))
            level = altitude.level_for({Tier(t.tier): t.mastery for t in tiers}, threshold=self.rules.mastery,
                                       orbit=self.rules.orbit)
            line = altitude.progress_line(tiers, level, threshold=self.rules.mastery, orbit=self.rules.orbit)
            found = (level, line, f"{level.value} · {line}")
            if len(self._lines) > 10_000:
                self._lines.clear()
            self._lines[key] = found
        return found

    def _sources(self, drill: Drill) -> tuple[SourceView, ...]:
        # Built once per drill: every feedback carries them, and drills do not change at run time.
        views = self._source_views.get(drill.id)
        if views is None:
            views = self._source_views[drill.id] = tuple(SourceView(title=s.title, url=str(s.url)) for s in drill.sources)
        return views

    # -- the channel reveal ----------------------------------------------------------------
    async def reveal(self, delivery_id: str) -> Reveal | Notice:
        delivery = await self.store.get_delivery(delivery_id)
        drill = self.library.get(delivery.drill_id) if delivery else None
        if delivery is None or drill is None:
            return Notice(text="There is nothing to reveal for that drill.", level="warning")
        tally = await self.store.delivery_tally(delivery_id)
        options = tuple(
            OptionTally(letter=LETTERS[i], text=drill.options[j].text, count=tally.get(j, 0),
                        best=drill.options[j].best, why=drill.options[j].why)
            for i, j in enumerate(delivery.option_order)
        )
        wrong = [(tally.get(j, 0), o.misconception) for j, o in enumerate(drill.options) if not o.best and tally.get(j, 0)]
        trap = max(wrong, default=None)
        desc = self.library.misconceptions.get(trap[1]) if trap and trap[1] else None
        return Reveal(delivery_id=delivery_id, drill_id=drill.id, title=drill.title, options=options, takeaway=drill.takeaway, recap=drill.recap,
                      common_trap=trap[1] if trap else None, common_trap_description=desc.description if desc else None)

    # -- helpers ---------------------------------------------------------------------------
    def zone(self, row: MemberRow) -> ZoneInfo:
        # Looked up once per zone name: every answer's feedback asks (and a bad name warns once).
        found = self._zones.get(row.tz)
        if found is None:
            found = self._zones[row.tz] = self._resolve_zone(row)
        return found

    def _resolve_zone(self, row: MemberRow) -> ZoneInfo:
        for name in (row.tz, self.rules.default_tz):
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    log.warning("member %s has unknown time zone %r; using the default", row.id, name)
        return ZoneInfo("UTC")

    def _local(self, when: datetime, row: MemberRow) -> datetime:
        return when.astimezone(self.zone(row))


_GUESS_REPLIES = {
    "marked": "Marked as a guess: that answer is graded Hard instead of Good, so the idea comes back sooner. "
              "It still counts as right on the board.",
    "unanswered": "You have not answered that drill, so there is nothing to mark as a guess; nothing was changed.",
    "wrong": "That answer was not right, so it is already graded as a miss; nothing was changed.",
    "already": "You already marked that answer as a guess; nothing was changed.",
    "moved": "You have answered that idea again since, so that answer's grade is settled; nothing was changed.",
}


def card_view(delivery: Delivery, drill: Drill, *, footer: str = "") -> DrillCard:
    """The card for a delivery: options in the delivery's shuffled order, lettered A, B, C…"""
    return DrillCard(
        delivery_id=delivery.id, delivery_kind=delivery.kind, drill_id=drill.id, title=drill.title,
        tier=drill.tier.label, minutes=drill.minutes, language=drill.snippet.language,
        code=drill.snippet.code.rstrip("\n"), question=drill.question,
        options=tuple(OptionView(letter=LETTERS[i], text=drill.options[j].text) for i, j in enumerate(delivery.option_order)),
        footer=footer,
    )


def _letter(choice: str | int, count: int) -> str | None:
    """Accept 'b', 'B' or 1 for the second option; None when it is not one of `count`."""
    if isinstance(choice, int):
        return LETTERS[choice] if 0 <= choice < count else None
    text = str(choice).strip().upper()
    return text if len(text) == 1 and text in LETTERS[:count] else None
