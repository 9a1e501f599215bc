"""After a syntax error the parser goes on: every bad top-level block reports its own
first error in plain words, and the good blocks make a partial AST."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import pathway_sources

from carepath.dsl import ast
from carepath.dsl.parser import MAX_SYNTAX_ERRORS, parse

FILE = "broken.cpath"

THREE_MISTAKES = """\
pathway p "Three independent mistakes"

input pain: one of none, severe "Pain"
input age: integer years 0..120 "Age"

start triage

decision triage "Severe?"
  when pain == severe surgeon
  otherwise -> home

action home "Home care"
  recommend "Rest" cite
  next done

end surgeon Refer

end done "Done"

case "Severe pain goes to the surgeon"
  given pain == severe
  expect end surgeon
"""


def test_every_bad_block_reports_its_own_error_in_plain_words() -> None:
    result = parse(THREE_MISTAKES, FILE)
    found = [(d.code, d.span.line, d.message) for d in result.diagnostics]
    assert found[0] == ("CP001", 9, "missing `->` before the target node")
    assert found[1][:2] == ("CP001", 13)
    assert found[1][2].startswith("unexpected end of line")
    assert found[2] == ("CP001", 16, "the label must be text in double quotes")
    assert found[3] == ("CP001", 21, "a `given` line is `given name = value, name = value`")
    assert len(found) == 4


def test_the_good_blocks_make_a_partial_ast() -> None:
    result = parse(THREE_MISTAKES, FILE)
    assert result.pathway is None
    partial = result.partial
    assert partial is not None
    assert partial.header.id == "p"
    assert [i.id for i in partial.inputs] == ["pain", "age"]
    assert [s.target.id for s in partial.starts] == ["triage"]
    # triage, home and surgeon have errors; the case too.
    assert [n.id for n in partial.nodes] == ["done"]
    assert partial.cases == ()
    # Spans in the partial AST are the file's, not the block's.
    assert partial.nodes[0].span.line == 18


def test_a_valid_file_is_its_own_partial_ast() -> None:
    text = THREE_MISTAKES.replace("severe surgeon", "severe -> surgeon")
    text = text.replace('"Rest" cite', '"Rest"').replace("surgeon Refer", 'surgeon "Refer"')
    text = text.replace("pain == severe\n", "pain = severe\n")
    result = parse(text, FILE)
    assert result.diagnostics == ()
    assert result.pathway is not None and result.partial is result.pathway


def test_an_error_in_the_header_leaves_no_partial_ast_but_the_rest_is_read() -> None:
    text = 'pathway p Untitled\n\nstart a\n\nend a "A"\n  oops\n'
    result = parse(text, FILE)
    assert [(d.span.line, d.message) for d in result.diagnostics] == [
        (1, "the label must be text in double quotes"),
        (6, "unexpected `oops`"),
    ]
    assert result.partial is None


def test_no_header_and_a_second_header() -> None:
    missing = parse('start a\n\nend a "A"\n', FILE)
    assert [(d.span.line, d.message) for d in missing.diagnostics] == [
        (1, 'a file begins with `pathway <id> "<title>"`')
    ]
    assert missing.diagnostics[0].span.end_column == len("start") + 1
    second = parse('pathway p "P"\nstart a\nend a "A"\npathway q "Q"\n', FILE)
    assert [(d.span.line, d.message) for d in second.diagnostics] == [
        (4, "a second `pathway` header: a file holds one pathway")
    ]
    assert second.partial is not None and second.partial.header.id == "p"


def test_a_misplaced_statement_does_not_hide_a_syntax_error_elsewhere() -> None:
    text = (
        'pathway p "P"\nstart d\n'
        'decision d "D?"\n  otherwise -> a\n  otherwise -> b\n'
        'action a "A"\n  next b\n  next b\n'
        'end b "B" extra\n'
    )
    result = parse(text, FILE)
    assert [(d.code, d.span.line) for d in result.diagnostics] == [
        ("CP009", 5),
        ("CP009", 8),
        ("CP001", 9),
    ]


def test_too_deep_an_expression_is_one_block_s_error() -> None:
    deep = "not " * 70 + "a"
    text = f'pathway p "P"\ninput a: boolean "A"\ndefine d = {deep}\ndefine e = a and\nstart x\n'
    result = parse(text, FILE)
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("CP005", 3), ("CP001", 4)]


def test_errors_are_capped() -> None:
    text = 'pathway p "P"\n' + "".join(f"end e{i} Bad\n" for i in range(MAX_SYNTAX_ERRORS + 5))
    result = parse(text, FILE)
    assert len(result.diagnostics) == MAX_SYNTAX_ERRORS


def test_check_prints_every_syntax_error_and_fails(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "three.cpath"
    path.write_text(THREE_MISTAKES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "carepath", "check", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 1
    output = done.stdout + done.stderr
    for line in (9, 13, 16, 21):
        assert f"three.cpath:{line}:" in output


def _top_level_blocks(text: str) -> list[tuple[int, int]]:
    """(first line, last line) of each top-level block, from 1, as written."""
    lines = text.split("\n")
    starts = [
        n for n, line in enumerate(lines, start=1) if line[:1].strip() and not line.startswith("#")
    ]
    ends = [*(s - 1 for s in starts[1:]), len(lines)]
    return list(zip(starts, ends, strict=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_sources(), st.data())
def test_breaking_some_blocks_reports_exactly_those_and_keeps_the_others(
    text: str, data: st.DataObject
) -> None:
    original = parse(text, FILE)
    assert original.pathway is not None
    blocks = _top_level_blocks(text)[1:]  # not the header
    broken = sorted(
        set(data.draw(st.lists(st.integers(0, len(blocks) - 1), min_size=1, max_size=4)))
    )
    lines = text.split("\n")
    # A line no block may hold, right after each chosen block's first line.
    for index in reversed(broken):
        first, _ = blocks[index]
        lines.insert(first, "  ?? not a statement")
    result = parse("\n".join(lines), FILE)
    assert result.pathway is None
    reported = [d.span.line for d in result.diagnostics]
    # The line numbers each inserted line ends up on.
    expected = [blocks[index][0] + 1 + position for position, index in enumerate(broken)]
    assert reported == expected, (reported, expected)
    assert result.partial is not None

    def declared(tree: ast.PathwayFile) -> list[str]:
        return [type(d).__name__ + ":" + getattr(d, "id", "") for d in tree.order]

    kept = declared(result.partial)
    everything = declared(original.pathway)
    dropped = [everything[index] for index in broken]
    remaining = list(everything)
    for name in dropped:
        remaining.remove(name)
    assert kept == remaining


def test_a_missing_header_is_said_even_when_the_first_block_is_broken() -> None:
    result = parse('decision d Q\n  otherwise -> a\nend a "A"\n', FILE)
    assert [(d.span.line, d.message) for d in result.diagnostics] == [
        (1, 'a file begins with `pathway <id> "<title>"`'),
        (1, "the label must be text in double quotes"),
    ]


def test_a_file_with_lone_cr_line_ends_is_read_line_by_line(tmp_path: object) -> None:
    from pathlib import Path

    from carepath.compiler.pathway import load

    path = Path(str(tmp_path)) / "mac.cpath"
    good = 'pathway p "P"\ninput a: boolean "A"\nstart d\ndecision d "A?"\n  when a -> x\n'
    path.write_bytes(
        (good + '  otherwise -> y\nend x "X"\nend y "Y"\n').replace("\n", "\r").encode()
    )
    assert load(path).diagnostics == ()
    path.write_bytes((good + 'end x "X"\nend y Y\n').replace("\n", "\r").encode())
    (problem,) = load(path).diagnostics
    assert problem.span.line == 7


def test_a_block_cut_off_at_the_end_of_the_file_points_inside_the_file() -> None:
    # Found by the mutation fuzz (bench/bench_fuzz.py): the missing indented block at
    # the very end was reported two lines past the end of a four-line file.
    from carepath.dsl.parser import parse

    for text in (
        'pathway p "P"\nstart a\naction a "A"\n  group "G" exactly one',
        'pathway p "P"\nstart a\naction a "A"\n  group "G" exactly one\n\n\n',
    ):
        (d,) = parse(text, "m.cpath").diagnostics
        assert (d.code, d.span.line, d.span.column) == ("CP001", 4, 24)
        assert d.message == "unexpected end of the indented block"
