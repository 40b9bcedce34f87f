"""PNG charts for boards and reports, drawn headless with matplotlib's Agg canvas.

matplotlib is imported inside the functions: `saga-drills --help` and the bot's start stay
fast. The picture carries its own slate-grey card background with light text and bright
bars, so it reads the same on Slack's and Discord's light and dark themes. Sizes are fixed
(no tight bounding box) so the PNG is always exactly WIDTH x HEIGHT pixels.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import threading
import warnings
from collections.abc import Sequence

log = logging.getLogger(__name__)
EXTRA_HINT = "charts need the charts extra: pip install 'saga-drills[charts]'"

WIDTH, BOARD_HEIGHT, REPORT_HEIGHT = 1200, 600, 800
DPI = 100
BACKGROUND = "#3b4252"   # mid slate: lighter than dark themes, far darker than light ones
PANEL = "#434c5e"
TEXT = "#eceff4"         # 9:1 contrast on BACKGROUND
MUTED = "#d8dee9"
LEVEL_COLOURS = {"Zero": "#d8dee9", "Junior": "#a3be8c", "Middle": "#88c0d0", "Senior": "#b48ead", "In orbit": "#ebcb8b"}
BAR = "#88c0d0"
LOW, MID, HIGH = "#ff8a80", "#ebcb8b", "#a3be8c"

# pyplot keeps global state; we never use it, but the font cache and text layout are shared,
# so charts render one at a time (they are called from worker threads).
_LOCK = threading.Lock()
_said = False


def available() -> bool:
    """Whether matplotlib (the `charts` extra) is installed; without it every table still posts.

    The first time it is missing the log says so, once per process, instead of on every board.
    """
    global _said
    if importlib.util.find_spec("matplotlib") is not None:
        return True
    if not _said:
        _said = True
        log.warning("boards and reports are posted without their pictures: %s", EXTRA_HINT)
    return False


def _figure(height: int):  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH / DPI, height / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    return fig


def _style(ax, title: str) -> None:  # type: ignore[no-untyped-def]
    ax.set_facecolor(PANEL)
    ax.set_title(title, color=TEXT, fontsize=17, loc="left", pad=12, fontweight="bold")
    ax.tick_params(colors=MUTED, labelsize=13, length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.grid(axis="x", color=BACKGROUND, linewidth=1.2)
    ax.set_axisbelow(True)


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor=BACKGROUND)
    return buf.getvalue()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def board_chart(title: str, levels: Sequence[tuple[str, int]], top: Sequence[tuple[str, int, str]]) -> bytes:
    """Left: how many members sit at each altitude. Right: the top members' scores, coloured by altitude.

    `levels` is (level name, members) in climbing order; `top` is (name, score, level name), best first.
    """
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a name in a script DejaVu lacks draws as boxes, not a warning flood
        fig = _figure(BOARD_HEIGHT)
        fig.suptitle(title, color=TEXT, fontsize=19, x=0.03, ha="left", y=0.97, fontweight="bold")
        left = fig.add_axes((0.05, 0.12, 0.36, 0.68))
        names = [name for name, _ in levels]
        counts = [n for _, n in levels]
        bars = left.bar(names, counts, color=[LEVEL_COLOURS.get(n, BAR) for n in names], width=0.7)
        _style(left, "Altitude of the team")
        left.grid(axis="y", color=BACKGROUND, linewidth=1.2)
        left.grid(axis="x", visible=False)
        left.set_ylim(0, max(counts + [1]) * 1.2)
        for bar, n in zip(bars, counts):
            left.annotate(str(n), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                          color=TEXT, fontsize=13, xytext=(0, 3), textcoords="offset points")
        left.tick_params(axis="x", labelsize=12)

        right = fig.add_axes((0.58, 0.12, 0.39, 0.68))
        shown = list(top)[:10]
        _style(right, f"Top {len(shown)} · bar colour = altitude" if shown else "Top members")
        if shown:
            ys = list(range(len(shown)))[::-1]
            scores = [s for _, s, _ in shown]
            colours = [LEVEL_COLOURS.get(level, BAR) for _, _, level in shown]
            right.barh(ys, scores, color=colours, height=0.7)
            right.set_yticks(ys, [f"{i + 1}. {_clip(name, 16)}" for i, (name, _, _) in enumerate(shown)])
            right.set_xlim(0, max(scores + [1]) * 1.18)
            for y, s in zip(ys, scores):
                right.annotate(str(s), (s, y), va="center", color=TEXT, fontsize=12, xytext=(4, 0), textcoords="offset points")
        else:
            right.set_yticks([])
        return _png(fig)


def report_chart(title: str, topics: Sequence[tuple[str, float, int]], *, team: float | None = None) -> bytes:
    """Team accuracy per topic, weakest at the top, with the team's overall accuracy as a line.

    `topics` is (topic, accuracy 0..1, answers) in the report's order.
    """
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = _figure(REPORT_HEIGHT)
        fig.suptitle(title, color=TEXT, fontsize=19, x=0.03, ha="left", y=0.975, fontweight="bold")
        ax = fig.add_axes((0.30, 0.08, 0.64, 0.80))
        shown = list(topics)[:14]
        _style(ax, "Accuracy per topic · weakest first (few answers weigh less)")
        ys = list(range(len(shown)))[::-1]
        values = [acc * 100 for _, acc, _ in shown]
        colours = [LOW if v < 50 else MID if v < 75 else HIGH for v in values]
        ax.barh(ys, values, color=colours, height=0.7)
        ax.set_yticks(ys, [_clip(name, 26) for name, _, _ in shown])
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        for y, v, (_, _, n) in zip(ys, values, shown):
            # The label's own panel-coloured box keeps it readable where the team line crosses it.
            ax.annotate(f"{v:.0f}% of {n}", (v, y), va="center", color=TEXT, fontsize=12, xytext=(5, 0), textcoords="offset points",
                        bbox={"boxstyle": "square,pad=0.15", "fc": PANEL, "ec": "none"}, zorder=3)
        if team is not None and shown:
            ax.axvline(team * 100, color=MUTED, linestyle="--", linewidth=1.3, alpha=0.8, zorder=1)
            ax.annotate(f"team {team * 100:.0f}%", (team * 100, len(shown) - 0.45), color=TEXT, fontsize=12,
                        xytext=(4, 0), textcoords="offset points", va="bottom")
        return _png(fig)
