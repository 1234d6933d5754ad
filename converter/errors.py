"""One exception hierarchy for the converter; every error names where it happened.

A table's problems are gathered, not raised one by one: the reader and the model add each
:class:`InputError` to the table's :class:`Problems`, which places it (the row's 事業No; in
a workbook the sheet and the cell) and, once the whole table is read, raises them together
as :class:`TableProblems`, grouped by row, Japanese first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class ConverterError(Exception):
    """Base class. ``str(error)`` is a message a person can act on.

    The exit code of each class is the command line's business (``converter.cli.EXIT_CODES``):
    this one, and any class not named there, is 3.
    """


class InputError(ConverterError):
    """The input table or configuration is wrong: names the file, row and column.

    In a workbook it also names the sheet and the cell (``S12``); ``project`` is the row's
    事業No as typed. ``problem`` reads "Japanese / English". Exit code 2.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        project: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.sheet = sheet
        self.cell = cell
        self.project = project
        super().__init__(self.__str__())

    def located(self, **where: object) -> InputError:
        """A copy with the given location fields set (the others kept)."""
        fields = {name: getattr(self, name) for name in _LOCATION}
        fields.update(where)
        return InputError(self.problem, **fields)

    def where(self, *, row: bool = True, sheet: bool = True) -> str:
        """The place as "Japanese / English", without the file ("" when none); ``row`` and
        ``sheet`` false leave out what a report's row heading already says."""
        ja, en = [], []
        if sheet and self.sheet:
            ja.append(f"シート「{self.sheet}」")
            en.append(f"sheet {self.sheet}")
        if self.cell:
            ja.append(f"セル {self.cell}")
            en.append(f"cell {self.cell}")
        elif row and self.row is not None:
            ja.append(f"{self.row}行目")
            en.append(f"row {self.row}")
        if self.column:
            ja.append(f"列「{self.column}」")
            en.append(f"column {self.column}")
        if row and self.project:
            ja.append(f"事業No {self.project}")
            en.append(f"project {self.project}")
        return f"{' '.join(ja)} / {', '.join(en)}" if ja else ""

    def __str__(self) -> str:
        place = self.where()
        if self.file and place:
            return f"{self.file}: {place}: {self.problem}"
        if self.file or place:
            return f"{self.file or place}: {self.problem}"
        return self.problem


_LOCATION = ("file", "row", "column", "sheet", "cell", "project")
MAX_REPORTED = 500  # a table that is wrong everywhere: the first 500 say enough


class TableProblems(InputError):
    """Every problem of one table, raised once the whole table has been read."""

    def __init__(self, file: str, problems: list[InputError]) -> None:
        self.problems = problems
        super().__init__(_report(file, problems), file=file)

    def __str__(self) -> str:
        return self.problem


def _report(file: str, problems: list[InputError]) -> str:
    """The problems grouped by row (the table's own ones first), Japanese first."""
    groups: dict[tuple[str, int], list[InputError]] = {}
    for problem in problems:
        groups.setdefault((problem.sheet or "", problem.row or 0), []).append(problem)
    rows = sum(1 for _, row in groups if row)
    lines = [
        f"{file}: 問題が {len(problems)} 件あります（{rows} 行）。すべて直すまで何も公開されません"
        f" / {len(problems)} problem(s) in {rows} row(s); nothing is published until every "
        "one is fixed"
    ]
    shown = 0
    for (sheet, row), group in sorted(groups.items(), key=lambda item: item[0][1]):
        lines.append("  " + _heading(group[0], sheet, row))
        for problem in sorted(group, key=_column_order):
            if shown == MAX_REPORTED:
                break
            place = problem.where(row=False, sheet=not row)
            text = f"{place}: {problem.problem}" if place else problem.problem
            lines.append(f"    - {text}")
            shown += 1
    if shown < len(problems):
        more = len(problems) - shown
        lines.append(f"  …ほか {more} 件 / … and {more} more")
    return "\n".join(lines)


def _column_order(problem: InputError) -> tuple[int, str]:
    """Left to right within a row: by the cell's column letters (a CSV keeps its order)."""
    letters = "".join(c for c in (problem.cell or "") if c.isalpha())
    return (len(letters), letters) if letters and ":" not in (problem.cell or "") else (0, "")


def _heading(first: InputError, sheet: str, row: int) -> str:
    """ "シート「入力」 12行目（事業No 10） / sheet 入力, row 12 (project 10)"."""
    if not row:
        return "表全体 / the whole table"
    ja = f"シート「{sheet}」 {row}行目" if sheet else f"{row}行目"
    en = f"sheet {sheet}, row {row}" if sheet else f"row {row}"
    if first.project:
        ja += f"（事業No {first.project}）"
        en += f" (project {first.project})"
    return f"{ja} / {en}"


@dataclass
class Problems:
    """The problems of one table, gathered while it is read, each placed for its reader.

    ``projects`` maps a table row to its 事業No as typed; a workbook also sets ``sheet``,
    ``sheet_rows`` (table row → sheet row) and ``letters`` (column heading → letters).
    """

    file: str
    found: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    projects: dict[int, str] = field(default_factory=dict)
    sheet: str | None = None
    sheet_rows: dict[int, int] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    _seen: set[tuple[int | None, str | None]] = field(default_factory=set)

    def place(self, error: InputError) -> InputError:
        """``error`` located as the reader sees it: file, sheet, cell and 事業No."""
        where: dict[str, object] = {"file": error.file or self.file}
        if error.row is not None:
            if error.project is None and error.row in self.projects:
                where["project"] = self.projects[error.row]
            if self.sheet is not None:
                where["sheet"] = self.sheet
                row = self.sheet_rows.get(error.row, error.row)
                where["row"] = row
                if error.column in self.letters and error.cell is None:
                    where["cell"] = f"{self.letters[error.column]}{row}"
        return error.located(**where)

    @property
    def errors(self) -> list[InputError]:
        """The problems so far, each placed (once the reader knows rows and cells)."""
        return [self.place(error) for error in self.found]

    def add(self, error: InputError) -> None:
        """Keep ``error`` (the first problem of a cell only: later ones follow from it)."""
        key = (error.row, error.column)
        if error.row is not None and key in self._seen:
            return
        self._seen.add(key)
        self.found.append(error)

    def warn(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.warnings.append(str(self.place(InputError(message, row=row, column=column))))

    @contextmanager
    def gather(self) -> Iterator[None]:
        """Run a check; an :class:`InputError` it raises is kept instead of propagated."""
        try:
            yield
        except TableProblems:
            raise
        except InputError as error:
            self.add(error)

    def check(self, function: Callable[..., object], *args: object, **kwargs: object) -> object:
        """``function(*args, **kwargs)``, or None when it raised an :class:`InputError`."""
        with self.gather():
            return function(*args, **kwargs)
        return None

    def raise_if_any(self) -> None:
        """:raises TableProblems: every problem gathered, grouped by row."""
        if self.found:
            raise TableProblems(self.file, self.errors)


def no_problems(file: str, rows: int) -> str:
    """The explicit line for a table without problems."""
    return f"{file}: 問題はありません（{rows} 行） / no problems ({rows} rows)"


class ValueParseError(ValueError):
    """A printed KPI value is not a number the converter understands (no location yet)."""


class ValidationFailed(ConverterError):
    """The graph does not conform to the SHACL shapes; nothing was published (exit code 1)."""

    def __init__(self, report_text: str, violations: int) -> None:
        self.report_text = report_text
        self.violations = violations
        super().__init__(f"SHACL: {violations} violation(s); nothing was published\n{report_text}")


class NotXmlText(ValueError):
    """An answer holds a character XML 1.0 cannot carry, so it has no XML form (see
    :mod:`converter.xmltext`); ``char`` is the first such character."""

    def __init__(self, char: str) -> None:
        self.char = char
        super().__init__(
            f"this answer holds U+{ord(char):04X}, a character XML 1.0 cannot carry; ask for "
            "JSON or Turtle (or another format that is not XML) / この回答には XML 1.0 で表せない"
            f"文字（U+{ord(char):04X}）が含まれます。JSON か Turtle などを指定してください"
        )
