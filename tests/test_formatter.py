"""``carepath.dsl.formatter``: the canonical layout, comments, escapes, precedence,
idempotence, and refusal when the text cannot be formatted safely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carepath.dsl.formatter import (
    FormatRefused,
    expression,
    format_source,
    quote,
    same_meaning,
    verify,
)
from carepath.dsl.parser import parse

DATA = Path(__file__).parent / "data"
HEAD = """\
pathway p "P"

input a: boolean
input b: boolean
input n: integer
input k: one of x, y

start d

"""


def fmt(text: str) -> str:
    return format_source(text, "f.cpath")


def guards(*lines: str) -> str:
    """Format a decision with these ``when`` lines; return its formatted guard lines."""
    body = "".join(f"  when {line} -> e\n" for line in lines)
    out = fmt(HEAD + 'decision d "D"\n' + body + "\nend e\n")
    return "\n".join(
        line.removeprefix("  when ").removesuffix(" -> e")
        for line in out.split("\n")
        if line.startswith("  when ")
    )


def test_sample_is_formatted_canonically_and_idempotently() -> None:
    text = (DATA / "fmt_sample.cpath").read_text(encoding="utf-8")
    expected = (DATA / "fmt_sample.formatted.cpath").read_text(encoding="utf-8")
    assert fmt(text) == expected
    assert fmt(expected) == expected


def test_canonical_file_is_unchanged() -> None:
    text = (DATA / "fmt_sample.formatted.cpath").read_text(encoding="utf-8")
    assert fmt(text) == text


def test_spacing_indentation_and_blank_lines() -> None:
    messy = (
        'pathway\tp   "P"\n'
        '    version    "1"\n'
        "    status draft\n\n\n\n"
        'reference r "R"   year 2020\n'
        "input   a :boolean\n"
        'input n:integer years 0 .. 120   "Age"\n'
        "define s=count of(a,n>=65)\n"
        "start    d\n"
        'decision d "D" unique\n'
        "    when a->e\n"
        "    otherwise->e\n"
        "end e\n"
    )
    assert fmt(messy) == (
        'pathway p "P"\n'
        '  version "1"\n'
        "  status draft\n"
        "\n"
        'reference r "R" year 2020\n'
        "\n"
        "input a: boolean\n"
        'input n: integer years 0..120 "Age"\n'
        "define s = count of (a, n >= 65)\n"
        "\n"
        "start d\n"
        "\n"
        'decision d "D"\n'
        "  when a -> e\n"
        "  otherwise -> e\n"
        "\n"
        "end e\n"
    )


def test_header_fields_in_canonical_order_and_authors_on_one_line() -> None:
    text = (
        'pathway p "P"\n  reviewed 2026-01-02\n  author "A"\n  version "2"\n  author "B"\n'
        "start e\nend e\n"
    )
    assert fmt(text).split("\n")[:4] == [
        'pathway p "P"',
        '  version "2"',
        '  author "A", "B"',
        "  reviewed 2026-01-02",
    ]


def test_blank_lines_written_inside_a_group_are_kept_as_one() -> None:
    text = HEAD.replace("input n", "\n\n\ninput n") + "end d\n"
    out = fmt(text)
    assert "input b: boolean\n\ninput n: integer\ninput k" in out
    assert "\n\n\n" not in out


def test_precedence_keeps_needed_parentheses_and_drops_the_rest() -> None:
    # Plus two for readers: `and` inside `or`, and a comparison under `not`.
    assert guards(
        "((a)) and (b or not a)",
        "not ( not a)",
        "(n - (n - 1)) * (2 + n) / -(-n) > ((n))",
        "(n+1)*2<=3",
        "(a or b) or (a and b)",
        "- n * 2 > 0 and -(n * 2) > 0",
        "not (a and b) or not a",
        "(a == b) == (n > 1)",
        "a or b and not n > 1",
        "not k in {x} and not n is known",
    ).split("\n") == [
        "a and (b or not a)",
        "not not a",
        "(n - (n - 1)) * (2 + n) / -(-n) > n",
        "(n + 1) * 2 <= 3",
        "(a or b) or (a and b)",
        "-n * 2 > 0 and -(n * 2) > 0",
        "not (a and b) or not a",
        "(a == b) == (n > 1)",
        "a or (b and not (n > 1))",
        "not (k in {x}) and not (n is known)",
    ]


def test_sets_known_quantities_and_scores() -> None:
    assert guards(
        "k  not  in{x,y}",
        "(n) is   unknown",
        "n   >=   6  years",
        "points of(2 if a,-1 if b,0.5 if n>3)>1",
    ).split("\n") == [
        "k not in {x, y}",
        "n is unknown",
        "n >= 6 years",
        "points of (2 if a, -1 if b, 0.5 if n > 3) > 1",
    ]


def test_numbers_and_units_stay_as_written() -> None:
    assert guards("n > 007.50 mL/min/{1.73_m2}", "n < 30 /min", "n / 30 > 1").split("\n") == [
        "n > 007.50 mL/min/{1.73_m2}",
        "n < 30 /min",
        "n / 30 > 1",
    ]


def test_strings_are_re_escaped_canonically() -> None:
    text = (
        'pathway p "Tab\\there \\"q\\" back\\\\slash \\u00e9t\\u00E9 \\u0001 日本 🙂"\n'
        '  description "line\\nbreak\\u2028"\n'
        "start e\nend e\n"
    )
    assert fmt(text).split("\n")[:2] == [
        'pathway p "Tab\\there \\"q\\" back\\\\slash été \\u0001 日本 🙂"',
        '  description "line\\nbreak\\u2028"',
    ]
    assert quote('a"b\\c\n\td\x7f') == '"a\\"b\\\\c\\n\\td\\u007f"'


def test_comments_are_kept_where_they_belong() -> None:
    text = (
        "# file comment\n"
        'pathway p "P"   # header\n'
        "  # above version\n"
        '  version "1"\n'
        "start e\n"
        "# above the end\n"
        "end e\n"
        '  note "x"    #   spaced\n'
        "    # closing the block\n"
        "\n"
        "# end of file\n"
    )
    assert fmt(text) == (
        "# file comment\n"
        'pathway p "P"  # header\n'
        "  # above version\n"
        '  version "1"\n'
        "\n"
        "start e\n"
        "\n"
        "# above the end\n"
        "end e\n"
        '  note "x"  #   spaced\n'
        "  # closing the block\n"
        "\n"
        "# end of file\n"
    )


def test_comments_inside_a_statement_move_above_it() -> None:
    text = HEAD + "define s = count of (a,  # first\n    b)  # second\nend d\n"
    out = fmt(text)
    assert "# first\ndefine s = count of (a, b)  # second\n" in out


def test_ignore_comment_stays_on_the_statement_line() -> None:
    text = HEAD + (
        'action d "D"\n'
        '  avoid "v"   # why\n'
        "    cite r  # carepath: ignore[CP104]\n"
        "    when a\n"
        "  next e  # carepath: ignore[CP201]\n"
        "end e\n"
    )
    out = fmt(text)
    assert '  # why\n  avoid "v" cite r when a  # carepath: ignore[CP104]\n' in out
    assert "  next e  # carepath: ignore[CP201]\n" in out


def test_two_ignore_comments_on_one_statement_are_merged() -> None:
    text = HEAD + (
        'action d "D"\n'
        '  avoid "v" cite r  # carepath: ignore[CP104]\n'
        "    when a  # carepath: ignore[CP999, CP104]\n"
        "end e\n"
    )
    out = fmt(text)
    assert '  avoid "v" cite r when a  # carepath: ignore[CP104, CP999]\n' in out
    # The originals are kept above, word for word.
    assert "  # carepath: ignore[CP104]\n  # carepath: ignore[CP999, CP104]\n" in out


def test_long_items_put_each_attribute_on_its_own_line() -> None:
    long_text = "Calcium 1000-1200 mg/day and vitamin D 800 IU/day with a review of falls"
    text = HEAD + (
        f'action d "D"\n  recommend "{long_text}" when a cite r strength strong\n'
        '  consider "short" when b\n    cite r\nend e\n'
    )
    out = fmt(text)
    assert f'  recommend "{long_text}"\n    cite r\n    strength strong\n    when a\n' in out
    assert '  consider "short" cite r when b\n' in out


def test_body_statements_in_canonical_order() -> None:
    text = HEAD + (
        'action d "D"\n  next e\n  cite r\n  note "n"\n  recommend "x"\n  cite s\n'
        'end e\ncase "c"\n  expect end e\n  given a = true\n'
    )
    out = fmt(text)
    assert 'action d "D"\n  recommend "x"\n  note "n"\n  cite r, s\n  next e\n' in out
    assert 'case "c"\n  given a = true\n  expect end e\n' in out


def test_first_policy_is_kept_and_unique_is_implied() -> None:
    text = (
        HEAD + 'decision d "D" first\n  when a -> e\ndecision f "F" unique\n  when a -> e\nend e\n'
    )
    out = fmt(text)
    assert 'decision d "D" first\n' in out and 'decision f "F"\n' in out


def test_crlf_bom_tabs_and_missing_final_newline() -> None:
    assert fmt('\ufeffpathway p "P"\r\n\tversion "1"  # v\r\nstart e\r\nend e') == (
        'pathway p "P"\n  version "1"  # v\n\nstart e\n\nend e\n'
    )


def test_syntax_errors_are_refused_with_their_diagnostics() -> None:
    with pytest.raises(FormatRefused) as refused:
        fmt('pathway p "P"\nstart\nend e\n')
    assert [d.code for d in refused.value.diagnostics] == ["CP001"]
    assert refused.value.diagnostics[0].span.line == 2


def test_empty_file_is_refused() -> None:
    with pytest.raises(FormatRefused) as refused:
        fmt("\n\n")
    assert refused.value.diagnostics[0].code == "CP001"


def test_same_meaning_ignores_spans_but_not_content() -> None:
    a = parse('pathway p "P"\nstart e\nend e\n', "a").pathway
    b = parse('pathway p "P"\n\n\nstart   e\n\nend e\n', "b").pathway
    c = parse('pathway p "P"\nstart e\nend e "E"\n', "a").pathway
    assert same_meaning(a, b)
    assert not same_meaning(a, c)


def test_expression_printer_round_trips_operator_chains() -> None:
    # Left-associative chains: a - b - c keeps no parentheses, a - (b - c) keeps them.
    text = guards("n - n - n > 0", "n - (n - n) > 0", "n / (n * n) > 0", "n * n / n > 0")
    assert text.split("\n") == [
        "n - n - n > 0",
        "n - (n - n) > 0",
        "n / (n * n) > 0",
        "n * n / n > 0",
    ]
    tree = parse(HEAD + 'decision d "D"\n  when n - (n - n) > 0 -> e\nend e\n', "x").pathway
    assert tree is not None
    decision = tree.nodes[0]
    assert expression(decision.branches[0].guard) == "n - (n - n) > 0"  # type: ignore[attr-defined]


def test_long_sums_are_formatted_without_recursion() -> None:
    chain = " + ".join(["n"] * 60)
    out = fmt(HEAD + f"define s = {chain}\nend d\n")
    assert f"define s = {chain}\n" in out


def test_sums_too_long_for_later_stages_are_refused_with_cp005() -> None:
    chain = " + ".join(["n"] * 3000)
    with pytest.raises(FormatRefused) as refused:
        fmt(HEAD + f"define s = {chain}\nend d\n")
    assert [d.code for d in refused.value.diagnostics] == ["CP005"]


def test_verify_refuses_a_changed_meaning_a_lost_comment_or_broken_syntax() -> None:
    text = 'pathway p "P"  # keep me\nstart e\nend e "E"\n'
    verify(text, 'pathway p "P"  # keep me\n\nstart e\n\nend e "E"\n', "f.cpath")
    cases = {
        'pathway p "P"  # keep me\nstart e\nend e "F"\n': "change the meaning",
        'pathway p "P"\nstart e\nend e "E"\n': "lose the comment '# keep me'",
        'pathway p "P"  # keep me\nstart\nend e "E"\n': "break the syntax of this file (line 2",
    }
    for formatted, message in cases.items():
        with pytest.raises(FormatRefused) as refused:
            verify(text, formatted, "f.cpath")
        (diagnostic,) = refused.value.diagnostics
        assert diagnostic.code == "CP010"
        assert message in diagnostic.message


_EXPECT = re.compile(r"#\s*expect:\s*((?:CP\d+\s*)+)")


def _expected(text: str) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(text.split("\n"), start=1):
        match = _EXPECT.search(line)
        if match:
            found.update((number, code) for code in match.group(1).split())
    return found


def _found(text: str, file: str) -> set[tuple[int, str]]:
    from carepath.compiler.check import check_text

    return {(d.span.line, d.code) for d in check_text(text, file).diagnostics}


def test_formatting_golden_files_keeps_each_expectation_on_its_line() -> None:
    # Trailing comments stay on their statement: a golden file that passes keeps
    # passing once formatted.
    checked = 0
    for path in sorted((Path(__file__).parent / "golden").rglob("*.cpath")):
        text = path.read_text(encoding="utf-8")
        if _found(text, str(path)) != _expected(text):
            continue  # someone's work in progress; not the formatter's business
        try:
            formatted = fmt(text)
        except FormatRefused:
            continue  # syntax-error goldens
        assert _found(formatted, str(path)) == _expected(formatted), path
        checked += 1
    assert checked >= 10


def test_an_ignore_comment_on_its_own_line_never_starts_to_silence() -> None:
    text = HEAD + ('action d "D"\n  avoid "v"\n    # carepath: ignore[CP104]\n    cite r\nend e\n')
    out = fmt(text)
    assert '  # carepath: ignore[CP104]\n  avoid "v" cite r\n' in out


def test_blank_lines_between_comments_above_a_statement_are_kept() -> None:
    text = (
        "# Copyright: the authors\n\n\n"
        'pathway p "P"\n'
        "start e\n\n"
        "# ---- nodes\n\n"
        "# The end.\n"
        "end e\n"
    )
    assert fmt(text) == (
        "# Copyright: the authors\n\n"
        'pathway p "P"\n\n'
        "start e\n\n"
        "# ---- nodes\n\n"
        "# The end.\n"
        "end e\n"
    )
