"""The bare baseline for ``python -m bot ask``: import rapidfuzz and PyYAML, load the same
knowledge-base YAML, one ``extractOne`` over its phrasings. Run as a script."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

# libyaml's loader when PyYAML has it, as the bot uses (knowledge/texts.py).
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CONTENT = Path(__file__).resolve().parent.parent / "knowledge" / "content"


def main(question: str) -> None:
    choices: list[str] = []
    for path in sorted(CONTENT.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
        for entry in data.get("entries", []):
            for lang in ("lv", "en"):
                choices.extend(entry.get("questions", {}).get(lang, []))
    print(process.extractOne(question, choices, scorer=fuzz.WRatio))


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "kur meklēt partnerus?")
