"""``carepath audit`` as text: counts and shares, the inputs missing most, the rows
a person should look at, and adherence when the data records what was done."""

from __future__ import annotations

from collections.abc import Sequence

from carepath.compiler.audit.counts import AuditResult
from carepath.render.printable import printable


def share(n: int, of: int) -> str:
    return f"{100 * n / of:.1f}%" if of else "-"


def _table(rows: Sequence[tuple[str, ...]], indent: str = "  ") -> list[str]:
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append(indent + "  ".join(cells).rstrip())
    return lines


def settings_text(settings: Sequence[tuple[str, str, bool]]) -> str:
    """``mrsa_prevalence = 10 % (default), formulary = restricted (--set)``"""
    return ", ".join(
        f"{name} = {written} ({'default' if is_default else '--set'})"
        for name, written, is_default in settings
    )


def audit_text(result: AuditResult, limit: int = 10) -> str:
    total = result.rows
    lines = [
        f"{result.pathway}: {result.title}",
        f"audited {total:,} patient{'s' if total != 1 else ''} from {result.source} "
        f"on {result.engine}",
    ]
    if result.settings:
        lines.append("settings " + settings_text(result.settings))
    lines += [
        "",
        "status",
    ]
    lines += _table([(s, f"{n:,}", share(n, total)) for s, n in result.statuses.items()])
    lines += ["", "outcomes"]
    lines += _table([(o, f"{n:,}", share(n, total)) for o, n in result.outcomes.items()])
    lines += ["", "branches (share of the patients at the decision)"]
    rows: list[tuple[str, ...]] = []
    for b in result.branches:
        at = result.nodes.get(b.decision, 0)
        rows.append(
            (
                f"{b.decision} -> {b.target}  ({b.condition})",
                f"{b.patients:,}",
                share(b.patients, at),
            )
        )
    lines += _table(rows)
    lines += ["", "recommendations (given; undetermined for lack of data)"]
    rows = []
    for item in result.items:
        extra = f"{item.undetermined:,} undetermined" if item.undetermined else ""
        rows.append(
            (
                f"{item.id}  {item.kind} {_short(item.text)}",
                f"{item.given:,}",
                share(item.given, total),
                extra,
            )
        )
    lines += _table(rows)
    if result.needs:
        lines += ["", "inputs missing most (patients whose evaluation waits for them)"]
        ranked = sorted(result.needs.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        lines += _table([(name, f"{n:,}", share(n, total)) for name, n in ranked])
    if result.problems:
        lines += ["", "invalid rows (not evaluated)"]
        lines += _table([(p, f"{n:,}", share(n, total)) for p, n in result.problems.items()])
    if result.listed:
        lines += ["", f"rows to look at (first of each; by {result.row_label})"]
        for row in result.listed:
            lines.append(
                f"  {result.row_label} {row.row}: {row.status}"
                + (f" ({row.problem})" if row.problem else "")
            )
    if result.adherence:
        lines += ["", "adherence (done_ columns)"]
        rows = [
            ("item", "eligible+done", "eligible, not done", "not recorded", "done, not eligible")
        ]
        for a in result.adherence:
            rows.append(
                (
                    f"{a.id}  {a.kind} {_short(a.text)}",
                    f"{a.eligible_received:,}",
                    f"{a.eligible_not_received:,}",
                    f"{a.eligible_unrecorded:,}",
                    f"{a.ineligible_received:,}",
                )
            )
        lines += _table(rows)
        lines.append("  (the SQL that selects each group: --format json or html)")
    return "".join(printable(line) + "\n" for line in lines)


def _short(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
