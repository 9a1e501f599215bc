"""A form the language rejects gets a message that says what to write instead."""

from __future__ import annotations

import pytest

from carepath.dsl.parser import parse

HEAD = 'pathway p "P"\ninput a: boolean\ninput x: integer\nstart d\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  when a = true -> b", "use `==` to compare a value"),
        ("  when a is null -> b", "there is no null in carepath"),
        ("  when a is not null -> b", "write `x is unknown` (or `x is known`)"),
        ("  when x in {0, 1} -> b", "for numbers compare them"),
        ("  when a -> b\n  else -> b", "written `otherwise -> node` (not `else`)"),
        ("  if a -> b", "a branch begins with `when`"),
        ("  foo -> b", "a branch begins with `when`"),
        ("  when a b", "missing `->` before the target node"),
        ("  when x == 1 b", "missing `->` before the target node"),
    ],
)
def test_rejected_forms_say_what_to_write(body: str, message: str) -> None:
    text = HEAD + 'decision d "D?"\n' + body + '\nend b "B"\n'
    result = parse(text, "p.cpath")
    assert len(result.diagnostics) == 1, result.diagnostics
    assert message in result.diagnostics[0].message


def test_an_unlabelled_mistake_says_what_was_expected() -> None:
    result = parse(HEAD + 'decision d "D?"\n  when a -> b ,\nend b "B"\n', "p.cpath")
    (diagnostic,) = result.diagnostics
    assert diagnostic.message == "unexpected `,`"
    assert diagnostic.notes and diagnostic.notes[0].startswith("expected")


def test_a_number_too_long_to_compute_with_is_cp013() -> None:
    # Found by a hostile sweep (issue 18): a 5,000-digit threshold reached Python's
    # 4,300-digit conversion limit as an internal error.
    from carepath.compiler.pathway import load_text

    source = (
        'pathway p "P"\ninput x: decimal\nstart d\ndecision d "D?"\n'
        f'  when x > 1{"0" * 5000} -> y\n  otherwise -> n\nend y "Y"\nend n "N"\n'
    )
    loaded = load_text(source, "big.cpath")
    assert [(d.code, d.span.line, d.span.column) for d in loaded.diagnostics] == [("CP013", 5, 12)]
    fine = load_text(source.replace("1" + "0" * 5000, "9" * 40), "ok.cpath")
    assert not fine.diagnostics
