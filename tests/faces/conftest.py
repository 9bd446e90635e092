"""Fixtures for the faces (report, CLI, HTTP API): a fake run-results dict that follows the contract."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import faces_fake_results as fake_results  # noqa: E402


@pytest.fixture
def results() -> dict:
    return fake_results.results()


@pytest.fixture
def comparison() -> dict:
    return fake_results.compare()
