"""``carepath html --watch``: rebuild the site when a pathway file changes, serve it
on localhost, and reload the pages open in a browser, for authors who review a
pathway as they write it.

The files written are exactly those ``carepath html`` writes. Only the copy the
server sends differs: it carries a small script that asks the server, twice a
second, which build it is showing and reloads when a newer one exists; and the
page's Content-Security-Policy, which otherwise forbids every request, allows
that one request to the same origin. Nothing is served beyond localhost.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

VERSION_PATH = "/__carepath/build"
_CSP = "default-src 'none';"


@cache
def _reload_script() -> str:
    from importlib import resources

    script = resources.files("carepath.render.static").joinpath("watch.js").read_text("utf-8")
    return f'<script data-build="{{build}}">\n{script}</script>\n'


def served_html(page: str, build: int) -> str:
    """A page as the watching server sends it: the reload script in (knowing which
    build the page is), and the one request it makes allowed."""
    page = page.replace(_CSP, _CSP + " connect-src 'self';", 1)
    script = _reload_script().replace("{build}", str(build), 1)
    return page.replace("</body>", script + "</body>", 1)


class Site:
    """The build the server is showing: a counter the pages poll."""

    def __init__(self) -> None:
        self.build = 0
        self.lock = threading.Lock()

    def rebuilt(self) -> None:
        with self.lock:
            self.build += 1


def _handler(folder: Path, site: Site) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == VERSION_PATH:
                self._send(str(site.build).encode(), "text/plain")
                return
            name = "index.html" if path in ("", "/") else path.lstrip("/")
            file = (folder / name).resolve()
            if file.suffix == ".html" and file.parent == folder.resolve() and file.is_file():
                page = served_html(file.read_text(encoding="utf-8"), site.build)
                self._send(page.encode("utf-8"), "text/html; charset=utf-8")
                return
            super().do_GET()

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the terminal shows rebuilds, not every request

    return Handler


def serve(
    folder: Path,
    port: int,
    build: Callable[[], int],
    watched: Callable[[], dict[str, tuple[int, int]]],
    say: Callable[[str], None],
    poll_seconds: float = 0.3,
) -> int:
    """Build, serve ``folder`` on 127.0.0.1:``port`` (0: any free port), and rebuild
    whenever ``watched()`` (file -> mtime and size) changes, until interrupted."""
    build()
    site = Site()
    handler = partial(_handler(folder, site), directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen = watched()
    say(
        f"serving http://127.0.0.1:{server.server_address[1]}/ and watching {len(seen)} "
        f"file{'s' if len(seen) != 1 else ''}; Ctrl-C to stop"
    )
    try:
        while True:
            time.sleep(poll_seconds)
            now = watched()
            if now == seen:
                continue
            seen = now
            code = build()
            site.rebuilt()
            verdict = "with errors" if code else "clean"
            say(f"{time.strftime('%H:%M:%S')} rebuilt ({verdict})")
    except KeyboardInterrupt:
        return 0
    finally:
        server.shutdown()
        server.server_close()
