"""Every test gets its own result cache, so no test reads what another stored (or
what a developer's own runs left in the working tree)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_result_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder: Path = tmp_path_factory.mktemp("carepath-cache")
    monkeypatch.setenv("CAREPATH_CACHE_DIR", str(folder))
