"""One type for every problem carepath finds, and one registry of their codes.

Every stage reports problems as :class:`Diagnostic` values; every code a
diagnostic can carry is registered once, with the documentation that
``docs/diagnostics.md`` is generated from.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .spans import Span


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= Severity.WARNING`` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Severity:
        return Severity[text.upper()]


@dataclass(frozen=True)
class Code:
    """A kind of problem: what it means, why it matters, a bad and a fixed example."""

    code: str
    severity: Severity
    title: str
    explanation: str
    bad: str
    fixed: str
    category: str


_REGISTRY: dict[str, Code] = {}


def register(
    code: str,
    severity: Severity,
    title: str,
    *,
    category: str,
    explanation: str,
    bad: str,
    fixed: str,
) -> Code:
    """Add a code to the registry; each code is registered exactly once."""
    if code in _REGISTRY:
        raise ValueError(f"diagnostic code {code} registered twice")
    entry = Code(
        code, severity, title, explanation.strip(), bad.strip("\n"), fixed.strip("\n"), category
    )
    _REGISTRY[code] = entry
    return entry


def lookup(code: str) -> Code:
    return _REGISTRY[code]


def registered_codes() -> Mapping[str, Code]:
    return dict(sorted(_REGISTRY.items()))


@dataclass(frozen=True)
class Witness:
    """A concrete patient that shows a logic problem.

    ``patient`` maps input names to values as the author would write them
    (``"10 weeks"``, ``"severe"``, ``"true"``); inputs left out are unknown
    unless ``complete`` says every other input is irrelevant.
    """

    patient: tuple[tuple[str, str], ...]
    path: tuple[str, ...] = ()
    description: str = ""
    # The derived values the path read for this patient (name, value as read).
    derived: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        return dict(self.patient)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    notes: tuple[str, ...] = ()
    witness: Witness | None = None
    related: tuple[tuple[Span, str], ...] = field(default=())

    @property
    def title(self) -> str:
        return lookup(self.code).title

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.column, self.code)


def make(
    code: str,
    message: str,
    span: Span,
    *,
    notes: Iterable[str] = (),
    witness: Witness | None = None,
    related: Iterable[tuple[Span, str]] = (),
    severity: Severity | None = None,
) -> Diagnostic:
    """A diagnostic with the severity its code is registered with."""
    entry = lookup(code)
    return Diagnostic(
        code,
        severity if severity is not None else entry.severity,
        message,
        span,
        tuple(notes),
        witness,
        tuple(related),
    )
