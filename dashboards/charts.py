"""Chart builders: DataFrames in, plotly figures out (no I/O, no widgets).

The figures are drawn in the browser by the jupyterlab-plotly renderer that Voila serves from
its own lab extensions, so no chart library is fetched from a CDN.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboards.labels import t
from graders.competencies import CODES, competency_name

#: fonts with Chinese glyphs first (WenQuanYi is what `make test` installs on Debian)
FONT = ("WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, "
        "Helvetica Neue, Arial, sans-serif")
BAND_COLOURS = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"]
PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#718096"]


_GRID = dict(gridcolor="#EBF0F8", zerolinecolor="#EBF0F8", linecolor="#EBF0F8", automargin=True)
#: a small white template: plotly's own ones are large and copied into every figure
TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", xaxis=_GRID, yaxis=_GRID,
    polar=dict(bgcolor="white", radialaxis=dict(gridcolor="#EBF0F8"),
               angularaxis=dict(gridcolor="#EBF0F8"))))


def _layout(fig: go.Figure, title: str, height: int = 340) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=15)), height=height,
                      margin=dict(l=50, r=20, t=50, b=40), font=dict(family=FONT, size=12),
                      template=TEMPLATE, colorway=PALETTE,
                      legend=dict(orientation="h", y=-0.15))
    return fig


def component_label(code: str, loc: str) -> str:
    return t("supervisor_review" if code == "supervisor" else code, loc)


def band_order(schemes: dict) -> list[tuple[str, str, str]]:
    """(code, English name, Chinese name) of every band, best first, over all schemes."""
    seen: dict[str, tuple[str, str, str]] = {}
    for s in schemes.values():
        for b in s.bands:
            seen.setdefault(b.code, (b.code, b.name_en, b.name_zh))
    return list(seen.values())


def band_distribution(results: pd.DataFrame, schemes: dict, loc: str) -> go.Figure:
    order = band_order(schemes)
    counts = results["band"].value_counts()
    names = [zh if loc == "zh" else en for _c, en, zh in order]
    values = [int(counts.get(code, 0)) for code, _e, _z in order]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=BAND_COLOURS[:len(names)],
                           text=values, textposition="outside"))
    fig.update_yaxes(title=t("people", loc))
    return _layout(fig, t("band_distribution", loc))


def score_distribution(results: pd.DataFrame, loc: str) -> go.Figure:
    scores = results["final_score"].dropna()
    fig = go.Figure(go.Histogram(x=scores, xbins=dict(start=0, end=100, size=5),
                                 marker_color=PALETTE[0]))
    fig.update_xaxes(title=t("final_score", loc), range=[0, 100])
    fig.update_yaxes(title=t("people", loc))
    return _layout(fig, t("score_distribution", loc))


def radar(profiles: dict[str, pd.Series], loc: str, title_key: str = "radar") -> go.Figure:
    """One closed polygon per profile (competency code -> score 0-100)."""
    axis = [competency_name(c, loc) for c in CODES]
    fig = go.Figure()
    for name, prof in profiles.items():
        r = [float(prof.get(c, float("nan"))) for c in CODES]
        fig.add_trace(go.Scatterpolar(r=r + r[:1], theta=axis + axis[:1], name=name,
                                      fill="toself", opacity=0.6))
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100])))
    return _layout(fig, t(title_key, loc), height=380)


def competency_heatmap(competencies: pd.DataFrame, results: pd.DataFrame, loc: str,
                       limit: int = 40) -> go.Figure:
    """Staff (rows, best final score first, at most `limit`) x competency (columns)."""
    order = results.sort_values("final_score", ascending=False).head(limit)
    wide = competencies.pivot_table(index="employee_id", columns="competency", values="score",
                                    aggfunc="mean").reindex(index=order["employee_id"],
                                                            columns=list(CODES))
    labels = (order["name"] + " (" + order["employee_id"] + ")").tolist()
    fig = go.Figure(go.Heatmap(z=wide.to_numpy(), x=[competency_name(c, loc) for c in CODES],
                               y=labels, zmin=0, zmax=100, colorscale="RdYlGn",
                               colorbar=dict(title=t("score", loc))))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("heatmap", loc), height=max(320, 22 * len(labels) + 120))


def trend(trend: pd.DataFrame, loc: str) -> go.Figure:
    """Mean final score per team and cycle (cycles in time order)."""
    m = (trend.groupby(["opens_on", "cycle", "team"], as_index=False)["final_score"].mean()
         .sort_values("opens_on"))
    fig = go.Figure()
    for team, part in m.groupby("team", sort=True):
        fig.add_trace(go.Scatter(x=part["cycle"], y=part["final_score"].round(1), name=team,
                                 mode="lines+markers"))
    fig.update_yaxes(title=t("final_score", loc), range=[0, 100])
    fig.update_xaxes(type="category", title=t("cycle", loc))
    return _layout(fig, t("trend", loc))


def component_breakdown(components: pd.DataFrame, results: pd.DataFrame, loc: str) -> go.Figure:
    """Stacked mean contribution of each component to the final score, per team."""
    c = components.merge(results[["employee_id", "team"]], on="employee_id")
    m = c.groupby(["team", "component"], as_index=False)["contribution"].mean()
    fig = go.Figure()
    for comp, part in m.groupby("component", sort=False):
        fig.add_trace(go.Bar(x=part["team"], y=part["contribution"].round(2),
                             name=component_label(comp, loc)))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=t("contribution", loc))
    return _layout(fig, t("breakdown", loc))


def training_needs(training: pd.DataFrame, loc: str) -> go.Figure:
    counts = training.groupby("competency")["employee_id"].nunique().reindex(list(CODES),
                                                                             fill_value=0)
    fig = go.Figure(go.Bar(x=[competency_name(c, loc) for c in counts.index],
                           y=counts.to_numpy(), marker_color=PALETTE[1],
                           text=counts.to_numpy(), textposition="outside"))
    fig.update_yaxes(title=t("people", loc))
    return _layout(fig, t("training_overview", loc))


def person_components(components: pd.DataFrame, loc: str, title_key: str = "my_components"
                      ) -> go.Figure:
    c = components.dropna(subset=["score"])
    fig = go.Figure(go.Bar(x=[component_label(x, loc) for x in c["component"]],
                           y=c["score"].round(1), marker_color=PALETTE[0],
                           text=c["score"].round(1), textposition="outside"))
    fig.update_yaxes(title=t("score", loc), range=[0, 110])
    return _layout(fig, t(title_key, loc))


def bars(labels: list[str], values: list[float], title: str, loc: str, y_title: str = "",
         colour: str = PALETTE[0]) -> go.Figure:
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colour, text=values,
                           textposition="outside"))
    fig.update_yaxes(title=y_title)
    return _layout(fig, title)


def warm_up() -> None:
    """Build one small figure of every kind used here, so that plotly's lazily imported
    validators, the template and the renderer are loaded before a request (preheated kernel)."""
    import plotly.io as pio

    pio.renderers["plotly_mimetype"]  # noqa: B018 - imports the renderer machinery
    figs = [
        go.Figure(go.Bar(x=["a"], y=[1], text=[1], textposition="outside")),
        go.Figure(go.Histogram(x=[1.0], xbins=dict(start=0, end=100, size=5))),
        go.Figure(go.Scatterpolar(r=[1, 2, 1], theta=["a", "b", "a"], fill="toself")),
        go.Figure(go.Heatmap(z=[[1.0]], x=["a"], y=["b"], colorscale="RdYlGn",
                             colorbar=dict(title="x"))),
        go.Figure(go.Scatter(x=["a"], y=[1], mode="lines+markers")),
    ]
    for fig in figs:
        _layout(fig, "warm-up")
        fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100])), barmode="stack")
        fig.update_xaxes(type="category")
        fig.update_yaxes(autorange="reversed")
        pio.to_json(fig, validate=False)
