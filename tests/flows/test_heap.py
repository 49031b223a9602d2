"""Giving freed heap memory back (glibc's malloc_trim): at most once within ``every``."""

from __future__ import annotations

import platform

import pytest

from flows import heap


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_trim_runs_on_glibc_and_not_again_within_its_interval() -> None:
    assert heap.trim() is True
    assert heap.trim(every=3600) is False  # one ran just now
    assert heap.trim() is True  # no interval: always
