"""Evaluating many patients: JSON Lines or CSV in, JSON Lines or CSV out, streaming.

Rows are read one at a time and results written one at a time, so memory stays
flat however long the file is. Output goes to a temporary file next to the
target and is renamed over it only when every row is done: an interrupted run
never leaves a half-written result file. A bad row (malformed JSON, an unknown
field, a value that does not fit its input) is reported with its line number,
written as ``status: invalid`` and counted; the run goes on.

Evaluation uses the compiled evaluator (generated in memory), which gives the
interpreter's results (the differential tests hold them together) faster.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from carepath.dsl.diagnostics import Diagnostic, make
from carepath.dsl.files import output_target, temporary_beside
from carepath.dsl.spans import Span

from . import codes_eval as _codes  # noqa: F401 - registers the CP4xx codes
from .evaluate import Result, evaluate
from .pathway import Pathway
from .patient import MAX_PATIENT_BYTES, PatientChecker, SettingValues, loads_exact

INVALID = "invalid"
CSV_COLUMNS = (
    "row",
    "status",
    "outcome",
    "path",
    "recommendations",
    "needs",
    "undetermined",
    "message",
)
MAX_REPORTED = 20


@dataclass
class BatchSummary:
    """What a batch run found: counts per status and the first bad rows' problems."""

    rows: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bad_rows: int = 0
    problems: list[Diagnostic] = field(default_factory=list)
    dropped_problems: int = 0

    def count(self, status: str) -> None:
        self.rows += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def exit_code(self) -> int:
        """0 every row complete; 1 some row incomplete (or another status); 2 a bad row."""
        if self.bad_rows:
            return 2
        return 0 if self.statuses.get("complete", 0) == self.rows else 1

    def text(self) -> str:
        parts = [f"{n} {status}" for status, n in sorted(self.statuses.items())]
        return f"evaluated {self.rows} patient{'s' if self.rows != 1 else ''}: " + (
            ", ".join(parts) or "none"
        )


class BatchError(Exception):
    """The batch cannot run at all (unreadable file, bad CSV header)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


# ---------------------------------------------------------------- records


def result_record(result: Result, row: int | None = None, *, texts: bool = True) -> dict[str, Any]:
    """A result as a JSON-ready dict (the shape ``carepath run --format json`` prints).

    ``texts=False`` is a batch row's lean shape: recommendations by item id
    (``node.n``), the texts once in the items table (:func:`items_table`)."""
    record: dict[str, Any] = {} if row is None else {"row": row}
    record.update(
        status=result.status,
        outcome=result.outcome,
        path=list(result.path),
        recommendations=[
            {
                "item": r.item,
                "node": r.node,
                "kind": r.kind,
                "text": r.text,
                "strength": r.strength,
                "citations": list(r.citations),
            }
            if texts
            else r.item
            for r in result.recommendations
        ],
        needs=list(result.needs),
        undetermined=[
            {"item": u.item, "node": u.node, "text": u.text, "needs": list(u.needs)}
            if texts
            else {"item": u.item, "needs": list(u.needs)}
            for u in result.undetermined
        ],
        message=result.message,
    )
    return record


def items_table(pathway: Pathway) -> dict[str, dict[str, Any]]:
    """Every recommendation by its id (``node.n``): what lean batch rows refer to."""
    table: dict[str, dict[str, Any]] = {}
    for node, data in pathway.graph.nodes(data=True):
        for n, item in enumerate(data.get("items", ()), start=1):
            table[f"{node}.{n}"] = {
                "node": node,
                "kind": item.kind,
                "text": item.text,
                "strength": item.strength,
                "citations": list(item.citations),
                "when": item.guard_text,
            }
    return table


def _raw_record(raw: Any, row: int, texts: bool) -> dict[str, Any]:
    """The compiled module's result as the same dict, without building a Result."""
    return {
        "row": row,
        "status": raw.status,
        "outcome": raw.outcome,
        "path": list(raw.path),
        "recommendations": [
            {"item": i, "node": n, "kind": k, "text": t, "strength": s, "citations": list(c)}
            if texts
            else i
            for n, k, t, s, c, i in raw.recommendations
        ],
        "needs": list(raw.needs),
        "undetermined": [
            {"item": i, "node": n, "text": t, "needs": list(x)}
            if texts
            else {"item": i, "needs": list(x)}
            for n, t, x, i in raw.undetermined
        ],
        "message": raw.message,
    }


class _JsonLines:
    """JSON Lines for the compiled module's results, with each recommendation's JSON
    made once: the recommendations are the module's constants, the same for every row
    (the records equal ``json.dumps(_raw_record(...))``)."""

    def __init__(self, texts: bool) -> None:
        self.texts = texts
        self.recs: dict[int, tuple[object, str]] = {}
        self.paths: dict[tuple[str, ...], str] = {}

    def rec(self, rec: tuple[Any, ...]) -> str:
        found = self.recs.get(id(rec))
        if found is None or found[0] is not rec:
            node, kind, text, strength, citations, item = rec
            shown: Any = item
            if self.texts:
                shown = {
                    "item": item,
                    "node": node,
                    "kind": kind,
                    "text": text,
                    "strength": strength,
                    "citations": list(citations),
                }
            found = self.recs[id(rec)] = (rec, json.dumps(shown, ensure_ascii=False))
        return found[1]

    def line(self, raw: Any, row: int) -> str:
        path = self.paths.get(raw.path)
        if path is None:
            path = self.paths[raw.path] = json.dumps(list(raw.path), ensure_ascii=False)
        recs = ", ".join([self.rec(r) for r in raw.recommendations])
        undetermined = json.dumps(
            [
                {"item": i, "node": n, "text": t, "needs": list(x)}
                if self.texts
                else {"item": i, "needs": list(x)}
                for n, t, x, i in raw.undetermined
            ],
            ensure_ascii=False,
        )
        return (
            f'{{"row": {row}, "status": "{raw.status}", "outcome": {json.dumps(raw.outcome)}, '
            f'"path": {path}, "recommendations": [{recs}], "needs": {json.dumps(list(raw.needs))}, '
            f'"undetermined": {undetermined}, "message": '
            f"{json.dumps(raw.message, ensure_ascii=False)}}}\n"
        )


def _invalid_record(row: int, problems: list[Diagnostic]) -> dict[str, Any]:
    return {
        "row": row,
        "status": INVALID,
        "errors": [{"code": d.code, "message": d.message} for d in problems],
    }


def _csv_row(record: dict[str, Any]) -> list[str]:
    if record["status"] == INVALID:
        errors = "; ".join(f"{e['code']}: {e['message']}" for e in record["errors"])
        return [str(record["row"]), INVALID, "", "", "", "", "", errors]
    return [
        str(record["row"]),
        record["status"],
        record["outcome"] or "",
        " > ".join(record["path"]),
        " | ".join(
            f"{r['kind']}: {r['text']}" if isinstance(r, dict) else r
            for r in record["recommendations"]
        ),
        ", ".join(record["needs"]),
        " | ".join(
            f"{u.get('text', u['item'])} (needs {', '.join(u['needs'])})"
            for u in record["undetermined"]
        ),
        record["message"],
    ]


# ---------------------------------------------------------------- reading rows


class _Counting:
    """Lines of a binary file as text, counting the bytes read (for the progress bar)."""

    def __init__(self, handle: IO[bytes], file: str) -> None:
        self.handle = handle
        self.file = file
        self.done = 0

    def __iter__(self) -> Iterator[str]:
        first = True
        number = 0
        # Lines are read with a cap: a file with no line ends (a device such as
        # /dev/zero, a corrupt export) would otherwise be read until memory runs out.
        while raw := self.handle.readline(MAX_PATIENT_BYTES + 1):
            number += 1
            if len(raw) > MAX_PATIENT_BYTES:
                raise BatchError(
                    make(
                        "CP411",
                        f"line {number} of `{self.file}` is longer than "
                        f"{MAX_PATIENT_BYTES // 1024 // 1024} MiB: one record per line",
                        Span.point(self.file, number),
                    )
                )
            self.done += len(raw)
            text = raw.decode("utf-8-sig" if first else "utf-8")
            first = False
            yield text


def _jsonl_rows(lines: Iterator[str], file: str) -> Iterator[tuple[int, Any, Diagnostic | None]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, loads_exact(line), None
        except json.JSONDecodeError as error:
            span = Span.point(file, number, error.colno)
            yield number, None, make("CP401", f"not valid JSON: {error.msg}", span)
        except (ValueError, RecursionError) as error:
            yield number, None, make("CP401", f"not valid JSON: {error}", Span.point(file, number))


def _csv_rows(
    lines: Iterator[str], file: str, pathway: Pathway
) -> Iterator[tuple[int, Any, Diagnostic | None]]:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in pathway.inputs]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if unknown or duplicated:
        from .resolve import did_you_mean

        name = (unknown or duplicated)[0]
        message = (
            f"CSV column `{name}` is not an input of pathway `{pathway.id}`"
            if unknown
            else f"CSV column `{name}` appears twice"
        )
        notes = did_you_mean(name, pathway.inputs) if unknown else ()
        raise BatchError(
            make("CP403" if unknown else "CP409", message, Span.point(file, 1), notes=notes)
        )
    for cells in reader:
        number = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problem = make(
                "CP401",
                f"row has {len(cells)} cells, the header has {len(header)} columns",
                Span.point(file, number),
            )
            yield number, None, problem
            continue
        yield number, dict(zip(header, cells, strict=True)), None


# ---------------------------------------------------------------- the run


def run_batch(
    pathway: Pathway,
    source: str,
    output: IO[str],
    out_format: str = "jsonl",
    *,
    compiled: bool = True,
    progress: Callable[[int, int], None] | None = None,
    on_row: Callable[[int], None] | None = None,
    texts: bool = False,
    settings: SettingValues | None = None,
) -> BatchSummary:
    """Evaluate every row of ``source`` (``.jsonl`` or ``.csv``), writing one result per
    row to ``output``. ``progress(bytes_done, bytes_total)`` is called now and then;
    ``on_row(count)`` after every row (benchmarks measure memory with it).
    Rows name recommendations by item id unless ``texts``: then each carries its
    kind, text, strength and citations, as ``run --format json`` shows them.
    ``settings`` are the pathway's settings in force (None: their defaults)."""
    suffix = Path(source).suffix.lower()
    if suffix not in (".jsonl", ".csv", ".ndjson"):
        raise BatchError(
            make("CP411", f"`{source}`: --batch reads .jsonl or .csv files", Span.point(source, 1))
        )
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below
        total = os.fstat(handle.fileno()).st_size
    except OSError as error:
        raise BatchError(
            make("CP411", f"cannot read `{source}`: {error.strerror}", Span.point(source, 1))
        ) from None
    summary = BatchSummary()
    checker = PatientChecker(pathway, settings)
    module_evaluate = None
    if compiled:
        from .codegen_python import load_module

        module_evaluate = load_module(pathway).evaluate
    writer = csv.writer(output, lineterminator="\n") if out_format == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    cells = suffix == ".csv"
    lines_out = _JsonLines(texts)
    with handle:
        lines = _Counting(handle, source)
        try:
            rows = (
                _csv_rows(iter(lines), source, pathway)
                if cells
                else _jsonl_rows(iter(lines), source)
            )
            for number, data, problem in rows:
                problems = [problem] if problem is not None else []
                record_values = None
                if problem is None:
                    record, problems = checker.check(data, source, line=number, cells=cells)
                    if record is not None:
                        record_values = record.values
                if record_values is None:
                    summary.bad_rows += 1
                    summary.count(INVALID)
                    room = MAX_REPORTED - len(summary.problems)
                    summary.problems.extend(problems[: max(room, 0)])
                    summary.dropped_problems += max(len(problems) - max(room, 0), 0)
                    out: dict[str, Any] | None = _invalid_record(number, problems)
                elif module_evaluate is not None:
                    raw = module_evaluate(record_values, None, False)
                    summary.count(raw.status)
                    if writer is None:
                        output.write(lines_out.line(raw, number))
                        out = None
                    else:
                        out = _raw_record(raw, number, texts)
                else:
                    result = evaluate(pathway, record_values, explain=False)
                    summary.count(result.status)
                    out = result_record(result, number, texts=texts)
                if out is None:
                    pass
                elif writer is not None:
                    writer.writerow(_csv_row(out))
                else:
                    output.write(json.dumps(out, ensure_ascii=False) + "\n")
                if on_row is not None:
                    on_row(summary.rows)
                if progress is not None and summary.rows % 512 == 0:
                    progress(lines.done, total)
        except UnicodeDecodeError as error:
            raise BatchError(
                make(
                    "CP411", f"`{source}` is not UTF-8 text: {error.reason}", Span.point(source, 1)
                )
            ) from None
    if progress is not None:
        progress(total, total)
    return summary


class AtomicOutput:
    """A text file written under a temporary name and renamed into place on success."""

    def __init__(self, path: str) -> None:
        self.target, self.stream = output_target(path)
        self.handle: IO[str]
        if self.stream:
            # A device or FIFO (-o /dev/null, a pipe): written into, never replaced.
            self.handle = open(self.target, "w", encoding="utf-8", newline="")  # noqa: SIM115
            return
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = temporary_beside(self.target)
        self.handle = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def commit(self) -> None:
        self.handle.close()
        if self.stream:
            return
        # mkstemp makes the file private (0600); results get a new file's usual mode.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(self.tmp, 0o666 & ~mask)
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        self.handle.close()
        if not self.stream:
            Path(self.tmp).unlink(missing_ok=True)
