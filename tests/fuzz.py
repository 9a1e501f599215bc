"""Mutations of real pathway files, and the one pipeline every mutant must survive.

Used by tests/test_fuzz.py (a bounded run in the suite) and bench/bench_fuzz.py (a
long run whose figures go in the notes). A mutant is a repository pathway with
bytes flipped, inserted or deleted, tokens deleted, duplicated or swapped, or the
file cut short. The pipeline is what a user runs on a file: read it, check it,
format it, and, when it loads, draw it (DOT, Mermaid) and build its HTML page.
It must never raise: every problem is a diagnostic that points inside the file.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(
    p
    for p in [*ROOT.glob("pathways/**/*.cpath"), *ROOT.glob("tests/**/*.cpath")]
    if p.stat().st_size < 64 * 1024
)
KINDS = ("flip", "insert", "delete", "token-delete", "token-duplicate", "token-swap", "cut")
_NOISE = b'\x00\xff\r\n\t "#\\{}()<>=-.:,' + bytes(range(0x41, 0x5B))


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    """``data`` with one mutation of ``kind``."""
    if not data:
        return data
    at = rng.randrange(len(data))
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if kind == "insert":
        noise = bytes(rng.choice(_NOISE) for _ in range(rng.randint(1, 4)))
        return data[:at] + noise + data[at:]
    if kind == "delete":
        return data[:at] + data[at + rng.randint(1, 16) :]
    if kind == "cut":
        return data[:at]
    return _token_mutation(data, kind, rng)


def _token_mutation(data: bytes, kind: str, rng: random.Random) -> bytes:
    from carepath.dsl.parser import iter_tokens

    text = data.decode("utf-8", "replace")
    try:
        tokens = [t for t in iter_tokens(text) if t.start_pos is not None and t.end_pos]
    except Exception:  # the lexer stops at a character it has no token for
        tokens = []
    if len(tokens) < 2:
        return data
    a, b = rng.sample(tokens, 2)
    if kind == "token-delete":
        text = text[: a.start_pos] + text[a.end_pos :]
    elif kind == "token-duplicate":
        text = text[: a.end_pos] + " " + text[a.start_pos : a.end_pos] + text[a.end_pos :]
    else:
        first, second = sorted((a, b), key=lambda t: t.start_pos or 0)
        if (first.end_pos or 0) > (second.start_pos or 0):
            return data
        text = (
            text[: first.start_pos]
            + text[second.start_pos : second.end_pos]
            + text[first.end_pos : second.start_pos]
            + text[first.start_pos : first.end_pos]
            + text[second.end_pos :]
        )
    return text.encode("utf-8")


def survive(data: bytes, name: str = "mutant.cpath") -> str:
    """Run the pipeline on ``data``; what it came to (for the figures). Raises (an
    AssertionError or whatever the bug is) when carepath misbehaves."""
    from carepath.compiler.pathway import load_text
    from carepath.dsl.files import read_source
    from carepath.dsl.formatter import FormatRefused, format_source
    from carepath.findings import check_one
    from carepath.render.dot import to_dot
    from carepath.render.html import Page, environment, render_page
    from carepath.render.mermaid import to_mermaid

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        text, problem = read_source(path)
    if text is None:
        assert problem is not None and problem.code in ("CP007", "CP008"), problem
        return "unreadable"
    lines = text.split("\n")
    found = check_one(text, name)
    for d in found:
        assert 1 <= d.span.line <= len(lines) + 1, d
        assert d.message, d
    try:
        formatted = format_source(text, name)
    except FormatRefused as refused:
        assert refused.diagnostics
    else:
        assert format_source(formatted, name) == formatted, "fmt is not idempotent"
    loaded = load_text(text, name)
    if loaded.pathway is None or any(d.severity >= d.severity.ERROR for d in loaded.diagnostics):
        return "refused"
    assert to_dot(loaded.pathway).startswith("digraph")
    assert "flowchart TD" in to_mermaid(loaded.pathway)
    page = Page(name, "mutant", dataclasses.replace(loaded, diagnostics=found))
    assert "<html" in render_page(environment(), page, lambda p, d: "<svg></svg>")
    return "loaded"
