"""The demo's service operations: a ticket export of the demo company (two quarters up to today,
with office hours, night calls, weekends, a few missed commitments and complaints), imported through
`academy tickets import`'s own code, and the open cycle's monthly pay sheet exported."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.orm import Session


def step_tickets(ctx) -> None:
    """academy.demo step: write the export, import it, export the pay sheet."""
    from academy.synthetic.tickets import make_tickets, write_ticket_export
    from core.cycles import current_cycle
    from graders.engine.schemes import home_schemes
    from graders.service_kpis.config import load_operations
    from graders.service_kpis.export import write_pay_workbook
    from graders.service_kpis.kpis import months_between
    from graders.sources.operations import (
        cycle_months,
        cycle_pay,
        load_operations_kpis,
        staff_frame,
    )
    from graders.tickets import import_tickets

    now = min(datetime.now().replace(second=0, microsecond=0),
              datetime.combine(ctx.today, time(17, 0)))
    # from the start of the previous quarter
    first = datetime(ctx.today.year - (ctx.today.month <= 3),
                     (ctx.today.month - 4) % 12 // 3 * 3 + 1, 1)
    months = months_between(first, now)
    with Session(ctx.home.engine) as s:
        staff = staff_frame(s)
    tickets = make_tickets(staff, months, ctx.seed, now)
    tickets = ctx.extras.get("adjust_tickets", lambda t: t)(tickets)  # academy.demo_impact
    path = write_ticket_export(tickets, ctx.home.imports_dir / "service_tickets_timed.csv")
    with Session(ctx.home.engine) as s, s.begin():
        res = import_tickets(s, path, "demo manager", load_operations(ctx.home.assessments_dir))
    note = (f"tickets: {res.rows} from {path.name} ({res.months[0]} to {res.months[-1]}), "
            f"{res.extra['open']} still open, {res.extra['complaints']} complaints")
    with Session(ctx.home.engine) as s:
        cycle = current_cycle(s, ctx.today)
        if cycle is not None:
            ops = load_operations_kpis(s, cycle_months(cycle))
            pay, items, checks = cycle_pay(s, cycle, home_schemes(ctx.home), None, ops)
            out = ctx.home.exports_dir / f"pay_{cycle.name}.xlsx"
            write_pay_workbook(out, pay, items, checks, ops.people, ops.teams, ops.breaches,
                               ctx.home.settings.locale)
            note += (f"; {len(ops.breaches)} missed commitments; monthly pay of {cycle.name} "
                     f"exported to {out.relative_to(ctx.home.root)}")
    ctx.notes.append(note)
