"""Property tests of the parser and the formatter on random and mutated text.

(a) the parser never raises: any text gives a ``ParseResult`` with a pathway or
at least one diagnostic, and every diagnostic points inside the file;
(b) ``format_source`` is idempotent and keeps the meaning of every valid pathway
that ``tests/strategies.py`` draws.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import LEXER_ALPHABET, LEXER_WORDS, mutated_sources, pathway_sources

from carepath.dsl.formatter import format_source, same_meaning
from carepath.dsl.parser import ParseResult, parse
from carepath.dsl.suppress import comment_start

FILE = "random.cpath"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_result(text: str, result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert result.pathway is not None or result.diagnostics
    lines = (text if text.endswith("\n") else text + "\n").split("\n")
    for d in result.diagnostics:
        assert d.span.file == FILE
        assert 1 <= d.span.line <= len(lines), (d, len(lines))
        assert d.span.line <= d.span.end_line <= len(lines), d
        assert d.span.column >= 1 and d.span.end_column >= 1, d
        # The column is on the line, or just past its end (an end-of-line problem).
        assert d.span.column <= len(lines[d.span.line - 1]) + 1, (d, lines[d.span.line - 1])
        assert d.message


@SETTINGS
@given(st.text(LEXER_ALPHABET, max_size=200))
def test_parser_never_raises_on_random_characters(text: str) -> None:
    _check_result(text, parse(text, FILE))


@SETTINGS
@given(st.lists(LEXER_WORDS, max_size=40).map(" ".join))
def test_parser_never_raises_on_random_words(text: str) -> None:
    _check_result(text, parse(text, FILE))


@SETTINGS
@given(mutated_sources())
def test_parser_never_raises_on_mutated_pathways(text: str) -> None:
    _check_result(text, parse(text, FILE))


def test_long_operator_chains_are_a_diagnostic_not_a_crash() -> None:
    # A flat `n + n + ...` becomes a left-nested AST one level per operator; later
    # stages walk it recursively, so the parser's depth limit must count it.
    from carepath.compiler.check import check_text

    chain = " + ".join(["n"] * 3000)
    text = f'pathway p "P"\ninput n: integer\ndefine s = {chain}\nstart e\nend e "E"\n'
    assert [d.code for d in parse(text, FILE).diagnostics] == ["CP005"]
    assert [d.code for d in check_text(text, FILE).diagnostics] == ["CP005"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_sources(allow_cycles=True))
def test_format_is_idempotent_and_keeps_the_meaning(text: str) -> None:
    once = format_source(text, FILE)
    assert format_source(once, FILE) == once
    before, after = parse(text, FILE), parse(once, FILE)
    assert before.pathway is not None and after.pathway is not None
    assert same_meaning(before.pathway, after.pathway)

    # Every comment survives, in the same order.
    def comments(source: str) -> list[str]:
        found = []
        for line in source.split("\n"):
            start = comment_start(line)
            if start is not None:
                found.append(line[start:].rstrip())
        return found

    kept = comments(once)
    for comment in comments(text):
        assert comment in kept


@st.composite
def _sprinkled(draw: st.DrawFn) -> str:
    """A valid pathway with comment lines and blank lines inserted anywhere they may go."""
    lines = draw(pathway_sources(allow_cycles=True)).split("\n")
    for _ in range(draw(st.integers(1, 8))):
        spots = [i for i in range(len(lines) + 1) if i == 0 or not lines[i - 1].endswith("\\")]
        at = draw(st.sampled_from(spots))
        indent = " " * draw(st.integers(0, 6))
        text = draw(st.sampled_from(["", "# note", "#", "# carepath: ignore[CP203]", '# "q" #']))
        lines.insert(at, indent + text if text else "")
    return "\n".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_sprinkled())
def test_format_is_idempotent_with_comments_and_blank_lines_anywhere(text: str) -> None:
    once = format_source(text, FILE)
    assert format_source(once, FILE) == once


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_sources(comments=False, messy=False))
def test_format_of_plain_pathways_has_canonical_layout(text: str) -> None:
    once = format_source(text, FILE)
    for line in once.split("\n"):
        assert line == line.rstrip()
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 and "\t" not in line[:indent]
    assert once.endswith("\n") and not once.endswith("\n\n")
    assert "\n\n\n" not in once


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_sources(ignores=True))
def test_format_keeps_every_finding_and_every_suppression(text: str) -> None:
    # `# carepath: ignore[...]` comments stay on the line of the statement they
    # silence, so no finding appears or disappears -- except that a statement
    # joined onto one line is silenced as a whole by the ignore comment it carries.
    import re
    from collections import Counter

    from carepath.compiler.check import check_text

    formatted = format_source(text, FILE)
    before = Counter(d.code for d in check_text(text, FILE).diagnostics)
    after = Counter(d.code for d in check_text(formatted, FILE).diagnostics)
    assert after <= before
    named = set(re.findall(r"CP\d{3}", " ".join(re.findall(r"ignore\[[^\]]*\]", text))))
    assert set(before - after) <= named


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_sources(allow_cycles=True, ignores=True), st.data())
def test_strategies_give_loadable_pathways_and_valid_patients(
    text: str, data: st.DataObject
) -> None:
    # Other suites rely on tests/strategies.py: its pathways load without syntax,
    # name, type or unit errors, and its patients are records the evaluator accepts.
    from fractions import Fraction

    from strategies import patients

    from carepath.compiler import ir
    from carepath.compiler.pathway import load_text

    loaded = load_text(text, FILE)
    assert loaded.pathway is not None
    assert [d for d in loaded.diagnostics if d.code[:3] in ("CP0", "CP1")] == []
    patient = data.draw(patients(loaded.pathway))
    for name, value in patient.items():
        decl = loaded.pathway.inputs[name]
        t = decl.type
        if isinstance(t, ir.BooleanType):
            assert isinstance(value, bool)
        elif isinstance(t, ir.EnumType):
            assert value in t.values
        else:
            assert isinstance(value, Fraction) and isinstance(t, ir.NumberType)
            if decl.low is not None and decl.high is not None:
                assert decl.low <= value <= decl.high
            if t.integer:
                step = t.unit.factor if t.unit else Fraction(1)
                assert (value / step).denominator == 1
