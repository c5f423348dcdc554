"""Shared fixtures (kept small)."""

from __future__ import annotations

import pytest

import tachtu


@pytest.fixture(scope="session")
def segmenter() -> tachtu.Segmenter:
    """One default-model Segmenter for the whole run (it is thread-safe and stateless)."""
    return tachtu.Segmenter()
