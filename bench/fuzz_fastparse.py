"""Fuzz the fast reader against Lark for longer than the test suite does.

    python bench/fuzz_fastparse.py [--seed 1] [--count 10000]

Takes every well-formed ``.cpath`` file of the repository, applies one to three
random edits (insert a character or a piece such as ``->`` or a form feed, delete
a few characters, copy a stretch elsewhere) and checks the fast reader's contract
(tests/test_fastparse.py): whenever it answers, Lark reads the text without a
diagnostic and builds an equal AST. Each disagreement is written to
``bench/out/fuzz_<seed>_<n>.cpath``; the exit code is the number found (at most 5).
Not a benchmark and not a test: a tool to run after changing either reader.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from carepath.dsl import native
from carepath.dsl.fastparse import parse_fast
from carepath.dsl.lark_parser import parse_with_lark

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PIECES = [
    *' \t\n"#(){},.:=<>!-+*/_%[]\\\f',
    *"aenotw019",
    "µ",
    "é",
    "->",
    "..",
    "not ",
    "in ",
    "unknown",
    "when ",
    "\n  ",
    "\n    ",
    "5mg",
    "/min",
]


def sources() -> list[str]:
    found = []
    for pattern in ("tests/golden/**/*.cpath", "tests/data/*.cpath", "pathways/*.cpath"):
        for path in sorted(ROOT.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            if len(text) < 20_000 and not parse_with_lark(text, "f").diagnostics:
                found.append(text)
    return found


def edited(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.45:
            text = text[:at] + rng.choice(PIECES) + text[at:]
        elif roll < 0.8:
            text = text[:at] + text[at + rng.randint(1, 3) :]
        else:
            start = rng.randrange(len(text) + 1)
            text = text[:at] + text[start : start + rng.randint(1, 12)] + text[at:]
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    texts = sources()
    found = answered = 0
    compiled = native.compiled()
    for _ in range(args.count):
        text = edited(rng.choice(texts), rng)
        fast = parse_fast(text, "f")
        # The compiled reader (when built) must give exactly the Python one's answer.
        twin = compiled.parse_fast(text, "f") if compiled is not None else fast
        if fast is None and twin is None:
            continue
        answered += 1
        lark = parse_with_lark(text, "f")
        if twin != fast or lark.diagnostics or lark.pathway != fast:
            found += 1
            OUT.mkdir(parents=True, exist_ok=True)
            path = OUT / f"fuzz_{args.seed}_{found}.cpath"
            path.write_text(text, encoding="utf-8")
            print(f"disagreement: {path}", flush=True)
            if found >= 5:
                break
    reader = "Python and compiled readers" if compiled is not None else "Python reader only"
    print(
        f"{args.count} edited texts, {answered} taken by the fast reader, "
        f"{found} disagreements ({reader})"
    )
    return found


if __name__ == "__main__":
    sys.exit(main())
