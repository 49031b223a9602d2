"""The bare baseline for building the matcher: an inverted index (word -> phrasings, with
BM25-style document frequencies) over the same phrasings, lower-cased and split on non-word
characters. Used by bench/matcher_scale.py."""

from __future__ import annotations

import math
import re
from collections import defaultdict

_WORDS = re.compile(r"\w+")


def build_index(phrasings: list[str]) -> tuple[dict[str, list[int]], dict[str, float]]:
    postings: dict[str, list[int]] = defaultdict(list)
    for index, text in enumerate(phrasings):
        for word in set(_WORDS.findall(text.casefold())):
            postings[word].append(index)
    total = len(phrasings) or 1
    idf = {w: math.log((total - len(p) + 0.5) / (len(p) + 0.5) + 1) for w, p in postings.items()}
    return dict(postings), idf
