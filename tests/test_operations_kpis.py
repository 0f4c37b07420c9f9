"""Operational KPIs and monthly performance pay on hand-computed cases (docs/operations.md)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from core.errors import ProblemsError
from graders.engine.schemes import load_schemes, parse_scheme
from graders.service_kpis import kpis as operations
from graders.service_kpis.config import OperationsConfig
from graders.service_kpis.monthly_pay import monthly_pay
from graders.tickets import TIMES

D = datetime


def tk(tid, emp="E1", channel="on_site", customer=None, reported=None, responded=None,
       arrived=None, started=None, cleared=None, closed=None, fcr=None, reopened=False,
       complaint=False, resolved=None, surveyed=False):
    return dict(ticket_id=tid, employee_id=emp, channel=channel, customer=customer,
                month=f"{reported:%Y-%m}", reported_at=reported, responded_at=responded,
                arrived_at=arrived, started_at=started, cleared_at=cleared, closed_at=closed,
                fcr_given=fcr, reopened=reopened, complaint=complaint, complaint_resolved=resolved,
                surveyed=surveyed)


def frame(*tickets) -> pd.DataFrame:
    df = pd.DataFrame(list(tickets))
    for c in TIMES:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[us]")
    df["fcr_given"] = df["fcr_given"].astype(object)
    df["complaint_resolved"] = df["complaint_resolved"].astype(object)
    return df


def facts(*tickets, as_of=None, cfg=None):
    return operations.ticket_facts(frame(*tickets), cfg or OperationsConfig(), as_of)


def test_response_met_exactly_at_thirty_minutes():
    """Is a response at 30:00 sharp met, and one at 30:01 late?"""
    f = facts(tk("A", channel="hotline", reported=D(2026, 11, 2, 9), responded=D(2026, 11, 2, 9, 30),
                 closed=D(2026, 11, 2, 10)),
              tk("B", channel="hotline", reported=D(2026, 11, 2, 9), responded=D(2026, 11, 2, 9, 30, 1),
                 closed=D(2026, 11, 2, 10)))
    assert list(f["response_status"]) == ["met", "late"]
    k = operations.kpis(f, ["employee_id", "month"]).iloc[0]
    assert k["response_met"] == 1 and k["response_due"] == 2 and k["response_rate"] == 0.5


def test_arrival_clock_runs_from_the_repair_call_and_fix_clock_from_start_of_work():
    """Does the on-site clock start at the customer's repair call (not at the first response or a
    decision to visit), and the fix clock at the start of work on site?"""
    f = facts(
        # arrival 24:00 after the call (met, though 23:40 after the response); fix 24:00 after
        # the start of work (met, though 24:30 after the arrival)
        tk("A", reported=D(2026, 11, 2, 9), responded=D(2026, 11, 2, 9, 20),
           arrived=D(2026, 11, 3, 9), started=D(2026, 11, 3, 9, 30), cleared=D(2026, 11, 4, 9, 30),
           closed=D(2026, 11, 4, 10)),
        # arrival 24:01 after the call: late, although only 23:50 after the response
        tk("B", reported=D(2026, 11, 2, 9), responded=D(2026, 11, 2, 9, 11),
           arrived=D(2026, 11, 3, 9, 1), started=D(2026, 11, 3, 9, 1), cleared=D(2026, 11, 3, 12),
           closed=D(2026, 11, 3, 13)))
    assert list(f["arrival_status"]) == ["met", "late"]
    assert list(f["fix_status"]) == ["met", "met"]
    assert f["arrival_elapsed"].round(4).tolist() == [24.0, round(24 + 1 / 60, 4)]
    assert f["fix_elapsed"].tolist() == [24.0, pytest.approx(2 + 59 / 60)]
    b = operations.breaches(f)
    assert b[["ticket_id", "commitment", "status"]].values.tolist() == [["B", "arrival", "late"]]


def test_commitments_follow_the_channel():
    """Do arrival and fix apply only to channels whose targets name them (hotline: response only)?"""
    f = facts(tk("H", channel="hotline", reported=D(2026, 11, 2, 9), responded=D(2026, 11, 2, 9, 5),
                 started=D(2026, 11, 2, 9, 5), cleared=D(2026, 11, 5, 9), closed=D(2026, 11, 5, 9)))
    assert (f.loc[0, "response_status"], f.loc[0, "arrival_status"], f.loc[0, "fix_status"]) == \
        ("met", "n/a", "n/a")
    cfg = OperationsConfig(channels={"hotline": {"response_minutes": 10}})
    f = facts(tk("H", channel="hotline", reported=D(2026, 11, 2, 9), responded=D(2026, 11, 2, 9, 15),
                 closed=D(2026, 11, 2, 10)), cfg=cfg)
    assert f.loc[0, "response_status"] == "late"  # targets are configurable per channel


def test_ticket_still_open_at_month_end():
    """Is a ticket open at month end counted in its month's tickets and open count, not in the
    throughput or FCR, its arrival pending before the deadline and late after it?"""
    t = tk("A", reported=D(2026, 11, 30, 20), responded=D(2026, 11, 30, 20, 10))
    before = facts(t, as_of=D(2026, 12, 1, 8))
    assert before.loc[0, "arrival_status"] == "pending"
    after = facts(t, as_of=D(2026, 12, 1, 21))
    assert after.loc[0, "arrival_status"] == "late"
    assert operations.breaches(after)["status"].tolist() == ["not yet"]
    k = operations.kpis(after, ["employee_id", "month"]).set_index("month")
    assert k.loc["2026-11", "tickets"] == 1 and k.loc["2026-11", "open_at_month_end"] == 1
    assert k.loc["2026-11", "closed"] == 0 and k.loc["2026-11", "fcr_due"] == 0
    assert k.loc["2026-11", "arrival_due"] == 1 and k.loc["2026-11", "arrival_rate"] == 0.0
    k = operations.kpis(before, ["employee_id", "month"]).set_index("month")
    assert k.loc["2026-11", "arrival_due"] == 0 and pd.isna(k.loc["2026-11", "arrival_rate"])


def test_throughput_counts_the_closing_month():
    """Is a ticket reported in November and closed in December December's throughput, and open at
    November's end?"""
    f = facts(tk("A", reported=D(2026, 11, 30, 20), responded=D(2026, 11, 30, 20, 5),
                 arrived=D(2026, 12, 1, 9), started=D(2026, 12, 1, 9), cleared=D(2026, 12, 1, 10),
                 closed=D(2026, 12, 1, 11)),
              tk("B", reported=D(2026, 11, 10, 9), responded=D(2026, 11, 10, 9, 5),
                 arrived=D(2026, 11, 10, 15), started=D(2026, 11, 10, 15),
                 cleared=D(2026, 11, 10, 16), closed=D(2026, 11, 10, 17)))
    k = operations.kpis(f, ["employee_id", "month"]).set_index("month")
    assert k.loc["2026-11", "closed"] == 1 and k.loc["2026-12", "closed"] == 1
    assert k.loc["2026-11", "tickets"] == 2 and k.loc["2026-12", "tickets"] == 0
    assert k.loc["2026-11", "open_at_month_end"] == 1
    assert k.loc["2026-11", "arrival_rate"] == 1.0  # A arrived 13 h after the call


def test_first_contact_resolution_given_or_derived():
    """Is FCR taken as given, else false after a reopen or a repeat call by the same customer
    within the window (7 days after closing), and true otherwise?"""
    day = lambda d, h=9: D(2026, 11, d, h)  # noqa: E731
    f = facts(
        tk("A", customer="C1", reported=day(2), closed=day(2, 12)),  # C1 calls again on day 8
        tk("B", customer="C1", reported=day(8), closed=day(8, 12)),  # ... and again on day 16
        tk("C", customer="C1", reported=day(16), closed=day(16, 12)),
        tk("D", customer="C2", reported=day(3), closed=day(3, 12), reopened=True),
        tk("E", customer="C3", reported=day(3), closed=day(3, 12), fcr=True),
        tk("F", customer="C3", reported=day(4), closed=day(4, 12)),  # repeat of E; E given FCR
        tk("G", customer=None, reported=day(5), closed=day(5, 12)),  # no customer: no repeat
        tk("H", customer="C4", reported=day(5)))  # still open: undecided
    got = dict(zip(f["ticket_id"], zip(f["fcr"], f["fcr_known"], f["repeat_follows"])))
    assert got["A"] == (False, True, True)     # B came 5 d 21 h after A closed
    assert got["B"] == (True, True, False)     # C came 7 d 21 h after B closed: outside 7 days
    assert got["C"] == (True, True, False)
    assert got["D"] == (False, True, False)    # reopened
    assert got["E"] == (True, True, True)      # the export says resolved: that wins
    assert got["F"] == (True, True, False)
    assert got["G"] == (True, True, False)
    assert got["H"] == (False, False, False)
    k = operations.kpis(f, ["employee_id"]).iloc[0]
    assert (k["fcr"], k["fcr_due"]) == (5, 7) and k["fcr_rate"] == pytest.approx(5 / 7)
    assert k["repeats"] == 2


def test_averages_percentiles_complaints_and_teams():
    """Are the average and 90th-percentile response and handling times, complaint and complaint
    resolution rates, and team figures (pooled over tickets) as computed by hand?"""
    rows = []
    for i, minutes in enumerate([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]):
        emp = "E1" if i < 6 else "E2"
        rows.append(tk(f"T{i}", emp=emp, channel="hotline", reported=D(2026, 11, 2, 9),
                       responded=D(2026, 11, 2, 9) + pd.Timedelta(minutes=minutes),
                       closed=D(2026, 11, 2, 9) + pd.Timedelta(hours=i + 1),
                       complaint=i in (1, 2, 7), resolved=True if i in (1, 7) else None))
    f = operations.ticket_facts(frame(*rows), OperationsConfig(), None,
                                {"E1": "Hotline", "E2": "Hotline"})
    team = operations.kpis(f, ["team", "month"]).iloc[0]
    assert team["response_avg_minutes"] == 27.5
    assert team["response_p90_minutes"] == pytest.approx(45.5)  # linear: 45 + 0.1 x 5
    assert team["handling_avg_hours"] == 5.5
    assert team["handling_p90_hours"] == pytest.approx(9.1)
    assert team["response_rate"] == 0.6  # 5 .. 30 minutes
    assert team["complaints"] == 3 and team["complaint_rate"] == 0.3
    assert team["complaint_resolution_rate"] == pytest.approx(2 / 3)
    people = operations.kpis(f, ["employee_id", "month"]).set_index("employee_id")
    assert people.loc["E1", "response_avg_minutes"] == 17.5
    assert people.loc["E2", "response_rate"] == 0.0
    assert people.loc["E1", "complaint_resolution_rate"] == 0.5
    assert people["tickets"].sum() == team["tickets"] == 10


# --- KPI items and monthly pay ------------------------------------------------------------------

SCHEME = """
scheme: fs
version: "1"
family: field_service
name_en: Field service
name_zh: 现场服务类
result_share: 1
components:
  customer: {weight: 1, kind: result}
bands:
  - {code: excellent, name_en: Excellent, name_zh: 优秀, min: 60, max: 100}
  - {code: needs_improvement, name_en: Needs improvement, name_zh: 待改进, min: 0, max: 60}
individual_award: {min_band: excellent}
promotion: {band: excellent}
corrective: {band: needs_improvement}
pay: {base_coefficient: 0.6, performance_coefficient: 0.4, reference_pay: 10000}
kpi:
  items:
    - {metric: response_rate,  group: timeliness,    weight: 0.5, target: 0.9}
    - {metric: fcr_rate,       group: effectiveness, weight: 0.3, target: 0.8}
    - {metric: complaint_rate, group: compliance,    weight: 0.2, target: 0.05}
  roles:
    hotline_support:
      - {metric: response_rate, group: timeliness, weight: 1, target: 0.5, cap: 20}
"""


def _roster(*people):
    return pd.DataFrame([(e, e, team, role, "field_service") for e, team, role in people],
                        columns=["employee_id", "name", "team", "role_code", "family"])


def _kpis(*rows):
    cols = ["employee_id", "month", "tickets", "response_rate", "fcr_rate", "complaint_rate"]
    df = pd.DataFrame(rows, columns=cols)
    for c in operations.KPI_COLUMNS:
        if c not in df:
            df[c] = float("nan")
    return df


def test_monthly_pay_on_hand_computed_people():
    """Is each person's KPI value the weighted achievement of the items, clamped to 0.5-5, and
    pay = reference x base coefficient + reference x (1 - base coefficient) x KPI, per month?"""
    schemes = {"field_service": parse_scheme(SCHEME, "fs.yaml")}
    roster = _roster(("A", "T", "field_service"), ("B", "T", "field_service"),
                     ("C", "T", "field_service"), ("H", "T", "hotline_support"),
                     ("N", "T", "field_service"))
    kp = _kpis(
        # A: 1.0/0.9 = 1.1111; 0.6/0.8 = 0.75; 0.05/0.1 = 0.5 -> 0.5x1.1111+0.3x0.75+0.2x0.5 = 0.8806
        ("A", "2026-11", 10, 1.0, 0.6, 0.1),
        # B: 0.9/0.9 = 1; 0.8/0.8 = 1; no complaints: capped at 2 -> 0.5+0.3+0.4 = 1.2
        ("B", "2026-11", 10, 0.9, 0.8, 0.0),
        # C: no FCR data yet: reweighted over response and complaints: (0.5x0.5+0.2x1)/0.7
        ("C", "2026-11", 3, 0.45, float("nan"), 0.05),
        # H (hotline's own item, cap 20): 1.0/0.5 = 2 ... ; in December 0.1/0.5 = 0.2 -> clamp 0.5
        ("H", "2026-11", 5, 1.0, 0.5, 0.0),
        ("H", "2026-12", 5, 0.1, 0.5, 0.0),
        ("A", "2026-12", 8, 0.9, 0.8, 0.05))
    ref = pd.Series({"A": 12000.0})
    pay, items, checks = monthly_pay(kp, roster, schemes, ["2026-11", "2026-12"], ref)
    p = pay.set_index(["month", "employee_id"])
    a = p.loc[("2026-11", "A")]
    assert a["kpi"] == pytest.approx(0.8806, abs=1e-4)
    assert a["reference_pay"] == 12000 and a["base_pay"] == 7200.0
    assert a["performance_pay"] == pytest.approx(round(12000 * 0.4 * 0.8806, 2))
    assert a["total_pay"] == pytest.approx(a["base_pay"] + a["performance_pay"])
    b = p.loc[("2026-11", "B")]
    assert b["kpi"] == pytest.approx(1.2) and b["base_pay"] == 6000.0
    assert b["performance_pay"] == pytest.approx(4800.0) and b["total_pay"] == pytest.approx(10800.0)
    assert p.loc[("2026-11", "C"), "kpi"] == pytest.approx(round(0.45 / 0.7, 4))
    assert p.loc[("2026-11", "H"), "kpi"] == 2.0
    assert p.loc[("2026-12", "H"), "kpi"] == 0.5  # clamped up to kpi_min
    assert p.loc[("2026-12", "A"), "kpi"] == pytest.approx(1.0)
    n = p.loc[("2026-11", "N")]
    assert n["status"] == "no_data" and pd.isna(n["kpi"]) and pd.isna(n["total_pay"])
    assert n["base_pay"] == 6000.0
    assert set(items.loc[items["employee_id"] == "H", "metric"]) == {"response_rate"}
    # health: November 2 of 4 field-service staff below 1 -> ok; hotline 0 of 1
    c = checks.set_index(["month", "role_code"])
    assert c.loc[("2026-11", "field_service"), "below_one"] == 2
    assert c.loc[("2026-11", "field_service"), "level"] == "ok"
    assert c.loc[("2026-12", "hotline_support"), "level"] == "revise"  # 1 of 1 below 1


def test_kpi_clamped_at_five():
    """Is a KPI value above 5 clamped to 5 (the top of the practice's range)?"""
    schemes = {"field_service": parse_scheme(SCHEME, "fs.yaml")}
    pay, _, _ = monthly_pay(_kpis(("H", "2026-11", 5, 1.0, 0.5, 0.0)).assign(response_rate=3.0),
                            _roster(("H", "T", "hotline_support")), schemes, ["2026-11"])
    assert pay.loc[0, "kpi"] == 5.0  # 3.0 / 0.5 = 6 -> 5


def test_eighty_percent_below_one_means_revise():
    """Does 4 of 5 staff of a role below KPI 1 in a month report "revise the scheme", and 3 of 5 not?"""
    schemes = {"field_service": parse_scheme(SCHEME, "fs.yaml")}
    roster = _roster(*[(e, "T", "field_service") for e in "ABCDE"])
    low, high = (0.45, 0.4, 0.1), (0.9, 0.8, 0.05)  # KPI 0.45 ... and exactly 1.0
    rows = [(e, "2026-10", 5, *(low if e in "ABCD" else high)) for e in "ABCDE"]
    rows += [(e, "2026-11", 5, *(low if e in "ABC" else high)) for e in "ABCDE"]
    _, _, checks = monthly_pay(_kpis(*rows), roster, schemes, ["2026-10", "2026-11"])
    c = checks.set_index("month")
    assert c.loc["2026-10", "level"] == "revise" and c.loc["2026-10", "share"] == 0.8
    assert c.loc["2026-11", "level"] == "ok" and c.loc["2026-11", "share"] == 0.6
    assert "must be revised" in c.loc["2026-10", "message"]


def test_scheme_without_kpi_items_has_no_monthly_pay():
    """Does a scheme without KPI items keep today's behaviour: no monthly pay rows for its family?"""
    plain = parse_scheme(SCHEME.split("kpi:")[0], "plain.yaml")
    assert plain.kpi is None
    pay, items, checks = monthly_pay(_kpis(("A", "2026-11", 5, 1, 1, 0)),
                                     _roster(("A", "T", "field_service")),
                                     {"field_service": plain}, ["2026-11"])
    assert pay.empty and items.empty and checks.empty


@pytest.mark.parametrize("bad, expected", [
    ("weight: 0.2, target: 0.05}", "KPI item weights must sum to 1, not 1.1"),
    ("weight: 0.1, target: 0}", "greater than 0"),
])
def test_bad_kpi_items_are_refused_with_their_line(bad, expected):
    """Are KPI items whose weights do not sum to 1, or with a target of 0, refused naming the line?"""
    text = SCHEME.replace("weight: 0.2, target: 0.05}", bad.replace("0.2,", "0.3,")
                          if "sum" in expected else bad)
    with pytest.raises(ProblemsError) as exc:
        parse_scheme(text, "fs.yaml")
    assert expected in str(exc.value)
    kpi_line = text.split("\n").index("kpi:") + 1
    assert all(p.row and p.row >= kpi_line for p in exc.value.problems)  # in the kpi: section


def test_unknown_metric_is_refused():
    """Is an unknown KPI metric refused with the list of known ones?"""
    with pytest.raises(ProblemsError, match="unknown KPI metric 'smiles'"):
        parse_scheme(SCHEME.replace("metric: fcr_rate", "metric: smiles"), "fs.yaml")


def test_shipped_schemes_have_kpi_items_for_every_role():
    """Do the shipped schemes give every staff role of their family KPI items whose weights sum to 1?"""
    schemes = load_schemes()
    for code, fam in (("technical_support", "technical_support"), ("hotline_support", "technical_support"),
                      ("parts_clerk", "technical_support"), ("field_service", "field_service")):
        items = schemes[fam].kpi.items_for(code)
        assert sum(i.weight for i in items) == pytest.approx(1)
        assert {i.group for i in items} == {"timeliness", "effectiveness", "compliance"}
