"""Language server latency: from an edit to its diagnostics, on the seed pathway.

    python bench/bench_lsp.py [--rounds 30] [--quick]

Starts ``carepath lsp --no-cache`` as an editor does (a pygls client over stdio),
opens the seed, then, round by round, interleaved: (a) sends an edit (a changed
comment line, so every edit is a new text to check) and times until the server
publishes the diagnostics of that version; (b) the baseline, the same text checked
in this process by the engine the server calls (``check_one``). Prints medians,
the ratio (the server's cost beyond the check: debounce, JSON-RPC, conversion) and
issue 16's goal of 100 ms. Nothing here fails a build.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "pathways" / "chronic_osteoporotic_vcf.cpath"
GOAL_SECONDS = 0.100


async def measure(rounds: int) -> tuple[list[float], list[float]]:
    from carepath.findings import check_one

    client = LanguageClient("bench", "1")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    await client.start_io(sys.executable, "-m", "carepath", "lsp", "--no-cache")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    uri = SEED.as_uri()
    text = SEED.read_text(encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "carepath", 1, text))
    )
    await published.get()
    check_one(text, str(SEED))  # warm this process's engine as the server's is
    server: list[float] = []
    engine: list[float] = []
    for version in range(2, rounds + 2):
        edited = text + f"# edit {version}\n"
        start = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(edited)],
            )
        )
        while (await published.get()).version != version:
            pass
        server.append(time.perf_counter() - start)
        start = time.perf_counter()
        check_one(edited + "# baseline\n", str(SEED))
        engine.append(time.perf_counter() - start)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return server, engine


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="5 rounds")
    args = parser.parse_args(argv)
    server, engine = asyncio.run(measure(5 if args.quick else args.rounds))
    lsp, check = statistics.median(server), statistics.median(engine)
    verdict = "meets" if lsp <= GOAL_SECONDS else "MISSES"
    print(f"{SEED.name}: {len(server)} edits, medians")
    print(f"  check in process (baseline)  {check * 1000:6.1f} ms")
    print(
        f"  edit -> diagnostics (lsp)    {lsp * 1000:6.1f} ms ({lsp / check:.2f}x) "
        f"[goal {GOAL_SECONDS * 1000:.0f} ms: {verdict}]"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
