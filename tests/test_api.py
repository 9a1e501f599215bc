"""The public API as docs/api.md shows it: its example runs, and the functions
behave as documented for bad pathways and bad records."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import carepath

ROOT = Path(__file__).resolve().parent.parent


def test_the_documented_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), {})


def test_every_name_in_all_is_there() -> None:
    for name in carepath.__all__:
        assert getattr(carepath, name) is not None
    with pytest.raises(AttributeError):
        _ = carepath.no_such_thing  # type: ignore[attr-defined]


BROKEN = 'pathway p "P"\nstart d\ndecision d "Q"\n  when x -> e\nend e "E"\n'


def test_a_pathway_with_errors_is_refused_with_its_findings() -> None:
    loaded = carepath.load_text(BROKEN, "broken.cpath")
    assert not loaded.ok
    with pytest.raises(carepath.PathwayError) as raised:
        carepath.evaluate(loaded, {})
    assert [d.code for d in raised.value.diagnostics] == ["CP102"]
    assert "broken.cpath:4:8: CP102" in str(raised.value)


def test_a_record_is_checked_as_run_checks_a_file() -> None:
    loaded = carepath.load(str(ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"))
    with pytest.raises(carepath.RecordError) as raised:
        carepath.evaluate(loaded, {"no_such_input": 1})
    assert raised.value.diagnostics[0].code.startswith("CP4")
    with pytest.raises(TypeError):
        carepath.evaluate(loaded, [("fracture_age", "10 weeks")])  # type: ignore[arg-type]
    # The Pathway itself is accepted as well as what load returns.
    assert loaded.pathway is not None
    result = carepath.evaluate(loaded.pathway, {"fracture_age": "3 weeks"})
    assert result.status in ("complete", "incomplete")


def test_check_is_what_the_command_reports(tmp_path: Path) -> None:
    path = tmp_path / "u.cpath"
    path.write_text(
        'pathway p "P"\ninput spare: boolean  # carepath: ignore[CP2O7]\nstart e\nend e "E"\n',
        encoding="utf-8",
    )
    codes = [d.code for d in carepath.check(str(path)).diagnostics]
    assert codes == ["CP207", "CP015"]
