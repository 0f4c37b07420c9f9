"""The demo's ticket export: believable times, and accepted by the import it feeds."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from academy.synthetic.company import make_company
from academy.synthetic.tickets import make_tickets, write_ticket_export
from core.tabular import read_table
from graders.service_kpis import kpis as operations
from graders.service_kpis.config import OperationsConfig
from graders.tickets import parse_tickets

NOW = datetime(2026, 11, 20, 17, 0)


def test_demo_tickets_are_believable_and_import_cleanly(tmp_path):
    """Does the demo export have office-hours, evening, night and weekend calls, a few missed
    commitments, complaints, repeat calls and still-open tickets, nothing after now, and pass
    every check of the ticket import?"""
    people = make_company(60, seed=2026)
    staff = pd.DataFrame([(p.employee_id, p.role, p.team) for p in people],
                         columns=["employee_id", "role_code", "team"])
    tk = make_tickets(staff, ["2026-09", "2026-10", "2026-11"], 2026, NOW)
    assert len(tk) > 1000
    hour = tk["reported_at"].dt.hour
    office = hour.between(8, 17).mean()
    assert 0.6 < office < 0.9
    assert ((hour >= 22) | (hour < 7)).sum() > 10  # night calls
    assert (tk["reported_at"].dt.day_of_week >= 5).mean() > 0.05  # weekends
    assert tk[["reported_at", "responded_at", "arrived_at", "started_at", "cleared_at",
               "closed_at"]].max().max() <= NOW
    assert set(tk["channel"]) == {"hotline", "remote", "on_site"}
    # engineers called in the evening arrive the next morning, not in the small hours
    on_site = tk[tk["channel"] == "on_site"]
    assert (on_site["arrived_at"].dt.hour.between(1, 6)).mean() < 0.02
    path = write_ticket_export(tk, tmp_path / "demo.csv")  # GB18030, Chinese headers
    df = parse_tickets(read_table(path), set(staff["employee_id"]), now=NOW)
    assert len(df) == len(tk)
    f = operations.ticket_facts(df, OperationsConfig(), NOW)
    k = operations.kpis(f, ["month"]).set_index("month")
    nov = k.loc["2026-11"]
    assert 0.85 < nov["response_rate"] < 1.0 and 0.85 < nov["arrival_rate"] < 1.0
    assert 0.85 < nov["fix_rate"] < 1.0
    assert 0.7 < nov["fcr_rate"] < 0.95 and nov["repeats"] > 0
    assert 0 < nov["complaint_rate"] < 0.06
    assert nov["open_at_month_end"] > 0  # tickets of the last afternoon are still open
    assert len(operations.breaches(f)) > 20
