"""docs/diagnostics.md is generated from the code registry and must stay in sync
with it; every code the source uses is registered and documented."""

from __future__ import annotations

import re
from pathlib import Path

from carepath.codes import CODE_MODULES, all_codes, load_code_modules
from carepath.docs_gen import generate, main

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "diagnostics.md"
SOURCE_DIRS = ("carepath", "dsl", "compiler", "render")

# A code written as a string literal: make("CP101", …), self.error("CP101", …),
# d.code == "CP203". Not `ignore[CP203]` inside help text.
_LITERAL = re.compile(r"(?<![\w\[])\"(CP\d{3})\"")


def source_files() -> list[Path]:
    files: set[Path] = set()
    for folder in SOURCE_DIRS:
        files.update(p.resolve() for p in (ROOT / folder).rglob("*.py"))
    return sorted(files)


def test_docs_are_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == generate(), (
        "docs/diagnostics.md is out of date: run `python -m carepath.docs_gen`"
    )


def test_check_option(tmp_path: Path) -> None:
    target = tmp_path / "diagnostics.md"
    assert main(["--check", "--output", str(target)]) == 1
    assert not target.exists()
    assert main(["--output", str(target)]) == 0
    assert main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert main(["--check", "--output", str(target)]) == 1


def test_every_code_is_documented() -> None:
    codes = all_codes()
    assert {"CP001", "CP101"} <= set(codes)
    for code, entry in codes.items():
        assert re.fullmatch(r"CP\d{3}", code), code
        assert entry.title.strip() and entry.category.strip(), code
        assert entry.explanation.strip(), f"{code} has no explanation"
        assert entry.bad.strip(), f"{code} has no bad example"
        assert entry.fixed.strip(), f"{code} has no fixed example"
        assert entry.bad.strip() != entry.fixed.strip(), f"{code}: bad and fixed are the same"


def test_every_code_in_the_docs() -> None:
    text = generate()
    for code, entry in all_codes().items():
        assert f"### {code}\n" in text
        assert entry.explanation in text


def test_every_code_used_is_registered() -> None:
    registered = set(all_codes())
    used: dict[str, list[str]] = {}
    for path in source_files():
        for code in _LITERAL.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, []).append(path.name)
    assert used, "the source should use some codes"
    unregistered = {code: files for code, files in used.items() if code not in registered}
    assert not unregistered, f"codes used but never registered: {unregistered}"


def test_code_modules_load() -> None:
    loaded = load_code_modules()
    assert loaded[:2] == list(CODE_MODULES[:2])
    assert set(loaded) <= set(CODE_MODULES)
