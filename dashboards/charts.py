"""Chart builders: DataFrames in, small inline SVG charts out (no I/O, no widgets).

The charts are drawn here, in Python, as SVG text that the page shows as it is: the browser needs
no chart library. Measured for the manager dashboard of 10,000 staff on the 2-core test machine,
the plotly renderer cost a 4.8 MB JavaScript bundle on every Voila page (the empty one too) and
about 5 s of browser CPU to draw seven charts; these SVGs cost a few milliseconds in the kernel
and nothing noticeable in the browser. Every value is aggregated here (a histogram ships 20 bins,
never 10,000 points). Hovering a bar, cell or point shows its value (SVG <title>).

Text uses fonts with Chinese glyphs first (WenQuanYi is what `make test` installs on Debian), so
Chinese band names, competencies and staff names are drawn by the browser like any page text.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.competencies import CODES, competency_name
from dashboards.labels import t

#: fonts with Chinese glyphs first (WenQuanYi is what `make test` installs on Debian)
FONT = ("WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, "
        "Helvetica Neue, Arial, sans-serif")
BAND_COLOURS = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"]
PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#718096",
           "#b7791f", "#c53030", "#2c5282"]
#: ColorBrewer RdYlGn, low (red) to high (green)
RDYLGN = ["#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf", "#d9ef8b",
          "#a6d96a", "#66bd63", "#1a9850", "#006837"]
GRID, AXIS, INK, MUTED = "#e2e8f0", "#a0aec0", "#1a202c", "#4a5568"
#: the width of a chart's drawing (it scales to its box in the page)
WIDTH = 600
#: at most this many teams get a line of their own in the trend chart
TREND_TEAMS = 10


@dataclass
class Chart:
    """One drawn chart: the SVG and what it shows (title, categories, series), for tests and
    for anyone who wants the numbers behind it."""

    kind: str
    title: str
    svg: str
    categories: list[str] = field(default_factory=list)
    series: dict[str, list] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        return self.svg


# --- text and scales ----------------------------------------------------------------------------


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80  # CJK and full-width forms


def text_width(s: str, size: float = 12) -> float:
    """Estimated width in px of `s` at font size `size` (CJK glyphs one em, others ~0.58 em)."""
    return sum(size * (1.0 if _wide(c) else 0.58) for c in str(s))


def wrap(s: str, max_px: float, size: float = 12, max_lines: int = 3) -> list[str]:
    """`s` in lines no wider than `max_px` (words kept whole unless one is too wide; Chinese may
    break anywhere); an ellipsis ends the last line if more would follow."""
    s = str(s)
    tokens: list[str] = []
    word = ""
    for ch in s:
        if ch == " " or _wide(ch):
            if word:
                tokens.append(word)
            word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    lines, cur = [], ""
    for tok in tokens:
        if tok == " " and not cur:
            continue
        if text_width(cur + tok, size) <= max_px or not cur:
            cur += tok
        else:
            lines.append(cur.rstrip())
            cur = "" if tok == " " else tok
    if cur.strip():
        lines.append(cur.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > max_px:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines or [""]


def _text(x, y, s, size=12, anchor="middle", colour=INK, weight=None, extra="") -> str:
    w = f" font-weight='{weight}'" if weight else ""
    return (f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' "
            f"fill='{colour}'{w}{extra}>{_e(s)}</text>")


def _lines(x, y, lines, size=12, anchor="middle", colour=INK, gap=1.15) -> str:
    return "".join(_text(x, y + i * size * gap, ln, size, anchor, colour)
                   for i, ln in enumerate(lines))


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (about `n` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _score(v: float) -> str:
    """A score in a grid of scores: always one decimal (35.0 beside 43.5, not 35), or '-'."""
    return "-" if v is None or not math.isfinite(float(v)) else f"{float(v):.1f}"


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}".rstrip("0")


def _colour_scale(v: float, lo: float = 0, hi: float = 100) -> str:
    if v is None or not math.isfinite(v):
        return "#edf2f7"
    x = min(max((v - lo) / (hi - lo), 0), 1) * (len(RDYLGN) - 1)
    i = min(int(x), len(RDYLGN) - 2)
    f = x - i
    a, b = RDYLGN[i], RDYLGN[i + 1]
    rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def empty_note(loc: str, width: float, top: float, bottom: float) -> str:
    """The words an empty chart shows in its plot area (nothing to draw for this selection)."""
    return _text(width / 2, (top + bottom) / 2, t("chart_empty", loc), 13, "middle", MUTED)


def _svg(kind: str, width: float, height: float, title: str, body: str) -> str:
    return (f"<svg class='academy-chart' data-kind='{kind}' xmlns='http://www.w3.org/2000/svg' "
            f"viewBox='0 0 {width:.0f} {height:.0f}' width='100%' preserveAspectRatio="
            f"'xMinYMin meet' style='max-width:{width:.0f}px;font-family:{FONT};"
            f"background:white' role='img' aria-label='{_e(title)}'>"
            f"<title>{_e(title)}</title>"
            + _text(10, 22, title, 15, "start", INK, "600") + body + "</svg>")


def _legend(items: list[tuple[str, str]], y: float, width: float) -> tuple[str, float]:
    """Coloured squares and names in rows from the left; returns (svg, height used)."""
    if len(items) < 2:
        return "", 0
    out, x, row = [], 12.0, 0
    for name, colour in items:
        label = wrap(name, 160, 11, 1)[0]
        w = 18 + text_width(label, 11) + 14
        if x + w > width - 8 and x > 12:
            row, x = row + 1, 12.0
        yy = y + row * 18
        out.append(f"<rect x='{x:.1f}' y='{yy - 9:.1f}' width='11' height='11' rx='2' "
                   f"fill='{colour}'/>" + _text(x + 16, yy, label, 11, "start", MUTED))
        x += w
    return "".join(out), (row + 1) * 18 + 4


def _y_axis(ticks, ypos, left, right, title, fmt=_fmt) -> str:
    out = []
    for v in ticks:
        y = ypos(v)
        out.append(f"<line x1='{left}' x2='{right}' y1='{y:.1f}' y2='{y:.1f}' stroke='{GRID}'/>"
                   + _text(left - 6, y + 4, fmt(v), 11, "end", MUTED))
    if title:
        mid = (ypos(ticks[0]) + ypos(ticks[-1])) / 2
        out.append(f"<text x='14' y='{mid:.1f}' font-size='12' text-anchor='middle' "
                   f"fill='{MUTED}' transform='rotate(-90 14 {mid:.1f})'>{_e(title)}</text>")
    return "".join(out)


def _x_labels(cats: list[str], centre, band: float, y: float) -> tuple[str, float]:
    """Category labels under the axis: wrapped when there is room, else slanted and cut."""
    if band >= 46:
        wrapped = [wrap(c, band - 6, 11, 3) for c in cats]
        out = "".join(_lines(centre(i), y + 12, ls, 11, "middle", MUTED)
                      for i, ls in enumerate(wrapped))
        return out, 12 + 13 * max((len(ls) for ls in wrapped), default=1)
    cut = [wrap(c, 110, 11, 1)[0] for c in cats]
    out = "".join(f"<text x='{centre(i):.1f}' y='{y + 10:.1f}' font-size='11' text-anchor='end' "
                  f"fill='{MUTED}' transform='rotate(-40 {centre(i):.1f} {y + 10:.1f})'>"
                  f"{_e(c)}</text>" for i, c in enumerate(cut))
    return out, 14 + 0.65 * max((text_width(c, 11) for c in cut), default=0)


def _x_label_height(cats: list[str], band: float) -> float:
    if band >= 46:
        return 12 + 13 * max((len(wrap(c, band - 6, 11, 3)) for c in cats), default=1)
    return 14 + 0.65 * max((text_width(wrap(c, 110, 11, 1)[0], 11) for c in cats), default=0)


# --- generic chart kinds ----------------------------------------------------------------------


def bar_chart(kind: str, title: str, categories: list[str],
              series: list[tuple[str, list[float], str | list[str]]], y_title: str = "",
              mode: str = "group", labels: bool = False, y_range: tuple | None = None,
              height: int = 340, width: int = WIDTH, refs: list[tuple[float, str]] = (),
              loc: str = "en") -> Chart:
    """Bars per category: one series, or several grouped or stacked (`mode`); values may be
    negative; `labels` writes each bar's value above it; `refs` draws a dashed line with its
    label at each (value, label), e.g. a floor; no category at all says so (in `loc`)."""
    cats = [str(c) for c in categories]
    vals = [[(float(v) if v is not None and not pd.isna(v) else math.nan) for v in s[1]]
            for s in series]
    if mode == "stack":
        pos = [sum(v[i] for v in vals if v[i] > 0) for i in range(len(cats))] or [0]
        neg = [sum(v[i] for v in vals if v[i] < 0) for i in range(len(cats))] or [0]
        lo, hi = min(0, min(neg)), max(0, max(pos))
    else:
        flat = [x for v in vals for x in v if not math.isnan(x)] or [0]
        lo, hi = min(0, min(flat)), max(0, max(flat))
    for v, _label in refs:
        lo, hi = min(lo, v), max(hi, v)
    if labels:
        hi = hi + (hi - lo) * 0.12 if hi > 0 else hi
    if y_range:
        lo, hi = y_range
    ticks = nice_ticks(lo, hi)
    legend_items = [(s[0], s[2] if isinstance(s[2], str) else PALETTE[0]) for s in series]
    left, right, top = 56, width - 14, 40
    n = max(len(cats), 1)
    band = (right - left) / n
    xlab_h = _x_label_height(cats, band)
    legend_svg, legend_h = _legend(legend_items, 0, width)
    bottom = height - 8 - xlab_h - legend_h
    y0, y1 = ticks[0], ticks[-1]

    def ypos(v):
        return bottom - (v - y0) / (y1 - y0) * (bottom - top)

    def centre(i):
        return left + band * (i + 0.5)

    parts = [_y_axis(ticks, ypos, left, right, y_title)]
    groups = 1 if mode == "stack" else len(series)
    bw = band * 0.75 / groups
    for i, cat in enumerate(cats):
        up = down = 0.0
        for k, (name, _v, colour) in enumerate(series):
            v = vals[k][i]
            if math.isnan(v):
                continue
            c = colour[i % len(colour)] if isinstance(colour, list) else colour
            if mode == "stack":
                base = up if v >= 0 else down
                a, b = base, base + v
                if v >= 0:
                    up = b
                else:
                    down = b
                x = centre(i) - bw / 2
            else:
                a, b = 0.0, v
                x = centre(i) - band * 0.375 + k * bw
            ya, yb = ypos(max(a, b)), ypos(min(a, b))
            tip = f"{cat} · {name}: {_fmt(v)}" if len(series) > 1 else f"{cat}: {_fmt(v)}"
            parts.append(f"<rect x='{x + 1:.1f}' y='{ya:.1f}' width='{max(bw - 2, 1):.1f}' "
                         f"height='{max(yb - ya, 0.5):.1f}' fill='{c}'><title>{_e(tip)}</title>"
                         f"</rect>")
            if labels and mode != "stack":
                ty = ypos(v) - 4 if v >= 0 else ypos(v) + 13
                parts.append(_text(x + bw / 2, ty, _fmt(v), 11, "middle", INK))
    if lo < 0 < hi:
        parts.append(f"<line x1='{left}' x2='{right}' y1='{ypos(0):.1f}' y2='{ypos(0):.1f}' "
                     f"stroke='{AXIS}'/>")
    for v, label in refs:
        y = ypos(v)
        parts.append(f"<line class='academy-ref' x1='{left}' x2='{right}' y1='{y:.1f}' "
                     f"y2='{y:.1f}' stroke='#c53030' stroke-width='1.5' stroke-dasharray='6 4'>"
                     f"<title>{_e(label)}</title></line>"
                     + _text(right - 2, y - 4, label, 11, "end", "#c53030"))
    if not cats:
        parts.append(empty_note(loc, width, top, bottom))
    _footer(parts, cats, centre, band, bottom, xlab_h, legend_svg)
    return Chart(kind, title, _svg(kind, width, height, title, "".join(parts)), cats,
                 {s[0]: vals[k] for k, s in enumerate(series)})


def _footer(parts: list[str], cats: list[str], centre, band: float, bottom: float,
            xlab_h: float, legend_svg: str) -> None:
    """Category labels under the plot, then the legend (if any) under them."""
    xl, _h = _x_labels(cats, centre, band, bottom)
    parts.append(xl)
    if legend_svg:
        parts.append(f"<g transform='translate(0 {bottom + xlab_h + 12:.1f})'>{legend_svg}</g>")


def line_chart(kind: str, title: str, categories: list[str],
               series: list[tuple[str, list[float]]], y_title: str = "",
               y_range: tuple = (0, 100), height: int = 340, width: int = WIDTH,
               loc: str = "en") -> Chart:
    """Lines with markers over ordered categories (e.g. cycles), one per series; no category or
    no series says so (in `loc`)."""
    cats = [str(c) for c in categories]
    ticks = nice_ticks(*y_range)
    left, right, top = 56, width - 20, 40
    n = max(len(cats), 1)
    band = (right - left) / n
    xlab_h = _x_label_height(cats, band)
    items = [(name, PALETTE[k % len(PALETTE)]) for k, (name, _v) in enumerate(series)]
    legend_svg, legend_h = _legend(items, 0, width)
    bottom = height - 8 - xlab_h - legend_h

    def ypos(v):
        return bottom - (v - ticks[0]) / (ticks[-1] - ticks[0]) * (bottom - top)

    def centre(i):
        return left + band * (i + 0.5)

    parts = [_y_axis(ticks, ypos, left, right, y_title)]
    for k, (name, values) in enumerate(series):
        colour = items[k][1]
        pts = [(i, centre(i), ypos(float(v)), float(v)) for i, v in enumerate(values)
               if v is not None and not pd.isna(v)]
        if len(pts) > 1:
            parts.append("<polyline fill='none' stroke-width='2' stroke='" + colour + "' points='"
                         + " ".join(f"{x:.1f},{y:.1f}" for _i, x, y, _v in pts) + "'/>")
        for i, x, y, v in pts:  # i: the category's own index, also where values are missing
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='{colour}'>"
                         f"<title>{_e(name)} · {_e(cats[i] if i < len(cats) else '')}: "
                         f"{_fmt(v)}</title></circle>")
    if not cats or not series:
        parts.append(empty_note(loc, width, top, bottom))
    _footer(parts, cats, centre, band, bottom, xlab_h, legend_svg)
    return Chart(kind, title, _svg(kind, width, height, title, "".join(parts)), cats,
                 {name: [float(v) for v in values] for name, values in series})


# --- the dashboards' charts ----------------------------------------------------------------------


def component_label(code: str, loc: str) -> str:
    return t("supervisor_review" if code == "supervisor" else code, loc)


def band_order(schemes: dict) -> list[tuple[str, str, str]]:
    """(code, English name, Chinese name) of every band, best first, over all schemes."""
    seen: dict[str, tuple[str, str, str]] = {}
    for s in schemes.values():
        for b in s.bands:
            seen.setdefault(b.code, (b.code, b.name_en, b.name_zh))
    return list(seen.values())


def band_distribution(results: pd.DataFrame, schemes: dict, loc: str) -> Chart:
    order = band_order(schemes)
    counts = results["band"].value_counts()
    names = [zh if loc == "zh" else en for _c, en, zh in order]
    values = [int(counts.get(code, 0)) for code, _e, _z in order]
    return bar_chart("bands", t("band_distribution", loc), names,
                     [(t("people", loc), values, BAND_COLOURS[:len(names)] or [PALETTE[0]])],
                     t("people", loc), labels=True, loc=loc)


def score_distribution(results: pd.DataFrame, loc: str, step: int = 5) -> Chart:
    """Histogram of final scores in bins of `step` points over 0-100 (counted here)."""
    scores = results["final_score"].dropna().to_numpy(dtype=float)
    edges = np.arange(0, 100 + step, step)
    counts, _ = np.histogram(np.clip(scores, 0, 100), bins=edges)
    title, width, height = t("score_distribution", loc), WIDTH, 340
    left, right, top, bottom = 56, width - 14, 40, height - 52
    ticks = nice_ticks(0, max(int(counts.max()) if len(counts) else 1, 1))

    def ypos(v):
        return bottom - v / ticks[-1] * (bottom - top)

    def xpos(v):
        return left + v / 100 * (right - left)

    parts = [_y_axis(ticks, ypos, left, right, t("people", loc))]
    for a, n in zip(edges[:-1], counts):
        if n:
            parts.append(f"<rect x='{xpos(a) + 0.5:.1f}' y='{ypos(n):.1f}' "
                         f"width='{xpos(step) - xpos(0) - 1:.1f}' height='{bottom - ypos(n):.1f}' "
                         f"fill='{PALETTE[0]}'><title>{a}-{a + step}: {n}</title></rect>")
    for v in range(0, 101, 10):
        parts.append(_text(xpos(v), bottom + 15, v, 11, "middle", MUTED))
    parts.append(_text((left + right) / 2, bottom + 36, t("final_score", loc), 12, "middle",
                       MUTED))
    labels = [f"{a}-{a + step}" for a in edges[:-1]]
    return Chart("scores", title, _svg("scores", width, height, title, "".join(parts)), labels,
                 {t("people", loc): [int(c) for c in counts]})


def radar(profiles: dict[str, pd.Series], loc: str, title_key: str = "radar") -> Chart:
    """One closed polygon per profile (competency code -> score 0-100) on axes 0-100."""
    title, width, height = t(title_key, loc), WIDTH, 380
    axis = [competency_name(c, loc) for c in CODES]
    items = [(name, PALETTE[k % len(PALETTE)]) for k, name in enumerate(profiles)]
    legend_svg, legend_h = _legend(items, 0, width)
    cx, top = width / 2, 40
    r = min((height - top - legend_h - 70) / 2, 130)
    cy = top + 30 + r
    n = len(CODES)

    def point(i, v):
        a = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * v / 100 * math.cos(a), cy + r * v / 100 * math.sin(a)

    parts = []
    for level in (20, 40, 60, 80, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(n)))
        parts.append(f"<polygon points='{pts}' fill='none' stroke='{GRID}'/>")
        x, y = point(0, level)
        parts.append(_text(x + 3, y + 4, level, 10, "start", AXIS))
    for i, name in enumerate(axis):
        x, y = point(i, 100)
        parts.append(f"<line x1='{cx:.1f}' y1='{cy:.1f}' x2='{x:.1f}' y2='{y:.1f}' "
                     f"stroke='{GRID}'/>")
        lx, ly = point(i, 112)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        lines = wrap(name, 150, 11, 2)
        dy = -13 * (len(lines) - 1) if ly < cy - 5 else (4 if abs(ly - cy) <= 5 else 10)
        parts.append(_lines(lx, ly + dy, lines, 11, anchor, MUTED))
    series = {}
    for k, (name, prof) in enumerate(profiles.items()):
        colour = items[k][1]
        vals = [float(prof.get(c, float("nan"))) for c in CODES]
        series[name] = vals
        pts = [point(i, 0 if math.isnan(v) else v) for i, v in enumerate(vals)]
        parts.append(f"<polygon points='{' '.join(f'{x:.1f},{y:.1f}' for x, y in pts)}' "
                     f"fill='{colour}' fill-opacity='0.25' stroke='{colour}' stroke-width='2'/>")
        for i, ((x, y), v) in enumerate(zip(pts, vals)):
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}'><title>"
                         f"{_e(name)} · {_e(axis[i])}: {_fmt(v)}</title></circle>")
    if legend_svg:
        parts.append(f"<g transform='translate(0 {height - legend_h + 8:.1f})'>{legend_svg}</g>")
    return Chart("radar", title, _svg("radar", width, height, title, "".join(parts)), axis,
                 series)


def competency_heatmap(competencies: pd.DataFrame, results: pd.DataFrame, loc: str,
                       limit: int = 40, page: int = 0) -> Chart:
    """Staff (rows) x competency (columns), weakest final score first (no score last), `limit`
    people per page: page `page` (from 0) of everyone in `results`, so nobody is left out."""
    ordered = results.sort_values(["final_score", "employee_id"], na_position="last")
    order = ordered.iloc[page * limit:(page + 1) * limit]
    wide = competencies.pivot_table(index="employee_id", columns="competency", values="score",
                                    aggfunc="mean").reindex(index=order["employee_id"],
                                                            columns=list(CODES))
    rows = (order["name"] + " (" + order["employee_id"] + ")").tolist()
    cols = [competency_name(c, loc) for c in CODES]
    title, width = t("heatmap", loc), 1100
    label_w = min(max((text_width(r, 11) for r in rows), default=60) + 12, 260)
    cell_h, top = 22, 44
    head_lines = [wrap(c, (width - label_w - 90) / len(cols) - 8, 11, 2) for c in cols]
    head_h = 14 * max(len(ls) for ls in head_lines) + 6
    grid_top = top + head_h
    height = grid_top + cell_h * len(rows) + 16
    left, right = label_w, width - 90
    cw = (right - left) / len(cols)
    parts = [_lines(left + cw * (j + 0.5), top + 10, ls, 11, "middle", MUTED)
             for j, ls in enumerate(head_lines)]
    z = wide.to_numpy(dtype=float)
    for i, name in enumerate(rows):
        y = grid_top + i * cell_h
        parts.append(_text(left - 8, y + cell_h / 2 + 4, wrap(name, label_w - 12, 11, 1)[0], 11,
                           "end", INK))
        for j, col in enumerate(cols):
            v = z[i, j]
            fill = _colour_scale(v)
            ink = "white" if math.isfinite(v) and (v < 25 or v > 85) else INK
            parts.append(f"<rect x='{left + j * cw + 1:.1f}' y='{y + 1:.1f}' "
                         f"width='{cw - 2:.1f}' height='{cell_h - 2}' fill='{fill}'><title>"
                         f"{_e(name)} · {_e(col)}: {_score(v)}</title></rect>"
                         + _text(left + j * cw + cw / 2, y + cell_h / 2 + 4, _score(v), 11,
                                 "middle", ink))
    # colour bar 0-100
    bar_x, bar_h = right + 24, min(200, cell_h * max(len(rows), 4))
    for k in range(20):
        v0 = 100 - k * 5
        parts.append(f"<rect x='{bar_x}' y='{grid_top + k * bar_h / 20:.1f}' width='14' "
                     f"height='{bar_h / 20 + 0.5:.1f}' fill='{_colour_scale(v0 - 2.5)}'/>")
    for v in (100, 50, 0):
        parts.append(_text(bar_x + 20, grid_top + (100 - v) / 100 * bar_h + 4, v, 10, "start",
                           MUTED))
    parts.append(_text(bar_x + 7, grid_top - 6, t("score", loc), 10, "middle", MUTED))
    return Chart("heatmap", title, _svg("heatmap", width, height, title, "".join(parts)), cols,
                 {r: [float(x) for x in z[i]] for i, r in enumerate(rows)})


def trend(trend: pd.DataFrame, loc: str, teams: int = TREND_TEAMS) -> Chart:
    """Mean final score per team and cycle (cycles in time order); above `teams` teams, the
    largest ones and the mean of all shown people."""
    m = (trend.groupby(["opens_on", "cycle", "team"], as_index=False)["final_score"].mean()
         .sort_values("opens_on"))
    cycles = list(dict.fromkeys(m["cycle"]))
    wide = m.pivot_table(index="team", columns="cycle", values="final_score").reindex(
        columns=cycles)
    series = []
    if len(wide) > teams:
        overall = trend.groupby("cycle")["final_score"].mean().reindex(cycles)
        series.append((t("selection", loc), overall.round(1).tolist()))
        biggest = trend.groupby("team")["employee_id"].nunique().nlargest(teams - 1).index
        wide = wide.loc[sorted(biggest)]
    series += [(team, row.round(1).tolist()) for team, row in wide.iterrows()]
    return line_chart("trend", t("trend", loc), cycles, series, t("final_score", loc), loc=loc)


def component_breakdown(components: pd.DataFrame, results: pd.DataFrame, loc: str) -> Chart:
    """Stacked mean contribution of each component to the final score, per team."""
    c = components.merge(results[["employee_id", "team"]], on="employee_id")
    if c.empty:
        return bar_chart("breakdown", t("breakdown", loc), [], [], t("contribution", loc),
                         mode="stack", loc=loc)
    # a team's mean of each contribution over everyone graded in the team (a component someone's
    # scheme lacks counts as 0 for them), so the stack adds up to the team's mean score; a mean
    # over only the people who have a component would stack past 100 in mixed-role teams
    people = c.groupby("team")["employee_id"].nunique()
    m = c.groupby(["team", "component"], as_index=False, sort=False)["contribution"].sum()
    m["contribution"] = m["contribution"] / m["team"].map(people)
    wide = m.pivot_table(index="team", columns="component", values="contribution", sort=False)
    wide = wide.reindex(index=sorted(wide.index))
    series = [(component_label(comp, loc), wide[comp].round(2).tolist(),
               PALETTE[k % len(PALETTE)]) for k, comp in enumerate(wide.columns)]
    return bar_chart("breakdown", t("breakdown", loc), list(wide.index), series,
                     t("contribution", loc), mode="stack", loc=loc)


def training_needs(training: pd.DataFrame, loc: str) -> Chart:
    counts = training.groupby("competency")["employee_id"].nunique().reindex(list(CODES),
                                                                             fill_value=0)
    return bar_chart("training", t("training_overview", loc),
                     [competency_name(c, loc) for c in counts.index],
                     [(t("people", loc), [int(x) for x in counts], PALETTE[1])],
                     t("people", loc), labels=True, loc=loc)


def person_components(components: pd.DataFrame, loc: str, title_key: str = "my_components"
                      ) -> Chart:
    c = components.dropna(subset=["score"])
    return bar_chart("person_components", t(title_key, loc),
                     [component_label(x, loc) for x in c["component"]],
                     [(t("score", loc), c["score"].round(1).tolist(), PALETTE[0])],
                     t("score", loc), labels=True, y_range=(0, 100), loc=loc)


def bars(labels: list[str], values: list[float], title: str, loc: str, y_title: str = "",
         colour: str = PALETTE[0], refs: list[tuple[float, str]] = ()) -> Chart:
    return bar_chart("bars", title, labels, [(y_title or title, values, colour)], y_title,
                     labels=True, refs=refs, loc=loc)
