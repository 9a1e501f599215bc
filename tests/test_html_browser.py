"""The seed pathway's page in a real browser (Debian's Chromium through Playwright),
opened from file://: the walk-through reaches vertebral augmentation by answering
the questions it asks, highlights the path in the SVG, makes no request, works
from the keyboard, prints without the walk-through, and its JavaScript evaluator
agrees with the Python interpreter. A screenshot goes to test-artifacts/."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from carepath.compiler import ir
from carepath.compiler.evaluate import evaluate
from carepath.compiler.pathway import Pathway, load
from carepath.render.codegen_js import patient_data
from carepath.render.html import build_site
from tests.test_js_eval import comparable, js_comparable

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MONTH = Fraction(31557600, 12)

# The patient the walk-through is given, as a clinician would type it.
ANSWERS: dict[str, Any] = {
    "fracture_age": ("5", "months"),
    "conservative_duration": ("4", "months"),
    "neuro_deficit": "false",
    "spinal_instability": "false",
    "canal_compromise": "false",
    "spinal_deformity": "false",
    "focal_cord_compression": "false",
    "pain_refractory": "true",
    "parenteral_or_admission": "false",
    "pain": "severe",
    "age": "70",
    "oral_bisphosphonate_intolerance": "false",
    "bisphosphonate_nonadherence": "false",
}


@pytest.fixture(scope="module")
def seed() -> Pathway:
    loaded = load(SEED)
    assert loaded.pathway is not None
    return loaded.pathway


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("site")
    site = build_site([str(SEED)])
    for name, text in site.files.items():
        (out / name).write_text(text, encoding="utf-8")
    return (out / "chronic_osteoporotic_vcf.html").as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page with every request and every script error recorded."""

    def __init__(self, browser: Browser, url: str) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page: Page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(url)


def _needed_now(page: Page) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "#wt-fields fieldset.wt-now:not([hidden])", "els => els.map(e => e.id)"
    )
    return [i.removeprefix("wt-field-") for i in ids]


def _answer(page: Page, name: str) -> None:
    value = ANSWERS[name]
    if isinstance(value, tuple):
        amount, unit = value
        if page.locator(f"#wt-{name}-unit").count():
            page.select_option(f"#wt-{name}-unit", unit)
        page.fill(f"#wt-{name}", amount)
    elif page.locator(f"#wt-{name}").count():
        page.fill(f"#wt-{name}", value)
    else:
        page.check(f"#wt-{name}-{value}")


def _python_value(seed: Pathway, name: str) -> ir.Value:
    value = ANSWERS[name]
    if isinstance(value, tuple):
        return Fraction(value[0]) * {"months": MONTH}[value[1]]
    if value in ("true", "false"):
        return bool(value == "true")
    decl = seed.inputs[name]
    if isinstance(decl.type, ir.NumberType):
        assert decl.type.unit is not None
        return Fraction(value) * decl.type.unit.factor
    return str(value)


def test_walk_through_to_vertebral_augmentation(
    browser: Browser, page_url: str, seed: Pathway
) -> None:
    w = Watched(browser, page_url)
    page = w.page
    given: dict[str, ir.Value] = {}
    asked: list[str] = []
    for _ in range(20):
        result = evaluate(seed, given)
        if result.status != "incomplete":
            break
        needed = _needed_now(page)
        # Only what the next decision needs is asked, exactly as Python computes it.
        assert needed == list(result.needs)
        visible = page.eval_on_selector_all(
            "#wt-fields fieldset:not([hidden])", "els => els.map(e => e.id.slice(9))"
        )
        assert set(visible) == set(needed) | set(given), "a question was asked too early"
        assert "Still needed for the next decision" in page.inner_text("#wt-needed")
        # One answer at a time: an answer can make another question unnecessary.
        name = needed[0]
        _answer(page, name)
        given[name] = _python_value(seed, name)
        asked.append(name)
    assert result.outcome == "vertebral_augmentation"
    # Severity is part of the augmentation criterion, so `pain` is asked.
    assert asked[0] == "fracture_age" and "pain" in asked
    status = page.inner_text("#wt-status")
    assert status == "Outcome: " + seed.graph.nodes["vertebral_augmentation"]["label"]
    recs = page.inner_text("#wt-recs")
    assert "Offer vertebral augmentation (vertebroplasty or kyphoplasty)" in recs
    assert (
        "Opioid reserved for severe refractory pain — only if pain is severe and pain refractory"
        in recs
    )
    # The agent (first line or alternative, exactly one) waits for the drug
    # history, which no decision needs and which is asked only now.
    assert "Bisphosphonate (alendronate or risedronate)" in page.inner_text("#wt-undetermined")
    assert "Bisphosphonate (alendronate or risedronate)" not in recs
    assert page.is_visible("#wt-field-oral_bisphosphonate_intolerance")
    history = ("oral_bisphosphonate_intolerance", "bisphosphonate_nonadherence")
    for name in history:
        _answer(page, name)
    recs = page.inner_text("#wt-recs")
    assert "Bisphosphonate (alendronate or risedronate)" in recs
    assert "Alternative agent instead of an oral bisphosphonate" not in recs
    final = evaluate(seed, {**given, **{name: False for name in history}})
    path = page.inner_text("#wt-path")
    assert "fracture age > 6 weeks" in path and path.count("\n") == len(final.path) - 1
    # The path is highlighted in the SVG: exactly its nodes and edges.
    on = set(page.eval_on_selector_all("svg g.wt-on", "els => els.map(e => e.id)"))
    expected = {"node-start", "edge-start"} | {f"node-{n}" for n in final.path}
    expected |= {f"edge-{s.node}-{s.branch}" for s in final.steps if s.kind == "decision"}
    expected |= {f"edge-{s.node}-next" for s in final.steps if s.kind == "action"}
    assert on == expected
    # Off the path: the shape faded, the label grey but readable.
    opacity = page.eval_on_selector(
        "#node-surgical_consultation polygon, #node-surgical_consultation path",
        "e => getComputedStyle(e).opacity",
    )
    assert float(opacity) < 0.5
    label = page.eval_on_selector(
        "#node-surgical_consultation text", "e => getComputedStyle(e).fill"
    )
    assert label == "rgb(89, 89, 89)"
    stroke = page.eval_on_selector(
        "#node-vertebral_augmentation path", "e => getComputedStyle(e).stroke"
    )
    assert stroke == "rgb(11, 92, 173)"
    # A flowchart node links to its section.
    page.click("#a_node-vertebral_augmentation a")
    assert page.url.endswith("#step-vertebral_augmentation")
    assert page.is_visible("#step-vertebral_augmentation")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#walkthrough").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "html-walkthrough.png"))
    page.locator("#flowchart-section").screenshot(path=str(ARTIFACTS / "html-flowchart.png"))
    # Nothing but the page itself was ever requested.
    assert w.requests == [page_url]
    assert w.errors == []
    page.close()


def test_inputs_convert_exactly_and_reject_bad_values(browser: Browser, page_url: str) -> None:
    page = Watched(browser, page_url).page
    page.select_option("#wt-fracture_age-unit", "days")
    page.fill("#wt-fracture_age", "42")  # exactly 6 weeks: not yet chronic
    answers = page.evaluate("() => window.carepathWalkthrough.answers")
    assert answers == {"fracture_age": str(42 * 86400) + "/1"}
    assert page.inner_text("#wt-status").startswith("Outcome: Outside this pathway")
    page.fill("#wt-fracture_age", "42.5")
    assert page.evaluate("() => window.carepathWalkthrough.answers") == {
        "fracture_age": "3672000/1"
    }
    page.fill("#wt-fracture_age", "1,5")
    assert "Enter a number" in page.inner_text("#wt-fracture_age-error")
    assert page.get_attribute("#wt-fracture_age", "aria-invalid") == "true"
    assert page.evaluate("() => window.carepathWalkthrough.answers") == {}
    page.fill("#wt-fracture_age", "2.5")
    page.select_option("#wt-fracture_age-unit", "months")
    assert page.evaluate("() => window.carepathWalkthrough.answers") == {
        "fracture_age": "6574500/1"
    }
    assert not page.is_visible("#wt-field-age")  # asked only by conditional items, later
    page.check("#wt-neuro_deficit-true")
    assert page.inner_text("#wt-status").startswith("Outcome: Surgical consultation")
    assert page.is_visible("#wt-field-age")  # the path is done: now it refines the items
    page.click("#wt-reset")
    assert page.evaluate("() => window.carepathWalkthrough.answers") == {}
    page.close()


def test_keyboard_only(browser: Browser, page_url: str) -> None:
    page = Watched(browser, page_url).page
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    for _ in range(150):
        if page.evaluate("() => document.activeElement.id") == "wt-fracture_age":
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the first question")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "wt-fracture_age-unit"
    page.keyboard.press("ArrowDown")  # weeks -> months
    assert page.input_value("#wt-fracture_age-unit") == "months"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "wt-neuro_deficit-true"
    page.keyboard.press("ArrowRight")  # moves to, and picks, "No"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "wt-spinal_instability-true"
    page.keyboard.press("Space")
    answers = page.evaluate("() => window.carepathWalkthrough.answers")
    assert answers == {
        "fracture_age": str(5 * MONTH.numerator) + "/1",
        "neuro_deficit": False,
        "spinal_instability": True,
    }
    assert page.inner_text("#wt-status").startswith("Outcome: Surgical consultation")
    # Every form control has a label.
    unlabeled = page.eval_on_selector_all(
        "#walkthrough input, #walkthrough select, #walkthrough button",
        "els => els.filter(e => e.tagName !== 'BUTTON' && e.labels.length === 0).map(e => e.id)",
    )
    assert unlabeled == []
    page.close()


def test_print_hides_the_walk_through(browser: Browser, page_url: str) -> None:
    page = Watched(browser, page_url).page
    page.emulate_media(media="print")
    assert not page.is_visible("#walkthrough")
    assert not page.is_visible("nav")
    assert page.is_visible("#step-conservative_care")
    assert page.is_visible("#flowchart-section svg")
    assert page.is_visible("#references")
    page.close()


def _random_patients(seed: Pathway, count: int) -> list[dict[str, ir.Value]]:
    rng = random.Random(20261125)
    out: list[dict[str, ir.Value]] = []
    for _ in range(count):
        patient: dict[str, ir.Value] = {}
        for name, decl in seed.inputs.items():
            if rng.random() < 0.2:
                continue
            t = decl.type
            if isinstance(t, ir.BooleanType):
                patient[name] = rng.random() < 0.5
            elif isinstance(t, ir.EnumType):
                patient[name] = rng.choice(t.values)
            elif isinstance(t, ir.NumberType) and t.duration:
                patient[name] = rng.choice([3, 6, 12, 13, 26]) * Fraction(604800) + rng.choice(
                    [Fraction(0), 3 * MONTH - 13 * 604800, Fraction(1, 1000), -Fraction(1, 1000)]
                )
            else:
                assert isinstance(t, ir.NumberType) and t.unit is not None
                patient[name] = rng.randint(18, 100) * t.unit.factor
        out.append(patient)
    return out


def test_chromium_evaluator_agrees_with_python(
    browser: Browser, page_url: str, seed: Pathway
) -> None:
    page = Watched(browser, page_url).page
    patients = [dict(c.patient) for c in seed.cases] + _random_patients(seed, 300)
    results = page.evaluate(
        "(ps) => { const pw = JSON.parse(document.getElementById('pathway-data').textContent);"
        " return ps.map((p) => CarepathEval.evaluate(pw, p)); }",
        [patient_data(p) for p in patients],
    )
    statuses = set()
    for patient, got in zip(patients, results, strict=True):
        expected = comparable(evaluate(seed, patient))
        assert js_comparable(got) == expected, patient
        statuses.add(expected["outcome"] or expected["status"])
    assert {"vertebral_augmentation", "surgical_consultation", "incomplete"} <= statuses
    page.close()


# ---------------------------------------------------------------- readable, shareable, small

AXE = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"


def _axe_contrast(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 AA colour-contrast rule on the page as it is now."""
    assert AXE.is_file(), "run `make setup` (npm ci --prefix tests/node)"
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {runOnly: ['color-contrast'], resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in found["violations"]
    ]


def test_the_flowchart_is_readable_on_load_and_every_text_passes_wcag_aa(
    browser: Browser, page_url: str
) -> None:
    page = Watched(browser, page_url).page
    # Before any answer nothing is faded.
    active = "e => e.classList.contains('wt-active')"
    assert page.eval_on_selector("#flowchart-figure svg", active) is False
    faded = page.eval_on_selector_all(
        "svg g.node *", "els => els.filter(e => getComputedStyle(e).opacity !== '1').length"
    )
    assert faded == 0
    assert _axe_contrast(page) == []
    # During a walk-through the path stands out, and the rest still reads at AA.
    _answer(page, "fracture_age")
    assert page.eval_on_selector("#flowchart-figure svg", active)
    assert _axe_contrast(page) == []
    page.close()


def _walk_to_the_end(page: Page, seed: Pathway) -> dict[str, ir.Value]:
    given: dict[str, ir.Value] = {}
    for _ in range(20):
        needed = _needed_now(page)
        if not needed:
            break
        _answer(page, needed[0])
        given[needed[0]] = _python_value(seed, needed[0])
    return given


def test_a_result_is_shared_as_a_link_a_record_and_text(
    browser: Browser, page_url: str, seed: Pathway, tmp_path: Path
) -> None:
    context = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], accept_downloads=True
    )
    page = context.new_page()
    page.goto(page_url)
    _walk_to_the_end(page, seed)
    status = page.inner_text("#wt-status")
    assert status.startswith("Outcome: ")
    # A link: the address holds the answers, and opening it restores them.
    page.click("#wt-link")
    link = page.url
    assert "#answers=" in link
    again = context.new_page()
    again.goto(link)
    assert again.inner_text("#wt-status") == status
    assert again.inner_text("#wt-recs") == page.inner_text("#wt-recs")
    # A record: what `carepath run` reads, with the same outcome.
    with page.expect_download() as download:
        page.click("#wt-download")
    saved = tmp_path / "patient.json"
    download.value.save_as(saved)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "carepath",
            "run",
            str(SEED),
            "--patient",
            str(saved),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    label = seed.graph.nodes[report["outcome"]]["label"]
    assert status == "Outcome: " + label
    # Text: the outcome, the answers, the path and the recommendations.
    page.click("#wt-copy")
    expect(page.locator("#wt-share-note")).to_have_text("Copied.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert status in copied and "Answers:" in copied and "Recommendations:" in copied
    assert "Offer vertebral augmentation" in copied
    context.close()


def test_the_page_fits_a_phone(browser: Browser, page_url: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(page_url)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 375, f"the page is {wide} px wide on a 375 px screen"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-phone.png"), full_page=False)
    page.close()


def test_the_walk_through_shows_the_derived_values_as_run_does(
    browser: Browser, page_url: str, seed: Pathway
) -> None:
    from carepath.compiler.derived import derived_values

    page = Watched(browser, page_url).page
    assert page.is_hidden("#wt-derived-block")
    given = _walk_to_the_end(page, seed)
    shown = page.eval_on_selector_all("#wt-derived li", "els => els.map(e => e.textContent)")
    python = derived_values(seed, given, evaluate(seed, given))
    assert python, "the seed's path reads derived values"
    assert shown == [f"{d.name} = {d.value} ({d.formula})" for d in python]
    page.close()


def test_the_walk_through_starts_at_the_settings_defaults_and_keeps_them_out_of_the_record(
    browser: Browser, tmp_path: Path
) -> None:
    from tests.test_settings import SOUND  # the corpus pathway with its gap closed

    source = tmp_path / "cellulitis.cpath"
    source.write_text(SOUND, encoding="utf-8")
    site = build_site([str(source)])
    for name, text in site.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    url = (tmp_path / "cellulitis_antibiotics.html").as_uri()
    w = Watched(browser, url)
    page = w.page
    # The settings are shown at their defaults, apart from the questions.
    assert page.is_visible("#wt-settings #wt-field-mrsa_prevalence")
    assert page.input_value("#wt-mrsa_prevalence") == "15"
    assert page.is_checked("#wt-formulary-standard")
    assert page.locator("#wt-formulary-unknown").count() == 0  # never unknown
    # Defaults are not an answer about the patient: the flowchart stays readable.
    assert not page.eval_on_selector(
        "#flowchart-figure svg", "s => s.classList.contains('wt-active')"
    )
    assert _needed_now(page) == ["penicillin_allergy", "purulent"]  # settings are not asked
    page.check("#wt-penicillin_allergy-false")
    page.check("#wt-purulent-false")
    assert page.inner_text("#wt-status") == "Outcome: Cefazolin"
    page.fill("#wt-mrsa_prevalence", "25")
    assert page.inner_text("#wt-status") == "Outcome: Vancomycin"
    page.fill("#wt-mrsa_prevalence", "15")
    page.check("#wt-formulary-restricted")
    assert page.inner_text("#wt-status") == "Outcome: Cefazolin"
    record = page.evaluate("window.carepathWalkthrough.record")
    settings = page.evaluate("window.carepathWalkthrough.settings")
    assert record == {"penicillin_allergy": False, "purulent": False}
    assert settings == {"mrsa_prevalence": "15 %", "formulary": "restricted"}
    # Starting again puts the settings back at their defaults.
    page.click("#wt-reset")
    assert page.is_checked("#wt-formulary-standard")
    assert page.evaluate("window.carepathWalkthrough.record") == {}
    assert w.errors == [] and w.requests == [url]
    page.close()
