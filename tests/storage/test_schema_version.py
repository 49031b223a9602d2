"""The schema version read without Alembic: what it loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_wiring_loads_no_sqlite_for_a_postgresql_worker() -> None:
    code = (
        "import sys, bot.app, storage.schema_version; "
        "assert storage.schema_version.head_revisions(); "
        "print(sorted(m for m in sys.modules if 'sqlite' in m))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"
