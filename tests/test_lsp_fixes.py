"""Every "did you mean" a finding suggests is a fix the language server offers, and
applying it makes that finding go away (the engine under the server, in process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from carepath.dsl.diagnostics import Severity
from carepath.findings import check_one
from carepath.lsp.actions import apply, fixes
from carepath.lsp.symbols import index

GOOD = """pathway fixes "Fixes"
  status active
reference nice "Guideline" year 2020
input age: integer years 0..120
input pain: one of mild, severe
define elderly = age >= 65 years
start triage
decision triage "How bad?"
  when elderly and pain == severe -> refer
  otherwise -> rest
action refer "Refer"
  recommend "Refer to a surgeon" cite nice strength strong
  next rest
end rest "Rest"
case "old with severe pain"
  given age = 70 years, pain = severe
  expect path triage, refer, rest
  expect recommends "Refer to a surgeon"
case "young"
  given age = 30 years, pain = mild
  expect needs age
"""


@pytest.mark.parametrize(
    ("code", "wrong", "right"),
    [
        ("CP101", "-> refer\n", "-> refr\n"),  # unknown node
        ("CP102", "when elderly and", "when elderlyy and"),  # unknown name
        ("CP103", "pain == severe", "pain == sever"),  # not a value of the enumeration
        ("CP104", "cite nice", "cite nise"),  # unknown reference
        ("CP112", "strength strong", "strength strnog"),  # unknown strength
        ("CP113", "given age = 70", "given agee = 70"),  # not an input
        ("CP113", "pain = severe\n", "pain = sevre\n"),  # not a value of the input
        ("CP114", "status active", "status activ"),  # unknown status
        ("CP116", 'recommends "Refer to a surgeon"', 'recommends "Refer to a surgeo"'),
        ("CP102", "expect needs age", "expect needs aeg"),  # unknown input in needs
        ("CP015", "pain = mild\n", "pain = mild  # carepath: ignore[CP3044]\n"),
    ],
)
def test_the_suggestion_is_a_fix_that_removes_the_finding(
    code: str, wrong: str, right: str
) -> None:
    assert check_one(GOOD, "p.cpath") == ()
    text = GOOD.replace(wrong, right, 1)
    assert text != GOOD
    found = [d for d in check_one(text, "p.cpath") if d.code == code]
    assert len(found) == 1, found
    (offered,) = fixes(index(text, "p.cpath"), found[0], lambda t: check_one(t, "p.cpath"))
    fixed = apply(text, offered)
    after = check_one(fixed, "p.cpath")
    assert not [d for d in after if d.code == code]
    if code != "CP015":  # the closest real code to CP3044 is one this file does not raise
        assert fixed == GOOD


def test_no_fix_is_made_up_when_there_is_no_suggestion() -> None:
    text = GOOD.replace("-> refer\n", "-> qqqqqq\n")
    (finding,) = [d for d in check_one(text, "p.cpath") if d.code == "CP101"]
    assert fixes(index(text, "p.cpath"), finding, lambda t: check_one(t, "p.cpath")) == []


def test_a_missing_branch_that_would_not_close_the_gap_is_not_offered() -> None:
    """The branch is proven before it is offered: a checker that still reports the gap
    (as it would if the condition were wrong) means no fix."""
    text = GOOD.replace("  otherwise -> rest\n", "  when not elderly -> rest\n")
    found = [d for d in check_one(text, "p.cpath") if d.code == "CP304"]
    assert found and all(d.severity is Severity.ERROR for d in found)
    real = fixes(index(text, "p.cpath"), found[0], lambda t: check_one(t, "p.cpath"))
    assert real and all("when " in f.text for f in real)
    stubborn = fixes(index(text, "p.cpath"), found[0], lambda t: tuple(found))
    assert stubborn == []


def test_the_server_keeps_findings_in_the_result_cache(tmp_path: Path) -> None:
    """`carepath lsp` answers an unchanged text from the cache `check` uses, and an
    edited text is checked again (never an old answer)."""
    from carepath.cache import ResultCache
    from carepath.lsp.server import CarepathServer

    server = CarepathServer(ResultCache(tmp_path))
    first = server.check(GOOD.replace("-> refer\n", "-> refr\n"), "p.cpath")
    assert [d.code for d in first] == ["CP101"]
    assert list(tmp_path.rglob("*")), "nothing was written to the cache"
    entries = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    again = server.check(GOOD.replace("-> refer\n", "-> refr\n"), "p.cpath")
    assert again == first
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == entries
    assert server.check(GOOD, "p.cpath") == ()
