"""Query rows into a DataFrame quickly.

`pandas.DataFrame(session.execute(q).all())` hands pandas SQLAlchemy `Row` objects, which pandas
probes attribute by attribute (each probe a failed lookup inside SQLAlchemy): about six times
slower than the same rows as plain tuples (0.43 s against 0.07 s for 60,000 rows of ten
columns). `frame` gives pandas tuples; the frame is the same (values, dtypes, order).
"""

from __future__ import annotations

import pandas as pd


def frame(rows, columns: list[str]) -> pd.DataFrame:
    """The rows of a query result (any iterable of rows) as a DataFrame with `columns`."""
    return pd.DataFrame(list(map(tuple, rows)), columns=columns)


def insert_frame(session, table, frame: pd.DataFrame, **constants) -> int:
    """Insert every row of `frame` (and the `constants`, the same in each row) into `table` (a
    Table or a mapped class) as the ORM's insert would, in frame order; returns the rows written.

    One executemany of plain tuples through the driver: SQLAlchemy's own insert of a list of
    dicts processes every value of every row in Python (about half of storing a 100,000-staff
    grade run). Values go through each column's own bind processor where the column type has
    one (JSON, dates, booleans on SQLite), so the stored values are the ORM's; missing columns
    get their scalar Python default; NaN and NA are stored as NULL (as JSON's null in a JSON
    column, as the ORM stores None there).
    """
    table = getattr(table, "__table__", table)
    if frame.empty:
        return 0
    f = frame.astype(object).where(frame.notna(), None)
    for name, value in constants.items():
        f[name] = value
    for col in table.columns:
        if col.name not in f.columns and col.default is not None and col.default.is_scalar:
            f[col.name] = col.default.arg
    names = [c for c in f.columns if c in table.columns]
    unknown = [c for c in f.columns if c not in table.columns]
    if unknown:
        raise KeyError(f"{table.name} has no column(s) {unknown}")
    conn = session.connection()
    dialect = conn.dialect
    columns = []
    for name in names:
        values = f[name].tolist()
        kind = table.columns[name].type
        proc = kind._cached_bind_processor(dialect)
        if proc is not None:
            if getattr(kind, "none_as_null", True):
                values = [None if v is None else proc(v) for v in values]
            else:  # JSON keeps Python's None as the JSON text null, as the ORM writes it
                values = [proc(v) for v in values]
        columns.append(values)
    rows = list(zip(*columns))
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join([mark] * len(names))})")
    conn.exec_driver_sql(sql, rows)
    return len(rows)
