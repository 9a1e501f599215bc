"""`carepath html --watch` end to end: the real command serving on localhost, a real
Chromium showing the page, an edit to the pathway file, and the page reloading
with the change; the files written stay exactly those of `carepath html`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from carepath.watch import served_html
from tests.test_html_browser import CHROMIUM_ARGS

PATHWAY = 'pathway p "First title"\nstart a\nend a "Done"\n'


def _url(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        if found:
            return found.group(1)
    raise AssertionError("the server did not say where it serves")


def test_an_edit_reloads_the_open_page(tmp_path: Path) -> None:
    source = tmp_path / "p.cpath"
    source.write_text(PATHWAY, encoding="utf-8")
    site = tmp_path / "site"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carepath",
            "html",
            str(source),
            "-o",
            str(site),
            "--watch",
            "--port",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _url(process, time.monotonic() + 60)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url + "p.html")
            assert page.locator("h1").inner_text() == "First title"
            # As an editor saves: a new text, and a later modification time.
            source.write_text(PATHWAY.replace("First title", "Second title"), encoding="utf-8")
            os.utime(source, (time.time() + 5, time.time() + 5))
            expect(page.locator("h1")).to_have_text("Second title", timeout=30_000)
            browser.close()
        # On disk: the page as `carepath html` writes it, without the reload script.
        written = (site / "p.html").read_text(encoding="utf-8")
        assert "Second title" in written and "__carepath" not in written
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        assert process.returncode == 0


def test_only_the_served_copy_carries_the_script_and_may_fetch() -> None:
    page = (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'\"></head><body></body>"
    )
    served = served_html(page, 7)
    assert "connect-src 'self'" in served and "/__carepath/build" in served
    assert '<script data-build="7">' in served
    assert served.index("/__carepath/build") < served.index("</body>")
