"""The VS Code extension's TextMate grammar, run as VS Code runs it (vscode-textmate
and Oniguruma from npm, under Node): every token of every pathway in the repository
gets a scope, and the scope agrees with what the language's own lexer (Lark's, as
the parser drives it) says the token is."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lark import Lark, Token, UnexpectedInput
from lark.indenter import DedentError

from carepath.dsl.parser import PathwayIndenter, parse

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "carepath.tmLanguage.json"
TOKENIZE = ROOT / "tests" / "node" / "tokenize.mjs"
# Every pathway whose characters the language accepts (syntax goldens that test an
# unexpected character, CP002, hold one on purpose).
PATHWAYS = sorted(
    path
    for path in [*ROOT.glob("pathways/**/*.cpath"), *ROOT.glob("tests/**/*.cpath")]
    if not any(
        d.code == "CP002"
        for d in parse(path.read_text(encoding="utf-8", errors="replace"), "x").diagnostics
    )
)

Scoped = tuple[int, int, str, list[str]]  # line, column (from 1, characters), text, scopes


@cache
def _tokenized() -> dict[str, list[Scoped]]:
    node = shutil.which("node")
    assert node is not None, "Node.js runs the TextMate grammar test (make setup installs it)"
    assert (TOKENIZE.parent / "node_modules" / "vscode-textmate").exists(), (
        "run `make setup` (npm ci --prefix tests/node)"
    )
    done = subprocess.run(
        [node, str(TOKENIZE), str(GRAMMAR), *map(str, PATHWAYS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found: dict[str, list[Any]] = json.loads(done.stdout)
    return {file: [tuple(t) for t in tokens] for file, tokens in found.items()}  # type: ignore[misc]


@cache
def _lark_with_tokens() -> tuple[Lark, list[Token]]:
    """The pathway grammar as the parser reads it (LALR, contextual lexer, layout),
    recording every token the lexer hands the parser."""
    seen: list[Token] = []
    grammar = (ROOT / "dsl" / "pathway.lark").read_text(encoding="utf-8")
    probe = Lark(grammar, parser="lalr", start=["start", "fragment"], postlex=PathwayIndenter())

    def keep(token: Token) -> Token:
        seen.append(token)
        return token

    callbacks = {t.name: keep for t in probe.terminals}
    lark = Lark(
        grammar,
        parser="lalr",
        start=["start", "fragment"],
        postlex=PathwayIndenter(),
        lexer_callbacks=callbacks,
    )
    return lark, seen


def _lark_tokens(text: str) -> list[Token]:
    lark, seen = _lark_with_tokens()
    seen.clear()
    # A golden with an error: the tokens read up to it are still checked.
    with contextlib.suppress(UnexpectedInput, DedentError):
        lark.parse(text if text.endswith("\n") else text + "\n", start="start")
    layout = ("_NL", "COMMENT")
    return [t for t in seen if t.type not in layout and not t.type.startswith("__IGNORE")]


# What a TextMate scope must start with, for each kind of token the language has.
_EXPECTED = {
    "STRING": ("string.quoted",),
    "NUMBER": ("constant.numeric",),
    "INT": ("constant.numeric",),
    "DATE": ("constant.numeric.date",),
    "UNIT": ("keyword.other.unit",),
    "NAME": ("variable.", "entity.name.", "constant.language.", "keyword.", "support."),
    "COMPARATOR": ("keyword.operator.comparison",),
    "MINUS": ("keyword.operator",),
    "ADD_OP": ("keyword.operator",),
    "MUL_OP": ("keyword.operator",),
}
_KEYWORD_SCOPES = ("keyword.", "storage.", "support.type", "constant.language")
_PUNCTUATION = ("punctuation.", "keyword.operator.")


def _scope_at(tokens: list[Scoped], line: int, column: int) -> list[str]:
    for t_line, t_column, text, scopes in tokens:
        if t_line == line and t_column <= column < t_column + len(text):
            return scopes
    return []


def test_there_are_pathways_to_tokenize() -> None:
    assert len(PATHWAYS) > 100


@pytest.mark.parametrize("path", PATHWAYS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_token_is_scoped_as_the_language_reads_it(path: Path) -> None:
    tokens = _tokenized()[str(path)]
    unscoped = [
        (line, text) for line, _, text, scopes in tokens if text.strip() and len(scopes) < 2
    ]
    assert unscoped == []
    wrong = []
    for token in _lark_tokens(path.read_text(encoding="utf-8")):
        if token.line is None or token.column is None:
            continue  # a layout token
        scopes = _scope_at(tokens, token.line, token.column)
        innermost = scopes[-1] if scopes else ""
        if token.type in _EXPECTED:
            wanted = _EXPECTED[token.type]
        elif re.fullmatch(r"[A-Za-z][A-Za-z \t]*", token.value):
            wanted = _KEYWORD_SCOPES  # a keyword (`exactly one` too): never a plain name
        else:
            wanted = _PUNCTUATION
        if not innermost.startswith(wanted):
            wrong.append((token.line, token.column, token.type, token.value, innermost))
    assert wrong == []


def test_the_extension_declares_the_language_and_the_grammar() -> None:
    manifest = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text("utf-8"))
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "carepath" and language["extensions"] == [".cpath"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar["scopeName"] == json.loads(GRAMMAR.read_text("utf-8"))["scopeName"]
    assert (ROOT / "editors" / "vscode" / grammar["path"]).resolve() == GRAMMAR
    configuration = json.loads(
        (ROOT / "editors" / "vscode" / language["configuration"]).read_text("utf-8")
    )
    assert configuration["comments"]["lineComment"] == "#"
