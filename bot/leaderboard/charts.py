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


# Member names come in any script; DejaVu Sans (matplotlib's own font) draws Latin, Greek and
# Cyrillic. Installed fonts for other scripts are used as fallbacks (matplotlib >= 3.6 falls back
# per glyph along the family list); a character no font has would draw as a box, so it is left out.
_FALLBACK_HINTS = ("Noto Sans CJK", "Noto Sans", "Noto Color Emoji", "Noto Emoji", "Droid Sans Fallback",
                   "WenQuanYi", "Arial Unicode")
_fonts: tuple[list[str], list] | None = None  # type: ignore[type-arg]


def _font_families() -> tuple[list[str], list]:  # type: ignore[type-arg]
    """The family list for labels, and the FT2Font of each, for glyph lookups (built once)."""
    global _fonts
    if _fonts is None:
        from matplotlib import font_manager
        from matplotlib.ft2font import FT2Font

        families, faces = ["DejaVu Sans"], [FT2Font(font_manager.findfont("DejaVu Sans"))]
        for entry in font_manager.fontManager.ttflist:
            if entry.name not in families and entry.name.startswith(_FALLBACK_HINTS):
                try:
                    faces.append(FT2Font(entry.fname))
                except (OSError, RuntimeError):
                    continue
                families.append(entry.name)
        _fonts = (families, faces)
    return _fonts


def drawable(name: str, *, rank: int) -> str:
    """`name` with the characters no installed font can draw left out; all of them: a pointer to the table."""
    _, faces = _font_families()
    kept = "".join(c for c in name if c.isspace() or any(face.get_char_index(ord(c)) for face in faces)).strip()
    return kept if kept and any(c.isalnum() for c in kept) else f"#{rank} in the table"


def _integer_axis(axis) -> None:  # type: ignore[no-untyped-def]
    """Counts and points are whole numbers: never a 0.5 tick."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def board_chart(title: str, levels: Sequence[tuple[str, int]], top: Sequence[tuple[int, str, int, str]]) -> bytes:
    """The board's PNG (see board_figure)."""
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph missing from one fallback font is not a warning flood
        return _png(board_figure(title, levels, top))


def board_figure(title: str, levels: Sequence[tuple[str, int]], top: Sequence[tuple[int, str, int, str]]):  # type: ignore[no-untyped-def]
    """Left: how many members sit at each altitude. Right: the top members' points, coloured by altitude.

    `levels` is (level name, members) in climbing order; `top` is (rank, name, points, level name),
    best first, with the table's ranks (ties share one), so the picture and the table agree.
    """
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
    _integer_axis(left.yaxis)
    left.set_ylabel("members", color=MUTED, fontsize=13)
    for bar, n in zip(bars, counts):
        left.annotate(str(n), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                      color=TEXT, fontsize=13, xytext=(0, 3), textcoords="offset points")
    left.tick_params(axis="x", labelsize=12)

    right = fig.add_axes((0.58, 0.12, 0.39, 0.68))
    shown = list(top)[:10]
    _style(right, f"Top {len(shown)} · bar colour = altitude" if shown else "Top members")
    right.set_xlabel("points", color=MUTED, fontsize=13)
    if shown:
        ys = list(range(len(shown)))[::-1]
        scores = [s for _, _, s, _ in shown]
        colours = [LEVEL_COLOURS.get(level, BAR) for _, _, _, level in shown]
        right.barh(ys, scores, color=colours, height=0.7)
        families, _ = _font_families()
        right.set_yticks(ys, [f"{rank}. {_clip(drawable(name, rank=rank), 16)}" for rank, name, _, _ in shown],
                         fontfamily=families)
        right.set_xlim(0, max(scores + [1]) * 1.18)
        _integer_axis(right.xaxis)
        for y, s in zip(ys, scores):
            right.annotate(str(s), (s, y), va="center", color=TEXT, fontsize=12, xytext=(4, 0), textcoords="offset points")
    else:
        right.set_yticks([])
    return fig


def report_chart(title: str, topics: Sequence[tuple[str, float, int]], *, team: float | None = None) -> bytes:
    """Team accuracy per topic, weakest at the top, with the team's overall accuracy as a line.

    `topics` is (topic, accuracy 0..1, answers) in the report's order.
    """
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _png(report_figure(title, topics, team=team))


def report_figure(title: str, topics: Sequence[tuple[str, float, int]], *, team: float | None = None):  # type: ignore[no-untyped-def]
    """The report's figure: `topics` is (topic, accuracy 0..1, answers) in the report's order."""
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
    ax.set_xlabel("answers right (first answers per member and drill)", color=MUTED, fontsize=13)
    for y, v, (_, _, n) in zip(ys, values, shown):
        # The label's own panel-coloured box keeps it readable where the team line crosses it.
        ax.annotate(f"{v:.0f}% of {n}", (v, y), va="center", color=TEXT, fontsize=12, xytext=(5, 0), textcoords="offset points",
                    bbox={"boxstyle": "square,pad=0.15", "fc": PANEL, "ec": "none"}, zorder=3)
    if team is not None and shown:
        ax.axvline(team * 100, color=MUTED, linestyle="--", linewidth=1.3, alpha=0.8, zorder=1)
        ax.annotate(f"team {team * 100:.0f}%", (team * 100, len(shown) - 0.45), color=TEXT, fontsize=12,
                    xytext=(4, 0), textcoords="offset points", va="bottom")
    return fig
