"""Monthly performance pay from operational KPI items, as the practice defines it:

    actual pay       = base pay + performance pay
    base pay         = last month's average pay x base coefficient (0.5 - 0.8)
    performance pay  = last month's average pay x (1 - base coefficient) x KPI value
    KPI value        = weighted achievement of the scheme's KPI items (graders.service_kpis.kpi_items),
                       clamped to 0.5 - 5

computed per person and month of a cycle, with the health check "if 80 % of staff have a KPI value
below 1, the scheme is unreasonable and must be revised" per month and role. Only role families
whose scheme has `kpi:` items get monthly pay; the others keep the cycle pay of `academy grade`.
Pure functions on DataFrames; vectorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graders.engine.schemes import Scheme
from graders.service_kpis.kpi_items import METRICS

PAY_COLUMNS = ["month", "employee_id", "name", "team", "role_code", "family", "tickets", "kpi",
               "status", "reference_pay", "base_coefficient", "base_pay",
               "performance_coefficient", "performance_pay", "total_pay"]
ITEM_COLUMNS = ["month", "employee_id", "role_code", "metric", "group", "weight", "target",
                "actual", "achievement"]
CHECK_COLUMNS = ["month", "role_code", "family", "staff", "below_one", "share", "level", "message"]
OK, NO_DATA = "ok", "no_data"


def item_definitions(schemes: dict[str, Scheme], roles: pd.DataFrame) -> pd.DataFrame:
    """One row per (role_code, KPI item) for the roles whose family's scheme has KPI items.
    `roles` has columns role_code and family."""
    rows = []
    for role, fam in roles[["role_code", "family"]].drop_duplicates().itertuples(index=False):
        sch = schemes.get(fam)
        if sch is None or sch.kpi is None:
            continue
        for it in sch.kpi.items_for(role):
            col, more = METRICS[it.metric]
            rows.append((role, it.metric, it.group, it.weight, it.target, it.cap, col, more))
    return pd.DataFrame(rows, columns=["role_code", "metric", "group", "weight", "target", "cap",
                                       "column", "more_is_better"])


def item_scores(person_kpis: pd.DataFrame, roster: pd.DataFrame,
                schemes: dict[str, Scheme]) -> pd.DataFrame:
    """Each person's achievement of each KPI item per month (ITEM_COLUMNS).

    `person_kpis` is graders.service_kpis.kpis.kpis(facts, ["employee_id", "month"]); `roster` has
    employee_id, role_code and family."""
    defs = item_definitions(schemes, roster)
    if defs.empty or person_kpis.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    cols = sorted(set(defs["column"]))
    long = person_kpis.melt(id_vars=["employee_id", "month"], value_vars=cols,
                            var_name="column", value_name="actual")
    long = long.merge(roster[["employee_id", "role_code"]], on="employee_id")
    m = long.merge(defs, on=["role_code", "column"])
    actual = m["actual"].astype(float)
    target = m["target"].astype(float)
    cap = m["cap"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ach = np.where(m["more_is_better"], actual / target,
                       np.where(actual > 0, target / actual, cap))
    m["achievement"] = np.minimum(ach, cap)
    m.loc[actual.isna(), "achievement"] = np.nan
    return m[ITEM_COLUMNS].sort_values(["month", "employee_id", "metric"]).reset_index(drop=True)


def kpi_values(items: pd.DataFrame, schemes: dict[str, Scheme],
               roster: pd.DataFrame) -> pd.DataFrame:
    """KPI value per person and month: weighted achievement over the items with data, clamped
    to the scheme's pay.kpi_min .. kpi_max."""
    if items.empty:
        return pd.DataFrame(columns=["employee_id", "month", "kpi_raw", "kpi"])
    have = items["achievement"].notna()
    w = items["weight"].where(have, 0.0)
    frame = items[["employee_id", "month"]].assign(
        ws=(w * items["achievement"].fillna(0.0)), w=w)
    g = frame.groupby(["employee_id", "month"], sort=True).sum().reset_index()
    g["kpi_raw"] = g["ws"] / g["w"].where(g["w"] > 0)
    fam = g["employee_id"].map(roster.set_index("employee_id")["family"])
    lo = fam.map({f: s.pay.kpi_min for f, s in schemes.items()}).astype(float)
    hi = fam.map({f: s.pay.kpi_max for f, s in schemes.items()}).astype(float)
    g["kpi"] = g["kpi_raw"].clip(lower=lo, upper=hi).round(4)
    return g[["employee_id", "month", "kpi_raw", "kpi"]]


def monthly_pay(person_kpis: pd.DataFrame, roster: pd.DataFrame, schemes: dict[str, Scheme],
                months: list[str], reference_pay: pd.Series | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(pay, items, checks) for every active person of a family with KPI items, every month.

    `roster` has employee_id, name, team, role_code, family; `reference_pay` is last month's
    average pay by employee id (the scheme's `pay.reference_pay` where absent)."""
    with_kpi = [f for f, s in schemes.items() if s.kpi is not None]
    people = roster[roster["family"].isin(with_kpi)].reset_index(drop=True)
    pk = person_kpis[person_kpis["month"].isin(months)] if len(person_kpis) else person_kpis
    items = item_scores(pk, people, schemes)
    values = kpi_values(items, schemes, people)
    grid = pd.MultiIndex.from_product([months, people["employee_id"]],
                                      names=["month", "employee_id"]).to_frame(index=False)
    pay = grid.merge(people[["employee_id", "name", "team", "role_code", "family"]],
                     on="employee_id", how="left")
    pay = pay.merge(values, on=["employee_id", "month"], how="left")
    if len(pk):
        pay = pay.merge(pk[["employee_id", "month", "tickets"]], on=["employee_id", "month"],
                        how="left")
    else:
        pay["tickets"] = 0
    pay["tickets"] = pay["tickets"].fillna(0).astype(int)
    pay["status"] = np.where(pay["kpi"].notna(), OK, NO_DATA)
    fam = pay["family"]
    default_ref = fam.map({f: s.pay.reference_pay for f, s in schemes.items()}).astype(float)
    ref = pay["employee_id"].map(reference_pay).astype(float) if reference_pay is not None \
        else pd.Series(np.nan, index=pay.index)
    pay["reference_pay"] = ref.fillna(default_ref)
    pay["base_coefficient"] = fam.map({f: s.pay.base_coefficient for f, s in schemes.items()})
    pay["performance_coefficient"] = 1 - pay["base_coefficient"]
    pay["base_pay"] = (pay["reference_pay"] * pay["base_coefficient"]).round(2)
    pay["performance_pay"] = (pay["reference_pay"] * pay["performance_coefficient"]
                              * pay["kpi"]).round(2)
    pay["total_pay"] = pay["base_pay"] + pay["performance_pay"]
    pay = pay.sort_values(["month", "team", "employee_id"], kind="stable").reset_index(drop=True)
    return pay[PAY_COLUMNS], items, health_checks(pay, schemes)


def health_checks(pay: pd.DataFrame, schemes: dict[str, Scheme]) -> pd.DataFrame:
    """Per month and role: the share of staff (with a KPI value) below 1; at or above the
    scheme's health_share (80 %) the scheme is unreasonable and must be revised."""
    have = pay[pay["kpi"].notna()]
    if have.empty:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    g = have.assign(below=have["kpi"] < 1).groupby(["month", "role_code", "family"], sort=True)
    out = g.agg(staff=("employee_id", "size"), below_one=("below", "sum")).reset_index()
    out["share"] = out["below_one"] / out["staff"]
    limit = out["family"].map({f: s.pay.health_share for f, s in schemes.items()}).astype(float)
    revise = out["share"] >= limit
    out["level"] = np.where(revise, "revise", "ok")
    out["message"] = [
        f"{m} {r}: {b} of {n} staff ({s:.0%}) have a KPI value below 1"
        + (f" - at least {lim:.0%}: the KPI scheme is unreasonable and must be revised"
           if rv else "")
        for m, r, b, n, s, lim, rv in zip(out["month"], out["role_code"], out["below_one"],
                                          out["staff"], out["share"], limit, revise)]
    return out[CHECK_COLUMNS]
