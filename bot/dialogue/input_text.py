"""Cleaning typed text at the door: control characters (other than tab and line breaks), lone
surrogates and non-characters are removed, so what a user typed can always be stored
(PostgreSQL refuses NUL) and written into XLSX, DOCX and PDF files (XML refuses the rest)."""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff"
    "\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff"
    "\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe\U000bffff\U000cfffe\U000cffff"
    "\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)


def clean_text(text: str) -> str:
    """``text`` without characters that cannot be stored or written into documents."""
    return _UNSAFE.sub("", text)
