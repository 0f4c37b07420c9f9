"""Figures shown in course modules (plotly, so they work offline in JupyterLab and Voila)."""

from __future__ import annotations

import plotly.graph_objects as go

from training.kpi import Commitments

# Replacement intervals of the AquaPure consumables, months (docs/demo-product.md).
FILTER_INTERVALS = [
    ("AP-F1 PP sediment", 6), ("AP-F2 carbon block", 6), ("AP-F1C composite (C3)", 6),
    ("AP-F12 composite (H2 Pro)", 12), ("AP-F4 post-carbon", 12), ("AP-UV1 UV lamp", 12),
    ("AP-F3 RO membrane", 24),
]


def filter_schedule(months: int = 24) -> go.Figure:
    """When each AquaPure consumable is due over the first `months` after installation."""
    fig = go.Figure()
    for name, every in FILTER_INTERVALS:
        due = list(range(every, months + 1, every))
        fig.add_trace(go.Scatter(x=due, y=[name] * len(due), mode="markers", name=name,
                                 marker={"size": 14, "symbol": "diamond"}, showlegend=False))
    fig.update_layout(title="AquaPure: filter replacements due (months after installation)",
                      xaxis={"title": "month", "dtick": 3, "range": [0, months + 1]},
                      height=360, margin={"l": 200})
    return fig


def commitment_timeline(c: Commitments | None = None) -> go.Figure:
    """The service commitments as a timeline: respond, be on site, clear the fault."""
    c = c or Commitments()
    respond_h = c.response_minutes / 60
    stages = [("1. Respond to the customer", 0, respond_h),
              ("2. Arrive on site (from the repair call)", 0, c.onsite_hours),
              ("3. Clear the fault (from start of work)", c.onsite_hours, c.fix_hours)]
    fig = go.Figure()
    for name, start, length in stages:
        fig.add_trace(go.Bar(y=[name], x=[length], base=[start], orientation="h", name=name,
                             text=[f"≤ {c.response_minutes:g} min" if length == respond_h
                                   else f"≤ {length:g} h"], textposition="auto"))
    fig.update_layout(title="Service commitments (hours after the customer's repair call)", barmode="overlay",
                      showlegend=False, height=280, xaxis={"title": "hours"},
                      yaxis={"autorange": "reversed"}, margin={"l": 260})
    return fig


def anger_curve(levels: list[int], title: str = "Customer's anger during the call") -> go.Figure:
    """How a customer's anger (0-100) moved over the turns of a conversation."""
    fig = go.Figure(go.Scatter(x=list(range(len(levels))), y=levels, mode="lines+markers"))
    fig.update_layout(title=title, xaxis={"title": "turn"}, yaxis={"range": [0, 100]}, height=300)
    return fig


FIGURES = {"filter_schedule": filter_schedule, "commitment_timeline": commitment_timeline}
