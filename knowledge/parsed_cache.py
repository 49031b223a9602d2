"""Parsed YAML kept as pickles in the cache directory, so a start-up reads the content without
parsing it (PyYAML builds every node in Python: ~75 ms for the product's files).

Only the project's own files are kept (a file elsewhere, such as a test's temporary one, is
just parsed): one cache file per YAML file, named by a hash of its path and the Python version,
holding the SHA-256 of the bytes it was parsed from. A file whose bytes changed is parsed again
and its entry replaced, so a stale parse is never returned. An unreadable entry is parsed again; a
directory that cannot be written only costs the speed-up. Where the cache lives and how to turn
it off: ``CELVEDIS_CACHE_DIR`` (see ``knowledge.index_cache``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
PROJECT_DIR = PACKAGE_DIR.parent.resolve()
DEFAULT_DIR = PROJECT_DIR / "var" / "cache"
FORMAT = 1  # bump when what is kept changes shape
MISSING: Any = object()  # read_keyed: nothing usable kept


def cache_dir() -> Path | None:
    """Where compiled content is kept (``CELVEDIS_CACHE_DIR``, default ``var/cache`` in the
    project), or None when caching is off (``CELVEDIS_CACHE_DIR=off``)."""
    configured = os.environ.get("CELVEDIS_CACHE_DIR", "")
    if configured.lower() == "off":
        return None
    return Path(configured) if configured else DEFAULT_DIR


def parsed(path: Path, data: bytes, parse: Callable[[bytes], Any]) -> Any:
    """``parse(data)``, from the cache when it holds the parse of exactly these bytes."""
    directory = cache_dir()
    resolved = path.resolve()
    if directory is None or not resolved.is_relative_to(PROJECT_DIR):
        return parse(data)
    name = hashlib.sha256(f"{FORMAT}|{sys.version_info[:2]}|{resolved}".encode())
    entry = directory / f"yaml-{name.hexdigest()[:24]}.pickle"
    digest = hashlib.sha256(data).digest()
    kept = read_keyed(entry, digest, "parsed-content cache")
    if kept is not MISSING:
        return kept
    value = parse(data)
    write_keyed(entry, digest, value, "parsed-content cache")
    return value


def write_pickle(path: Path, value: Any) -> None:
    """``value`` pickled to ``path`` atomically (a temporary file beside it, renamed), so a
    reader never sees half a file; OSError or PicklingError when it cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_keyed(entry: Path, key: bytes, what: str) -> Any:
    """The value kept in ``entry`` under ``key`` (``write_keyed``), or ``MISSING`` when there is
    none, it was kept under another key, or the file is unreadable (cut short, corrupt)."""
    try:
        with entry.open("rb") as handle:
            kept_key, value = pickle.load(handle)
    except FileNotFoundError:
        return MISSING
    except Exception as exc:
        log.info("%s %s unreadable (%s)", what, entry.name, type(exc).__name__)
        return MISSING
    return value if kept_key == key else MISSING


def write_keyed(entry: Path, key: bytes, value: Any, what: str) -> None:
    """Keep ``value`` under ``key`` in ``entry``; silently skipped when it cannot be written."""
    try:
        write_pickle(entry, (key, value))
    except (OSError, pickle.PicklingError) as exc:
        log.info("%s not written (%s)", what, type(exc).__name__)
