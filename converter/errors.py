"""One exception hierarchy for the converter; every error names where it happened."""

from __future__ import annotations


class ConverterError(Exception):
    """Base class. ``str(error)`` is a message a person can act on."""

    exit_code = 3


class InputError(ConverterError):
    """The input table or configuration is wrong: names the file, row and column."""

    exit_code = 2

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = [
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column}" if self.column else None,
            )
            if part
        ]
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


class ValueParseError(ValueError):
    """A printed KPI value is not a number the converter understands (no location yet)."""


class ValidationFailed(ConverterError):
    """The graph does not conform to the SHACL shapes; nothing was published."""

    exit_code = 1

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
