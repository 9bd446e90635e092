"""Fixtures for every test: no process pool outlives the test module that made it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="module")
def _no_kept_pool_across_modules() -> Iterator[None]:
    """A warm sample keeps its process pool between runs (run/backends.py `_kept_pool`, as a server does); tests
    that count this process's children must not see the pool of another module's server."""
    yield
    from gongfu.run.backends import drop_kept_pool

    drop_kept_pool()
