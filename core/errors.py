"""Errors a user can act on. The command line prints them without a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class AcademyError(Exception):
    """A mistake in the user's input or set-up, with a message that says what to do."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in an input file, located by file, row and column.

    `row` is the row number a spreadsheet program shows (the header is row 1);
    `column` is the column's header as written in the file, `letter` its spreadsheet letter.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    letter: str | None = None
    #: "row" for tables (column = header), "line" for YAML files (column = field path)
    unit: str = "row"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"{self.unit} {self.row}")
        if self.column is not None:
            col = f'{"field" if self.unit == "line" else "column"} "{self.column}"'
            if self.letter:
                col += f" ({self.letter})"
            where.append(col)
        return ", ".join(where) + f": {self.message}"


class ProblemsError(AcademyError):
    """An input was rejected as a whole; every problem found is listed."""

    def __init__(self, problems: list[Problem], what: str = "input"):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or ""))
        self.what = what
        super().__init__(self.summary())

    #: problems listed in the message; the rest are counted (all stay in `.problems`)
    SHOWN = 50

    def summary(self) -> str:
        n = len(self.problems)
        head = f"{self.what} rejected: {n} problem{'s' if n != 1 else ''}; nothing was written."
        lines = [head, *(f"  {p}" for p in self.problems[: self.SHOWN])]
        if n > self.SHOWN:
            lines.append(f"  ... and {n - self.SHOWN:,} more problems not shown "
                         f"({n:,} in all; the first {self.SHOWN} are listed above)")
        return "\n".join(lines)
