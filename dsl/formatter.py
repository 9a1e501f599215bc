"""The canonical layout of a pathway file (``carepath fmt``).

The formatter prints the AST back, keeps every comment, and proves its work:
it re-parses what it wrote and compares the two ASTs with spans stripped
(:func:`same_meaning`). If they differ, or a line or a comment would be lost,
it refuses (:class:`FormatRefused` with a CP010 diagnostic) instead of handing
back a changed file. Text with syntax errors is refused with those errors.

The layout
----------
- Two spaces per indentation level; no trailing whitespace; ``\\n`` line ends;
  exactly one newline at the end of the file.
- Top level: one blank line between blocks. References form one group, inputs
  and defines another: inside a group there is no blank line, except that a
  blank line the author wrote before a declaration (or its comments) is kept
  (as one). The same holds inside blocks: no blank line after a block's first
  line, at most one where the author put one or more.
- Spacing: one space around ``->``, ``=``, comparison and arithmetic operators
  and after commas; ``x: type``; ``low..high``; ``{a, b}``; ``count of (a, b)``.
  Unary minus sticks to its operand (``-x``; ``-(-x)`` for a double negation).
- Parentheses: where the expression needs them to mean the same thing
  (``(a or b) and c``, ``a - (b - c)``, ``not (a and b)``), and two more for
  readers who do not know the binding rules: around ``and`` inside ``or``
  (``a or (b and c)``) and around a comparison under ``not``
  (``not (age > 65)``). Every other parenthesis is dropped.
- Quoted text is re-escaped the one canonical way: ``\\"``, ``\\\\``, ``\\n``,
  ``\\t``, ``\\uXXXX`` for other control and separator characters; everything
  else (accents, symbols, emoji) is written as itself.
- Numbers, units and ranges are written exactly as the author wrote them.
- Canonical order inside blocks: header fields as version, status, population,
  author (all authors on one line), reviewed, description; decisions list their
  ``when`` branches, then ``otherwise``, notes, ``cite``; actions and ends their
  items, then notes, ``cite`` (one line) and ``next``; cases their ``given``
  lines (grouped as written) then their ``expect`` lines. A ``decision`` gets
  ``first`` only when it uses first-match (``unique`` is the default).
- Items and references: one line, attributes in the order ``cite``,
  ``strength``, ``when`` (references: ``publisher``, ``year``, ``url``,
  ``grade``), when that line fits in 100 columns. Longer ones put each attribute
  on its own line, indented under the item. An item whose lines carry a
  ``# carepath: ignore[...]`` comment always stays on one line, so that the
  suppression keeps covering every part of the item.

Comments
--------
Every comment is kept, word for word (only trailing spaces go).

- A comment at the end of a line stays at the end of its statement's first
  line, two spaces after the code.
- Whole-line comments stay above the statement that follows them, at its
  indentation, blank lines between them kept (as one). Those that close a block
  -- indented deeper than the next statement, or hugging the statement before
  them with a blank line after -- stay after that statement.
- A statement written over several lines (parentheses, a backslash, attribute
  lines) keeps one comment at its end: the ``# carepath: ignore[...]`` comment
  that was in effect, so that it keeps working (several are merged into one and
  also kept above as written), else the comment that ended its first line. The
  others move above it. An ``ignore`` comment that stood on a line of its own
  never moves to the end of a statement: it silenced nothing and must not start
  to.
- Joining an item onto one line means its ``ignore`` comment now covers the
  whole item; nothing that was silenced before is reported after formatting.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import ast
from . import codes as _codes  # noqa: F401 - registers CP010
from .diagnostics import Diagnostic, Severity, make
from .parser import parse
from .spans import Span
from .suppress import code_characters, comment_start

MAX_WIDTH = 100
INDENT = "  "

_IGNORE = re.compile(r"#\s*carepath:\s*ignore\[([A-Z0-9,\s]+)\]")
_WORD = re.compile(r"[A-Za-z_]+")
_HEADS = ("recommend", "consider", "avoid", "reference")


class FormatRefused(Exception):
    """Formatting was refused; ``diagnostics`` says why (syntax errors or CP010)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


# ---------------------------------------------------------------- meaning


def same_meaning(a: object, b: object) -> bool:
    """Whether two ASTs are equal once every source position is ignored.

    Walks both trees side by side without recursion: a long ``a + b + c + ...``
    is a deep tree."""
    stack: list[tuple[object, object]] = [(a, b)]
    while stack:
        x, y = stack.pop()
        if isinstance(x, Span) and isinstance(y, Span):
            continue
        if type(x) is not type(y):
            return False
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            stack.extend((getattr(x, f.name), getattr(y, f.name)) for f in dataclasses.fields(x))
        elif isinstance(x, tuple | list):
            assert isinstance(y, tuple | list)
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif x != y:
            return False
    return True


# ---------------------------------------------------------------- text


def quote(text: str) -> str:
    """``text`` as a quoted string, escaped the canonical way."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch == "\ufeff":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# Binding strength: an operand printed where a stronger level is needed gets parentheses.
_OR, _AND, _NOT, _CMP, _SUM, _PRODUCT, _UNARY, _ATOM = range(1, 9)


def _level(e: ast.Expr) -> int:
    if isinstance(e, ast.Or):
        return _OR
    if isinstance(e, ast.And):
        return _AND
    if isinstance(e, ast.Not):
        return _NOT
    if isinstance(e, ast.Compare | ast.Chain | ast.InSet | ast.IsKnown):
        return _CMP
    if isinstance(e, ast.Arithmetic):
        return _SUM if e.op in "+-" else _PRODUCT
    if isinstance(e, ast.Negate):
        return _UNARY
    return _ATOM


def _wrap(e: ast.Expr, needed: int) -> str:
    text = expression(e)
    return f"({text})" if _level(e) < needed else text


def expression(e: ast.Expr) -> str:
    """An expression in canonical form, with exactly the parentheses it needs."""
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Quantity):
        return e.number + (f" {e.unit}" if e.unit else "")
    if isinstance(e, ast.Or):
        # `a or (b and c)`: the parentheses are not needed by the parser but are
        # by a reader who does not know that `and` binds tighter.
        return " or ".join(_wrap(o, _NOT) for o in e.operands)
    if isinstance(e, ast.And):
        return " and ".join(_wrap(o, _NOT) for o in e.operands)
    if isinstance(e, ast.Not):
        # Likewise `not (age > 65)` rather than `not age > 65`.
        operand = _wrap(e.operand, _NOT)
        return f"not ({operand})" if _level(e.operand) == _CMP else "not " + operand
    if isinstance(e, ast.Compare):
        return f"{_wrap(e.left, _SUM)} {e.op} {_wrap(e.right, _SUM)}"
    if isinstance(e, ast.Chain):
        low, middle, high = (_wrap(x, _SUM) for x in (e.low, e.middle, e.high))
        if e.between:
            return f"{middle} between {low} and {high}"
        return f"{low} {e.ops[0]} {middle} {e.ops[1]} {high}"
    if isinstance(e, ast.InSet):
        values = ", ".join(v.name for v in e.values)
        return f"{_wrap(e.operand, _SUM)} {'not in' if e.negated else 'in'} {{{values}}}"
    if isinstance(e, ast.IsKnown):
        return f"{_wrap(e.operand, _SUM)} is {'unknown' if e.negated else 'known'}"
    if isinstance(e, ast.Arithmetic):
        return _arithmetic(e)
    if isinstance(e, ast.Negate):
        operand = _wrap(e.operand, _UNARY)
        return f"-({operand})" if operand.startswith("-") else f"-{operand}"
    if isinstance(e, ast.CountOf):
        return "count of (" + ", ".join(expression(o) for o in e.operands) + ")"
    if isinstance(e, ast.PointsOf):
        weights = (f"{w.points_text} if {expression(w.condition)}" for w in e.weights)
        return "points of (" + ", ".join(weights) + ")"
    raise TypeError(f"no layout for {type(e).__name__}")


def _arithmetic(e: ast.Arithmetic) -> str:
    # Left-associative chains (a + b + c + ...) are walked without recursion: they
    # can be long.
    level = _level(e)
    tail: list[tuple[str, ast.Expr]] = []
    node: ast.Expr = e
    while isinstance(node, ast.Arithmetic) and _level(node) == level:
        tail.append((node.op, node.right))
        node = node.left
    parts = [_wrap(node, level)]
    for op, right in reversed(tail):
        parts.append(f"{op} {_wrap(right, level + 1)}")
    return " ".join(parts)


# ---------------------------------------------------------------- source lines


@dataclass(eq=False)
class Logical:
    """One statement line of the source: physical lines ``first..last`` (one unless
    continued in parentheses or with a backslash)."""

    first: int
    last: int
    indent: int
    word: str
    leading: list[str] = field(default_factory=list)
    # Comments inside the statement; True for those at the end of a line of code,
    # the only place a `# carepath: ignore[...]` takes effect.
    inner: list[tuple[bool, str]] = field(default_factory=list)
    after: list[tuple[int, str]] = field(default_factory=list)  # (indentation, comment)
    blank_before: bool = False
    owner: object | None = None
    end_comment: str | None = None  # the comment at the end of its last physical line
    # The indentation of the statement it is part of: an item's or a reference's
    # attribute lines belong to the line above them.
    stmt_indent: int = 0


@dataclass
class Source:
    lines: list[str]
    logical: list[Logical]
    trailer: list[str]
    comments: list[str]


def _split_comment(line: str) -> tuple[str, str | None]:
    start = comment_start(line)
    if start is None:
        return line, None
    return line[:start], line[start:].rstrip()


def _paren_change(code: str) -> int:
    return sum(1 if ch in "({" else -1 for _, ch in code_characters(code) if ch in "(){}")


def _indent_of(line: str) -> int:
    # As the parser's indenter counts: spaces, and tabs to the next multiple of 8.
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    return len(lead.expandtabs(8))


def scan(text: str) -> Source:
    """Split the source into statement lines and attach every comment to one.

    Whole-line comments between two statement lines P and N go *after* P when they
    are indented deeper than N (the end of a block), or when they hug P (no blank
    line between P and them, a blank line before N) at P's indentation or deeper
    and N does not open P's block; the rest lead N."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    logical: list[Logical] = []
    comments: list[str] = []
    gap: list[tuple[int, str | None]] = []  # since the last statement line: (indent, comment)
    current: Logical | None = None
    head: Logical | None = None  # the last item or reference line
    depth = 0
    continued = False

    for number, raw in enumerate(lines, start=1):
        code, comment = _split_comment(raw)
        if comment is not None:
            comments.append(comment)
        has_code = bool(code.strip())
        if current is not None and (depth > 0 or continued):
            current.last = number
            current.end_comment = comment
            if comment is not None:
                current.inner.append((has_code, comment))
        elif has_code:
            current = Logical(number, number, _indent_of(raw), _first_word(code))
            current.stmt_indent = current.indent
            if head is not None and current.indent > head.indent:
                current.stmt_indent = head.stmt_indent
            else:
                head = current if current.word in _HEADS else None
            _settle(gap, logical[-1] if logical else None, current)
            gap = []
            logical.append(current)
            current.end_comment = comment
            if comment is not None:
                current.inner.append((True, comment))
        else:
            gap.append((_indent_of(raw), comment))  # a blank line when comment is None
            continue
        depth = max(0, depth + _paren_change(code))
        stripped = code.rstrip(" \t\f")
        continued = comment is None and stripped.endswith("\\")
    trailer: list[str] = []
    _settle(gap, logical[-1] if logical else None, None, trailer)
    return Source(lines, logical, trailer, comments)


def _settle(
    gap: list[tuple[int, str | None]],
    previous: Logical | None,
    following: Logical | None,
    trailer: list[str] | None = None,
) -> None:
    """Hand the whole-line comments between two statement lines to one of them."""
    blanks = [i for i, (_, c) in enumerate(gap) if c is None]
    hugging = len(gap) if not blanks else blanks[0]
    after_blank = bool(blanks) and hugging > 0
    leads: list[str] = []
    last_after = -1
    switched = False
    limit = following.indent if following is not None else 0
    for index, (indent, comment) in enumerate(gap):
        if comment is None:
            continue
        if following is None:
            # The end of the file: comments right under the last statement stay
            # with it; after a blank line they end the file.
            to_previous = previous is not None and not switched and index < hugging
        else:
            to_previous = (
                previous is not None
                and not switched
                and (
                    indent > limit
                    or (
                        index < hugging
                        and after_blank
                        and previous.stmt_indent <= indent
                        and following.indent <= previous.stmt_indent
                    )
                )
            )
        if to_previous:
            assert previous is not None
            previous.after.append((indent, comment))
            last_after = index
        else:
            switched = True
            leads.append(comment)
    if following is None:
        if trailer is not None:
            trailer.extend(leads)
        return
    assert leads == [c for _, c in gap[last_after + 1 :] if c is not None]
    # Blank lines inside the comments that lead N are kept (as one); a blank line
    # before them is N's own.
    rest = gap[last_after + 1 :]
    seen_comment = False
    for _, comment in rest:
        if comment is not None:
            seen_comment = True
            following.leading.append(comment)
        elif not seen_comment:
            following.blank_before = True
        elif following.leading and following.leading[-1] != "":
            following.leading.append("")


def _first_word(code: str) -> str:
    match = _WORD.match(code.strip())
    return match.group(0) if match else ""


# ---------------------------------------------------------------- output statements


@dataclass(eq=False)
class Stmt:
    """One statement of the output: its line(s), the source lines it stands for, and
    the statements nested under it."""

    lines: list[str]
    sources: list[Logical]
    children: list[Stmt] = field(default_factory=list)
    group: str = ""
    split: list[str] | None = None  # the attribute lines, when too long for one line

    def _gathered(
        self,
    ) -> tuple[list[str], list[tuple[bool, str]], list[tuple[bool, str]]]:
        """(leading, inner, after) comments of all the source lines, in source order.
        Inner comments are marked when they end a line of code; comments after, when
        they were indented deeper than the statement."""
        ordered = sorted(self.sources, key=lambda s: s.first)
        if not ordered:
            return [], [], []
        inner: list[tuple[bool, str]] = []
        after: list[tuple[bool, str]] = []
        for index, source in enumerate(ordered):
            if index:
                inner.extend((False, c) for c in source.leading if c)
            inner.extend(source.inner)
            after.extend((indent > ordered[0].indent, c) for indent, c in source.after)
        return list(ordered[0].leading), inner, after

    def comments(self) -> tuple[list[str], list[str], str | None, list[tuple[bool, str]]]:
        """(leading, moved above, trailing, after) comments.

        The trailing one is the ``ignore`` comment that was in effect (several are
        merged), else the comment that ended the first line, else the first that
        ended a line of code. An ``ignore`` comment
        that stood on a line of its own never becomes trailing: it silenced nothing
        and must not start to."""
        leading, inner, after = self._gathered()
        texts = [c for _, c in inner]
        if not inner:
            return leading, [], None, after
        ignores = [c for effective, c in inner if effective and _IGNORE.search(c)]
        if len(ignores) > 1:
            codes: list[str] = []
            for c in ignores:
                match = _IGNORE.search(c)
                assert match is not None
                for code in match.group(1).split(","):
                    if code.strip() and code.strip() not in codes:
                        codes.append(code.strip())
            return leading, texts, f"# carepath: ignore[{', '.join(codes)}]", after
        first = min(self.sources, key=lambda s: s.first)
        ending = [c for effective, c in inner if effective and not _IGNORE.search(c)]
        plain = [c for c in texts if not _IGNORE.search(c)]
        if ignores:
            trailing: str | None = ignores[0]
        elif first.end_comment is not None and not _IGNORE.search(first.end_comment):
            trailing = first.end_comment
        else:
            candidates = ending or plain
            trailing = candidates[0] if candidates else None
        above = list(texts)
        if trailing is not None:
            above.remove(trailing)
        return leading, above, trailing, after

    def has_ignore(self) -> bool:
        return any(effective and _IGNORE.search(c) for effective, c in self._gathered()[1])


class Printer:
    def __init__(self, pathway: ast.PathwayFile, source: Source, file: str) -> None:
        self.pathway = pathway
        self.source = source
        self.file = file
        self.blocks: list[list[Logical]] = []
        for logical in source.logical:
            if logical.indent == 0 or not self.blocks:
                self.blocks.append([logical])
            else:
                self.blocks[-1].append(logical)

    # ------------------------------------------------------------ helpers
    def refuse(self, message: str, line: int = 1) -> FormatRefused:
        return FormatRefused(
            [
                make(
                    "CP010",
                    message,
                    Span.point(self.file, line),
                    notes=("the file was left as it is; this is a bug in carepath fmt",),
                )
            ]
        )

    def claim(self, stmt: Stmt, logical: Logical | None) -> None:
        if logical is None:
            return
        if logical.owner is not None and logical.owner is not stmt:
            raise self.refuse(f"line {logical.first} belongs to two statements", logical.first)
        logical.owner = stmt
        if logical not in stmt.sources:
            stmt.sources.append(logical)

    def claim_line(self, stmt: Stmt, block: list[Logical], line: int) -> Logical | None:
        for logical in block:
            if logical.first <= line <= logical.last:
                self.claim(stmt, logical)
                return logical
        return None

    def claim_nested(self, stmt: Stmt, block: list[Logical], line: int) -> None:
        """The statement line holding ``line`` and every line indented under it."""
        head = self.claim_line(stmt, block, line)
        if head is None:
            return
        index = block.index(head)
        for logical in block[index + 1 :]:
            if logical.indent <= head.indent:
                break
            self.claim(stmt, logical)

    def unclaimed(self, block: list[Logical], word: str) -> list[Logical]:
        return [s for s in block if s.owner is None and s.word == word]

    # ------------------------------------------------------------ file
    def statements(self) -> list[Stmt]:
        p = self.pathway
        entries: list[object] = [p.header, *p.order]
        if len(entries) != len(self.blocks):
            raise self.refuse(
                f"found {len(self.blocks)} top-level blocks but {len(entries)} declarations"
            )
        out: list[Stmt] = []
        for entry, block in zip(entries, self.blocks, strict=True):
            stmt = self.top_level(entry, block)
            for logical in block:
                if logical.owner is None:
                    raise self.refuse(f"formatting would drop line {logical.first}", logical.first)
            out.append(stmt)
        return out

    def top_level(self, entry: object, block: list[Logical]) -> Stmt:
        if isinstance(entry, ast.PathwayHeader):
            return self.header(entry, block)
        if isinstance(entry, ast.Reference):
            return self.reference(entry, block)
        if isinstance(entry, ast.Input):
            return self.simple(self.input_text(entry), block, group="data")
        if isinstance(entry, ast.Define):
            text = f"define {entry.id} = {expression(entry.expr)}"
            if entry.description is not None:
                text += " " + quote(entry.description)
            return self.simple(text, block, group="data")
        if isinstance(entry, ast.Start):
            return self.simple(f"start {entry.target.id}", block, group="start")
        if isinstance(entry, ast.Decision):
            return self.decision(entry, block)
        if isinstance(entry, ast.Action | ast.End):
            return self.action_or_end(entry, block)
        if isinstance(entry, ast.Case):
            return self.case(entry, block)
        raise self.refuse(f"no layout for {type(entry).__name__}")

    def simple(self, text: str, block: list[Logical], group: str = "") -> Stmt:
        stmt = Stmt([text], [], group=group)
        for logical in block:
            self.claim(stmt, logical)
        return stmt

    def header(self, h: ast.PathwayHeader, block: list[Logical]) -> Stmt:
        stmt = Stmt([f"pathway {h.id} {quote(h.title)}"], [])
        self.claim(stmt, block[0])
        meta = h.metadata
        fields: list[tuple[str, str | None]] = [
            ("version", quote(meta.version) if meta.version is not None else None),
            ("status", meta.status),
            ("population", quote(meta.population) if meta.population is not None else None),
            ("author", ", ".join(map(quote, meta.authors)) if meta.authors else None),
            ("reviewed", meta.reviewed),
            ("description", quote(meta.description) if meta.description is not None else None),
        ]
        for word, value in fields:
            if value is None:
                continue
            child = Stmt([f"{word} {value}"], [])
            for logical in self.unclaimed(block[1:], word):
                self.claim(child, logical)
            stmt.children.append(child)
        return stmt

    def reference(self, r: ast.Reference, block: list[Logical]) -> Stmt:
        attrs = []
        if r.publisher is not None:
            attrs.append(f"publisher {quote(r.publisher)}")
        if r.year is not None:
            attrs.append(f"year {r.year}")
        if r.url is not None:
            attrs.append(f"url {quote(r.url)}")
        if r.grade is not None:
            attrs.append(f"grade {quote(r.grade)}")
        stmt = self.simple(f"reference {r.id} {quote(r.title)}", block, group="reference")
        self.attributes(stmt, attrs, depth=0)
        return stmt

    def attributes(self, stmt: Stmt, attrs: list[str], depth: int) -> None:
        one_line = " ".join([stmt.lines[0], *attrs])
        if len(INDENT * depth + one_line) <= MAX_WIDTH or stmt.has_ignore() or not attrs:
            stmt.lines = [one_line]
        else:
            stmt.split = attrs

    @staticmethod
    def input_text(i: ast.Input) -> str:
        t = i.type
        if isinstance(t, ast.BooleanSpec):
            type_text = "boolean"
        elif isinstance(t, ast.EnumSpec):
            type_text = "one of " + ", ".join(t.values)
        elif isinstance(t, ast.NumberSpec):
            type_text = ("integer" if t.integer else "decimal") + (f" {t.unit}" if t.unit else "")
        else:
            type_text = "duration"
        text = f"{'setting' if i.setting else 'input'} {i.id}: {type_text}"
        if i.range is not None:
            text += f" {i.range.low_text}..{i.range.high_text}"
        if i.default is not None:
            text += f" default {i.default.text}"
        if i.description is not None:
            text += " " + quote(i.description)
        return text

    # ------------------------------------------------------------ nodes
    def decision(self, d: ast.Decision, block: list[Logical]) -> Stmt:
        head = f"decision {d.id} {quote(d.label)}" + (" first" if d.policy == "first" else "")
        stmt = Stmt([head], [])
        self.claim(stmt, block[0])
        body = block[1:]
        for branch in d.branches:
            child = Stmt([f"when {expression(branch.guard)} -> {branch.target.id}"], [])
            self.claim_line(child, body, branch.span.line)
            stmt.children.append(child)
        if d.otherwise is not None:
            child = Stmt([f"otherwise -> {d.otherwise.id}"], [])
            self.claim_line(child, body, d.otherwise.span.line)
            stmt.children.append(child)
        self.notes_and_cites(stmt, d, body)
        return stmt

    def action_or_end(self, n: ast.Action | ast.End, block: list[Logical]) -> Stmt:
        if isinstance(n, ast.Action):
            head = f"action {n.id} {quote(n.label)}"
        else:
            head = f"end {n.id}" + (f" {quote(n.label)}" if n.has_label else "")
        stmt = Stmt([head], [])
        self.claim(stmt, block[0])
        body = block[1:]
        group: ast.Group | None = None
        group_stmt: Stmt | None = None
        for item in n.items:
            if item.group is not group:
                group, group_stmt = item.group, None
                if group is not None:
                    group_stmt = Stmt([f"group {quote(group.label)} {group.policy}"], [])
                    self.claim_line(group_stmt, body, group.span.line)
                    stmt.children.append(group_stmt)
            child = Stmt([f"{item.kind} {quote(item.text)}"], [])
            self.claim_nested(child, body, item.span.line)
            attrs = []
            if item.citations:
                attrs.append("cite " + ", ".join(c.reference for c in item.citations))
            if item.strength is not None:
                attrs.append(f"strength {item.strength}")
            if item.guard is not None:
                attrs.append(f"when {expression(item.guard)}")
            self.attributes(child, attrs, depth=1 if group_stmt is None else 2)
            (stmt if group_stmt is None else group_stmt).children.append(child)
        self.notes_and_cites(stmt, n, body)
        if isinstance(n, ast.Action) and n.next is not None:
            child = Stmt([f"next {n.next.id}"], [])
            self.claim_line(child, body, n.next.span.line)
            stmt.children.append(child)
        return stmt

    def notes_and_cites(self, stmt: Stmt, node: ast.Node, body: list[Logical]) -> None:
        note_lines = self.unclaimed(body, "note")
        if len(note_lines) != len(node.notes):
            raise self.refuse(f"could not place the notes of `{node.id}`", node.span.line)
        for note, logical in zip(node.notes, note_lines, strict=True):
            child = Stmt([f"note {quote(note)}"], [])
            self.claim(child, logical)
            stmt.children.append(child)
        if node.citations:
            child = Stmt(["cite " + ", ".join(c.reference for c in node.citations)], [])
            for logical in self.unclaimed(body, "cite"):
                self.claim(child, logical)
            stmt.children.append(child)

    # ------------------------------------------------------------ cases
    def case(self, c: ast.Case, block: list[Logical]) -> Stmt:
        stmt = Stmt([f"case {quote(c.name)}"], [])
        self.claim(stmt, block[0])
        body = block[1:]
        remaining = list(c.given)
        for logical in self.unclaimed(body, "given"):
            here = [a for a in remaining if logical.first <= a.span.line <= logical.last]
            remaining = [a for a in remaining if a not in here]
            text = ", ".join(f"{a.input} = {a.value.text}" for a in here)
            child = Stmt([f"given {text}"], [])
            self.claim(child, logical)
            stmt.children.append(child)
        if remaining:
            raise self.refuse(f"could not place the `given` lines of case {c.name!r}", c.span.line)
        for expect in c.expectations:
            if expect.kind in ("recommends", "not recommends"):
                values = ", ".join(quote(v) for v in expect.values)
            else:
                values = ", ".join(expect.values)
            child = Stmt([f"expect {expect.kind} {values}".rstrip()], [])
            self.claim_line(child, body, expect.span.line)
            stmt.children.append(child)
        return stmt


# ---------------------------------------------------------------- rendering


def _render(stmt: Stmt, depth: int, out: list[str]) -> None:
    pad = INDENT * depth
    leading, above, trailing, after = stmt.comments()
    out.extend(pad + c if c else "" for c in (*leading, *above))
    first = pad + stmt.lines[0]
    out.append(first + (f"  {trailing}" if trailing else ""))
    out.extend(INDENT * (depth + 1) + line for line in stmt.lines[1:])
    if stmt.split:
        out.extend(INDENT * (depth + 1) + line for line in stmt.split)
    # Comments after a block's first line stand above its first nested statement.
    out.extend(INDENT * (depth + (1 if stmt.children else 0)) + c for _, c in after)
    for index, child in enumerate(stmt.children):
        if index and child.sources and _blank(child):
            out.append("")
        _render(child, depth + 1, out)


def _blank(stmt: Stmt) -> bool:
    first = min(stmt.sources, key=lambda s: s.first)
    return first.blank_before


def render(statements: list[Stmt], trailer: list[str]) -> str:
    out: list[str] = []
    previous: Stmt | None = None
    for stmt in statements:
        if previous is not None:
            grouped = previous.group and previous.group == stmt.group
            if not grouped or _blank(stmt):
                out.append("")
        _render(stmt, 0, out)
        previous = stmt
    if trailer:
        out.append("")
        out.extend(trailer)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- entry point


def _errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity >= Severity.ERROR]


def format_source(text: str, file: str) -> str:
    """``text`` in canonical layout. Raises :class:`FormatRefused` when the text has
    syntax errors or when the result could not be proven to mean the same."""
    if text.startswith("\ufeff"):
        text = text[1:]
    parsed = parse(text, file)
    if parsed.pathway is None or _errors(parsed.diagnostics):
        raise FormatRefused(_errors(parsed.diagnostics) or parsed.diagnostics)
    source = scan(text)
    printer = Printer(parsed.pathway, source, file)
    try:
        formatted = render(printer.statements(), source.trailer)
    except RecursionError:
        raise printer.refuse("the file is nested too deeply to format") from None
    verify(text, formatted, file, parsed.pathway)
    return formatted


def verify(text: str, formatted: str, file: str, before: ast.PathwayFile | None = None) -> None:
    """Raise :class:`FormatRefused` (CP010) unless ``formatted`` parses, means what
    ``text`` means, and keeps every comment of ``text``."""

    def refuse(message: str) -> FormatRefused:
        notes = ("the file was left as it is; this is a bug in carepath fmt",)
        return FormatRefused([make("CP010", message, Span.point(file, 1), notes=notes)])

    if before is None:
        before = parse(text, file).pathway
    again = parse(formatted, file)
    if before is None or again.pathway is None or _errors(again.diagnostics):
        first = again.diagnostics[0] if again.diagnostics else None
        where = f" (line {first.span.line}: {first.message})" if first else ""
        raise refuse("formatting would break the syntax of this file" + where)
    if not same_meaning(before, again.pathway):
        raise refuse("formatting would change the meaning of this file")
    kept = scan(formatted).comments
    for comment in scan(text).comments:
        if comment in kept:
            kept.remove(comment)
        else:
            raise refuse(f"formatting would lose the comment {comment!r}")
