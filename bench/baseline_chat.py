"""The bare baseline for ``python -m bot chat`` to its first prompt: what bench/baseline_ask.py
does, then a "> " prompt waiting for input. Run as a script."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_ask import main

if __name__ == "__main__":
    main("kur meklēt partnerus?")
    sys.stdout.write("> ")
    sys.stdout.flush()
    for line in sys.stdin:
        print(line.strip())
