"""Plain-words messages for syntax errors.

A parse failure is matched against a table of labelled bad snippets (as Lark's
``match_examples`` does): when the parser fails in the same state as one of these,
the user reads the label, not "Unexpected token RARROW".
"""

from __future__ import annotations

from collections.abc import Iterable

from lark import UnexpectedInput, UnexpectedToken
from lark.lexer import TerminalDef

_HEAD = 'pathway p "P"\n'

# label -> snippets that fail in the state the label describes.
EXAMPLES: dict[str, list[str]] = {
    "missing `->` before the target node": [
        _HEAD + 'decision d "Q?"\n  when a b\n',
        _HEAD + 'decision d "Q?"\n  when a < 5 weeks b\n',
        _HEAD + 'decision d "Q?"\n  when a < 5 b\n',
        _HEAD + 'decision d "Q?"\n  when a\n',
        _HEAD + 'decision d "Q?"\n  when a == b\n',
        _HEAD + 'decision d "Q?"\n  when a == b c\n',
        _HEAD + 'decision d "Q?"\n  when a and b c\n',
        _HEAD + 'decision d "Q?"\n  when a < 5 weeks\n',
    ],
    "`otherwise` is written `otherwise -> node`": [
        _HEAD + 'decision d "Q?"\n  otherwise b\n',
        _HEAD + 'decision d "Q?"\n  otherwise\n',
    ],
    "a `when` needs a condition before `->`": [
        _HEAD + 'decision d "Q?"\n  when -> b\n',
    ],
    "use `==` to compare a value (`=` only assigns values in a `given` line)": [
        _HEAD + 'decision d "Q?"\n  when a = b -> c\n',
        _HEAD + 'action a "A"\n  recommend "x" when a = b\n',
    ],
    "there is no null in carepath: missing data is unknown; write `x is unknown` "
    "(or `x is known`)": [
        _HEAD + 'decision d "Q?"\n  when a is null -> b\n',
        _HEAD + 'decision d "Q?"\n  when a is not null -> b\n',
        _HEAD + 'action a "A"\n  recommend "x" when a is null\n',
    ],
    "`in {…}` lists values of an enumeration; for numbers compare them "
    "(`x == 0 or x == 1`, `0 <= x <= 1`, `x between 0 and 1`)": [
        _HEAD + 'decision d "Q?"\n  when a in {0, 1} -> b\n',
        _HEAD + 'decision d "Q?"\n  when a in {v, 1} -> b\n',
        _HEAD + 'decision d "Q?"\n  when a not in {0} -> b\n',
    ],
    # A name where a branch should begin: the `when` label unless it is `else`.
    "a branch begins with `when` (`when condition -> node`)": [
        _HEAD + 'decision d "Q?"\n  if a -> b\n',
        _HEAD + 'decision d "Q?"\n  when a -> c\n  if a -> b\n',
    ],
    "a decision's last branch is written `otherwise -> node` (not `else`)": [
        _HEAD + 'decision d "Q?"\n  else -> b\n',
        _HEAD + 'decision d "Q?"\n  when a -> c\n  else -> b\n',
        _HEAD + 'decision d "Q?"\n  else b\n',
    ],
    "the label must be text in double quotes": [
        "pathway p Title\n",
        _HEAD + "decision d Q\n",
        _HEAD + "action a Do this\n",
        _HEAD + "end e Done it\n",
        _HEAD + "reference r Title\n",
        _HEAD + "case Name\n",
    ],
    "a decision needs its question in double quotes after its name": [
        _HEAD + "decision d\n",
    ],
    "an action needs its label in double quotes after its name": [
        _HEAD + "action a\n",
    ],
    "missing `:` between the input's name and its type": [
        _HEAD + "input x boolean\n",
        _HEAD + "input x integer\n",
        _HEAD + "input x duration\n",
        _HEAD + "input x decimal\n",
    ],
    "unknown input type: use boolean, one of …, integer, decimal or duration": [
        _HEAD + "input x: string\n",
        _HEAD + "input x: number\n",
        _HEAD + 'input x: "text"\n',
    ],
    "the lines of this block must be indented under its heading": [
        _HEAD + 'decision d "Q?"\nwhen a -> b\n',
        _HEAD + 'action a "A"\nrecommend "x"\n',
        _HEAD + 'case "c"\ngiven a = 1\n',
    ],
    "`when` and `otherwise` belong inside a decision, indented under it": [
        _HEAD + "when a -> b\n",
        _HEAD + "otherwise -> b\n",
    ],
    "recommendations belong inside an action or end node, indented under it": [
        _HEAD + 'recommend "x"\n',
        _HEAD + 'avoid "x"\n',
        _HEAD + 'consider "x"\n',
    ],
    "a `given` line is `given name = value, name = value`": [
        _HEAD + 'case "c"\n  given a\n',
        _HEAD + 'case "c"\n  given a = 1 b = 2\n',
        _HEAD + 'case "c"\n  given a == 1\n',
    ],
    "missing `)`: every `(` needs a matching `)`": [
        _HEAD + 'decision d "Q?"\n  when (a and b -> c\n',
    ],
    'a file begins with `pathway <id> "<title>"`': [
        'decision d "Q?"\n',
        "input x: boolean\n",
        "pathway\n",
    ],
}


# (parser state, acceptable tokens, the token's type, the token) of an error: two
# errors with the same signature happened at the same point of the grammar.
Signature = tuple[int | None, frozenset[str] | None, str | None, str | None]


def signature(error: UnexpectedInput) -> Signature:
    token = getattr(error, "token", None)
    if token is None:
        return _position(error), _accepts(error), None, None
    return _position(error), _accepts(error), token.type, str(token)


def match_label(
    error: Signature,
    examples: Iterable[tuple[str, Signature]],
    block_starts: frozenset[int] = frozenset(),
) -> str | None:
    """The label of the bad snippet whose error looks like this one, if any.

    As Lark's ``match_examples``: the same parser state and the same acceptable
    tokens, and a snippet that failed on the identical token preferred. Where a
    top-level block begins (``block_starts``), only a token of the same kind
    matches: a stray `when` and a stray `{` there are different mistakes. The
    snippets are read as a file is, one top-level block at a time (dsl/parser.py),
    so the state does not depend on the blocks before."""
    position, accepts, kind, token = error
    if position is None:
        return None
    candidate: str | None = None
    for label, (ex_position, ex_accepts, ex_kind, ex_token) in examples:
        if ex_position != position:
            continue
        if accepts is not None and ex_accepts is not None and ex_accepts != accepts:
            continue
        if token is not None and ex_token == token:
            return label
        strict = position in block_starts and kind is not None and ex_kind is not None
        if candidate is None and (not strict or ex_kind == kind):
            candidate = label
    return candidate


def _position(error: UnexpectedInput) -> int | None:
    state = getattr(error, "state", None)
    position = getattr(state, "position", state)
    return position if isinstance(position, int) else None


def _accepts(error: UnexpectedInput) -> frozenset[str] | None:
    if not isinstance(error, UnexpectedToken):
        return None
    try:
        return frozenset(error.accepts or ())
    except Exception:
        return None


_WORDS = {
    "NAME": "a name",
    "STRING": 'text in double quotes ("…")',
    "NUMBER": "a number",
    "INT": "a whole number",
    "DATE": "a date (YYYY-MM-DD)",
    "UNIT": "a unit",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "COMPARATOR": "a comparison (< <= > >= == !=)",
    "ADD_OP": "+ or -",
    "MUL_OP": "* or /",
    "MINUS": "-",
    "POLICY": "`first` or `unique`",
    "ITEM_KIND": "recommend, consider or avoid",
    "$END": "the end of the file",
}


def expected_words(expected: set[str], terminals: Iterable[TerminalDef]) -> str:
    """``{'NAME', 'STRING'}`` -> ``a name or text in double quotes ("…")``."""
    by_name = {t.name: t for t in terminals}
    words: list[str] = []
    for name in sorted(expected):
        if name in _WORDS:
            words.append(_WORDS[name])
        elif name in by_name and by_name[name].pattern.type == "str":
            words.append(f"`{by_name[name].pattern.value}`")
    words = sorted(set(words))
    if not words:
        return ""
    if len(words) > 8:
        return ", ".join(words[:8]) + " or something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
