"""The knowledge base and the matcher's index, compiled once and kept as a pickle; once loaded,
frozen out of the garbage collector's scans (``gc.freeze``).

Building the matcher normalises every phrasing and answer (hundreds of milliseconds); loading
the pickle takes milliseconds. The file is keyed by a hash of everything the index depends on:
the bytes of every knowledge-base and lexicon file and of the ``knowledge`` package's code, the
flow ids (or, for the product's flows, the bytes of the ``flows`` package they come from) and
the matcher's parameters. A change to any of them gives a new key, so a stale
index is never loaded; the old file is simply replaced. A cache file that cannot be read (cut
short, corrupt, from another Python) is rebuilt; a cache directory that cannot be written only
costs the speed-up.

``CELVEDIS_CACHE_DIR`` moves the cache (default ``var/cache`` in the project);
``CELVEDIS_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import pickle
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from knowledge.loader import CONTENT_DIR, KnowledgeBase, load_knowledge
from knowledge.matcher import Matcher
from knowledge.parsed_cache import cache_dir, write_pickle

__all__ = ["cache_dir", "cache_key", "flows_fingerprint", "load_index", "source_files"]

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).parent
FLOWS_DIR = PACKAGE_DIR.parent / "flows"
KEEP = 4  # index files kept (this one and the newest others)
FORMAT = 1  # bump when what is pickled changes shape in a way the code hash would not show


def source_files(content_dir: Path = CONTENT_DIR) -> list[Path]:
    """Every file the index depends on: the content, the package's YAML and code."""
    files = sorted(content_dir.glob("*.yaml"))
    files += sorted(PACKAGE_DIR.glob("*.yaml"))
    files += sorted(PACKAGE_DIR.glob("*.py"))
    return files


def cache_key(flow_ids: Iterable[str], content_dir: Path = CONTENT_DIR, **params: Any) -> str:
    """A hash of the source files' names and bytes, the flow ids, the matcher's parameters and
    the Python version (pickles are not portable across versions of the classes)."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}|{sys.version_info[:2]}|{sorted(flow_ids)}|".encode())
    digest.update(repr(sorted(params.items())).encode())
    for path in source_files(content_dir):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def flows_fingerprint() -> str:
    """A hash of the flows package's files: what the product's flow ids are made from. Keying
    on it instead of the ids lets a cache hit skip importing the flows (~70 ms)."""
    digest = hashlib.sha256()
    for path in sorted(FLOWS_DIR.rglob("*")):
        if path.suffix in (".py", ".yaml") and path.is_file():
            digest.update(str(path.relative_to(FLOWS_DIR)).encode() + b"\0")
            digest.update(path.read_bytes())
    return f"flows:{digest.hexdigest()}"


def load_index(
    flow_ids: Iterable[str] | None = None, content_dir: Path = CONTENT_DIR, **params: Any
) -> tuple[KnowledgeBase, Matcher]:
    """The knowledge base and its matcher: from the cache when its key matches, else built
    (and the cache written for next time). ``flow_ids=None``: the product's flows
    (``flows.registry.default_registry``), imported only when the index must be built."""
    directory = cache_dir()
    if directory is None:
        return _kept(_build(_flow_ids(flow_ids), content_dir, params))
    key = cache_key(
        [flows_fingerprint()] if flow_ids is None else list(flow_ids), content_dir, **params
    )
    path = directory / f"index-{key}.pickle"
    cached = _read(path)
    if cached is not None:
        return _kept(cached)
    knowledge, matcher = _build(_flow_ids(flow_ids), content_dir, params)
    _write(directory, path, (knowledge, matcher))
    return _kept((knowledge, matcher))


def _kept(index: tuple[KnowledgeBase, Matcher]) -> tuple[KnowledgeBase, Matcher]:
    """The index stays for the life of the process: its objects (and those already there) are
    moved out of the cyclic garbage collector's sight (``gc.freeze``), so no later collection
    rescans them — a full one costs ~80 ms CPU with a 10,000-entry index, a stall in whichever
    question triggers it."""
    gc.freeze()
    return index


def _flow_ids(flow_ids: Iterable[str] | None) -> list[str]:
    if flow_ids is not None:
        return list(flow_ids)
    from flows.registry import default_registry

    return default_registry().ids()


def _build(
    flow_ids: list[str], content_dir: Path, params: dict[str, Any]
) -> tuple[KnowledgeBase, Matcher]:
    knowledge = load_knowledge(flow_ids, content_dir)
    return knowledge, Matcher(knowledge, **params)


def _read(path: Path) -> tuple[KnowledgeBase, Matcher] | None:
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # corrupt or incompatible: rebuild
        log.warning("knowledge index cache %s unreadable (%s); rebuilding", path.name, exc)
        return None
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], KnowledgeBase)
        and isinstance(value[1], Matcher)
    ):
        return value[0], value[1]
    log.warning("knowledge index cache %s holds something else; rebuilding", path.name)
    return None


def _write(directory: Path, path: Path, value: tuple[KnowledgeBase, Matcher]) -> None:
    """Atomically (a temporary file renamed), removing all but the ``KEEP`` newest index
    files; silently skipped when the directory cannot be written."""
    try:
        write_pickle(path, value)
        others = [old for old in directory.glob("index-*.pickle") if old != path]
        others.sort(key=lambda old: old.stat().st_mtime, reverse=True)
        for old in others[KEEP - 1 :]:  # the newest few stay: other flows or parameters
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("knowledge index cache not written (%s)", exc)
