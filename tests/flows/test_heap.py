"""Giving freed heap memory back (glibc's malloc_trim): it runs, and gives back what was freed."""

from __future__ import annotations

import platform

import pytest

from flows import heap


def _resident_kb() -> int:
    with open("/proc/self/status") as handle:
        return int(next(line for line in handle if line.startswith("VmRSS:")).split()[1])


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_trim_gives_freed_small_blocks_back_on_glibc() -> None:
    assert heap.trim() is True
    kept = [bytearray(1000) for _ in range(40_000)]  # ~40 MB of blocks below mmap's threshold
    del kept[:-1]  # freed, but the last block keeps the heap's top in use
    before = _resident_kb()
    assert heap.trim() is True
    assert _resident_kb() < before - 20_000  # most of the 40 MB went back
