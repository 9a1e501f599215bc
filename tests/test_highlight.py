"""The Pygments lexer: every pathway in the repository lexes without an error token,
keywords and names get their kinds, and the HTML page shows the source with line
anchors the check report links to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String

from carepath.dsl.parser import parse
from carepath.render.highlight import CarepathLexer, highlight_html

ROOT = Path(__file__).resolve().parent.parent


# Every pathway file here whose characters the language's own lexer accepts (the
# syntax goldens that test an unexpected character, CP002, are meant to hold one).
def _characters_accepted(text: str) -> bool:
    return not any(d.code == "CP002" for d in parse(text, "x").diagnostics)


PATHWAYS = sorted(
    path
    for path in [*ROOT.glob("pathways/**/*.cpath"), *ROOT.glob("tests/**/*.cpath")]
    if _characters_accepted(path.read_text(encoding="utf-8", errors="replace"))
)
_FENCE = re.compile(r"```carepath\n(.*?)```", re.S)
DOC_BLOCKS = [
    (doc.name, n, block)
    for doc in sorted((ROOT / "docs").glob("*.md"))
    for n, block in enumerate(_FENCE.findall(doc.read_text(encoding="utf-8")))
    if _characters_accepted(block)
]


def test_there_is_plenty_to_lex() -> None:
    assert len(PATHWAYS) > 100 and len(DOC_BLOCKS) > 5


@pytest.mark.parametrize("path", PATHWAYS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_error_token_in_a_pathway_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    errors = [v for t, v in CarepathLexer().get_tokens(text) if t is Error]
    assert errors == []


@pytest.mark.parametrize(("doc", "n", "block"), DOC_BLOCKS, ids=lambda v: str(v)[:20])
def test_no_error_token_in_the_docs(doc: str, n: int, block: str) -> None:
    errors = [v for t, v in CarepathLexer().get_tokens(block) if t is Error]
    assert errors == [], (doc, n)


def test_an_unexpected_character_is_an_error_token() -> None:
    tokens = list(CarepathLexer().get_tokens("when a; b -> c\n"))
    assert [v for t, v in tokens if t is Error] == [";"]


def test_tokens_have_their_kinds() -> None:
    text = (
        'pathway p "P \\"quoted\\""\n'
        "input sbp: decimal mm[Hg] 0..300\n"
        'decision d "Q" first\n'
        "  when sbp > 180 mm[Hg] and count of (a, b) >= 2 -> high  # carepath: ignore[CP203]\n"
        "  otherwise -> low\n"
        'case "c"\n'
        "  expect path d, low\n"
    )
    kinds = {(v, t) for t, v in CarepathLexer().get_tokens(text) if v.strip()}
    for value, kind in [
        ("pathway", Keyword.Namespace),
        ('\\"', String.Escape),
        ("input", Keyword.Declaration),
        ("sbp", Name.Variable),
        ("decimal", Keyword.Type),
        ("mm[Hg]", Name.Builtin),
        ("first", Keyword.Pseudo),
        ("180", Number),
        ("count of", Operator.Word),
        ("and", Operator.Word),
        ("high", Name.Function),
        ("# carepath: ignore[CP203]", Comment.Special),
        ("low", Name.Function),
        ("d", Name.Function),
    ]:
        assert (value, kind) in kinds, (value, kind)


def test_pygments_finds_the_lexer_by_name_and_by_file() -> None:
    assert isinstance(get_lexer_by_name("carepath"), CarepathLexer)
    assert isinstance(get_lexer_for_filename("back_pain.cpath"), CarepathLexer)


def test_source_html_escapes_and_anchors_every_line() -> None:
    html = highlight_html('pathway p "<script>alert(1)</script>"\nstart a\nend a "A"\n')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert re.findall(r'id="L-(\d+)"', html) == ["1", "2", "3"]
