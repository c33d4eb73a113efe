"""Fixtures for the durability tests (the harness is in durability_harness.py).

Every test here is skipped when the optd binary ($OPTD_BIN, else <repo>/.build/release/optd)
is missing. `launcher` starts optd processes and kills whatever is left at the end of the
test; `data_dir` is a fresh data directory, removed afterwards.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from durability_harness import Launcher, binary_missing


@pytest.fixture(autouse=True)
def _require_binary() -> None:
    reason = binary_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def launcher() -> Iterator[Launcher]:
    logs = Path(tempfile.mkdtemp(prefix="optd-durability-logs-"))
    launch = Launcher(logs)
    try:
        yield launch
    finally:
        launch.close()
        shutil.rmtree(logs, ignore_errors=True)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="optd-durability-data-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
