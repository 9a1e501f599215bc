"""Pathway source highlighted: a Pygments lexer for the pathway language, and the
source as HTML with a numbered anchor per line (``#L12``) for the HTML page.

The lexer is registered as a Pygments plugin (``pygments.lexers`` entry point,
alias ``carepath``), so Sphinx, MkDocs and ``pygmentize -l carepath`` highlight
pathway files too. It colours; it does not check: a line the grammar refuses may
still be coloured, and ``carepath check`` says what is wrong with it.

>>> from pygments.token import Error
>>> tokens = list(CarepathLexer().get_tokens('when age >= 65 years -> old  # a comment\\n'))
>>> [(str(t), v) for t, v in tokens if v.strip()][:6]  # doctest: +NORMALIZE_WHITESPACE
[('Token.Keyword', 'when'), ('Token.Name.Variable', 'age'), ('Token.Operator', '>='),
 ('Token.Literal.Number', '65'), ('Token.Name.Builtin', 'years'), ('Token.Operator', '->')]
>>> any(t is Error for t, _ in tokens)
False
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, default, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# As the grammar's UNIT terminal (dsl/pathway.lark), after a number.
_UNIT = (
    r"(?:[A-Za-z%µ][A-Za-z0-9%µ_\[\]]*|\[[A-Za-z_]+\][A-Za-z0-9_]*|10[*^][0-9]+)"
    r"(?:/(?:[A-Za-z0-9%µ_\[\]]+|\{[^}\s]*\}))*|/[A-Za-z%µ\[][A-Za-z0-9%µ_\[\]]*"
)
# Words that follow a number without being its unit.
_NOT_UNITS = r"(?:and|or|if|in|is|not|between|then)\b"

_BLOCK_WORDS = (
    "when",
    "otherwise",
    "next",
    "note",
    "cite",
    "recommend",
    "consider",
    "avoid",
    "group",
    "given",
    "expect",
    "recommends",
    "needs",
    "incomplete",
    "path",
    "strength",
    "default",
    "year",
    "url",
    "grade",
    "publisher",
    "version",
    "status",
    "population",
    "author",
    "reviewed",
    "description",
)
_OPERATOR_WORDS = ("and", "or", "not", "in", "is", "known", "unknown", "between", "of", "if")
_TYPES = ("boolean", "integer", "decimal", "duration", "one")
_POLICIES = ("first", "unique", "any")


class CarepathLexer(RegexLexer):  # type: ignore[misc]  # pygments has no type hints
    """The carepath pathway language (``.cpath``)."""

    name = "carepath"
    aliases: ClassVar[list[str]] = ["carepath", "cpath"]
    filenames: ClassVar[list[str]] = ["*.cpath"]
    mimetypes: ClassVar[list[str]] = ["text/x-carepath"]
    url = "https://github.com/carepath/carepath"

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"[ \t\f]+", Whitespace),
            (r"\n", Whitespace),
            (r"\\[ \t\f]*\r?\n", Text),  # a line continued on the next
            (r"#\s*carepath:[^\n]*", Comment.Special),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (
                rf"^(decision|action|end)([ \t]+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Function),
            ),
            (
                rf"^(input|setting|define)([ \t]+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Variable),
            ),
            (
                rf"^(reference)([ \t]+)({_NAME})",
                bygroups(Keyword.Declaration, Whitespace, Name.Label),
            ),
            (
                rf"^(pathway)([ \t]+)({_NAME})",
                bygroups(Keyword.Namespace, Whitespace, Name.Namespace),
            ),
            (rf"^(start)([ \t]+)({_NAME})", bygroups(Keyword, Whitespace, Name.Function)),
            (r"^(case)\b", Keyword.Declaration),
            (rf"(->|\bnext|\bend)([ \t]+)({_NAME})", bygroups(Operator, Whitespace, Name.Function)),
            (r"(\bcite)([ \t]+)", bygroups(Keyword, Whitespace), "citations"),
            (r"(\bpath)([ \t]+)", bygroups(Keyword, Whitespace), "nodes"),
            (
                r"\b(?:exactly|at[ \t]+least|at[ \t]+most)[ \t]+one\b",
                Keyword.Pseudo,
            ),
            (r"\b(?:count|points)[ \t]+of\b", Operator.Word),
            (
                rf"\b(integer|decimal)([ \t]+)(?!-|\d+(?![\d*^]))({_UNIT})",
                bygroups(Keyword.Type, Whitespace, Name.Builtin),
            ),
            (words(_POLICIES, suffix=r"\b"), Keyword.Pseudo),
            (words(_TYPES, suffix=r"\b"), Keyword.Type),
            (words(_OPERATOR_WORDS, prefix=r"\b", suffix=r"\b"), Operator.Word),
            (words(_BLOCK_WORDS, prefix=r"\b", suffix=r"\b"), Keyword),
            (words(("true", "false"), prefix=r"\b", suffix=r"\b"), Keyword.Constant),
            (r"\d{4}-\d{2}-\d{2}\b", String.Other),
            (
                rf"(\d+(?:\.\d+)?)([ \t]*)(?!{_NOT_UNITS})({_UNIT})",
                bygroups(Number, Whitespace, Name.Builtin),
            ),
            (r"\d+(?:\.\d+)?", Number),
            (r"->|<=|>=|==|!=|<|>|\.\.|[-+*/=]", Operator),
            (r"[(){},:]", Punctuation),
            (_NAME, Name.Variable),
        ],
        "string": [
            (r'\\(?:["\\n]|u[0-9A-Fa-f]{4})', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\\.", String.Escape),  # not an escape the language knows: check says so
            (r"\n", Whitespace, "#pop"),  # unterminated: check says so
        ],
        "citations": [
            (_NAME, Name.Label),
            (r"[ \t]*,[ \t]*", Punctuation),
            default("#pop"),
        ],
        "nodes": [
            (_NAME, Name.Function),
            (r"[ \t]*,[ \t]*", Punctuation),
            default("#pop"),
        ],
    }


def highlight_html(source: str) -> str:
    """``source`` as an HTML ``<div class="source">``: escaped, coloured by CSS classes
    (see :func:`css`), one ``<span id="L12">`` anchor per line."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(cssclass="source", linenos="inline", lineanchors="L", wrapcode=True)
    return str(highlight(source, CarepathLexer(), formatter))


def css() -> str:
    """The colours for :func:`highlight_html`, scoped to ``.source``."""
    from pygments.formatters import HtmlFormatter

    text: str = HtmlFormatter(style="default").get_style_defs(".source")
    return text
