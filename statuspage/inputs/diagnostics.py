"""Errors and warnings about input files, each pointing at a file, line and column."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

# How long work reports its progress to whoever shows it: (what, done, total), total 0 when
# not known in advance. The CLI draws it on a terminal (cli/progress.py); library callers
# may pass their own. The one definition every stage uses.
Progress = Callable[[str, int, int], None]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Diagnostic:
    """One problem in one input file; sorts by file, line and column."""

    path: str
    line: int = 1
    column: int = 1
    severity: Severity = field(default=Severity.ERROR, compare=False)
    message: str = field(compare=True)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


@dataclass(slots=True)
class Problems:
    """Collects the diagnostics of one run so that all of them are reported at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, path: str, line: int, column: int, message: str) -> None:
        self.items.append(Diagnostic(path=path, line=line, column=column, message=message))

    def warning(self, path: str, line: int, column: int, message: str) -> None:
        self.items.append(
            Diagnostic(
                path=path, line=line, column=column, severity=Severity.WARNING, message=message
            )
        )

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return sorted(d for d in self.items if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> list[Diagnostic]:
        return sorted(d for d in self.items if d.severity is Severity.WARNING)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)


class StatuspageError(Exception):
    """A user error: reported as one clear message, without a traceback."""


class InputError(StatuspageError):
    """Input files have errors; carries every diagnostic of the run, sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics))
        errors = sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)
        super().__init__(f"{errors} error{'s' if errors != 1 else ''} in the input files")

    def report(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)
