"""Replies as JSON for the webhook's outbox table, and back.

A file not built yet (``OutFile.job``) is stored as a reference to its document job (its
position among the row's jobs) instead of its bytes; reading the row back needs the jobs'
results. A document given up on (its build kept failing) is left out, and so is a reply that
was only that document.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from bot.dialogue.messages import Button, OutFile, Reply


def reply_to_json(reply: Reply, jobs: list[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """``reply`` as JSON; each file's job recipe (when it has one) is appended to ``jobs``."""
    files = []
    for f in reply.files:
        entry: dict[str, Any] = {"filename": f.filename, "caption": f.caption}
        entry["is_image"] = f.is_image
        if f.job is not None:
            if jobs is None:
                raise ValueError("a file to be built needs somewhere to put its job")
            entry["job"] = len(jobs)
            jobs.append(f.job)
        else:
            entry["data"] = base64.b64encode(f.data).decode("ascii")
        files.append(entry)
    return {
        "text": reply.text,
        "buttons": [
            [{"label": b.label, "data": b.data, "url": b.url} for b in row] for row in reply.buttons
        ],
        "files": files,
        "edit": reply.edit,
        "notice": reply.notice,
    }


def reply_from_json(
    data: dict[str, Any], built: Mapping[int, bytes | None] | None = None
) -> Reply | None:
    """The stored reply with its files' bytes (``built``: job position -> bytes, None when
    given up); None when nothing of it is left to send."""
    files = []
    for f in data.get("files", []):
        if "job" in f:
            content = (built or {}).get(int(f["job"]))
            if content is None:
                continue
        else:
            content = base64.b64decode(f["data"])
        files.append(
            OutFile(
                f["filename"],
                content,
                caption=f.get("caption", ""),
                is_image=f.get("is_image", False),
            )
        )
    if data.get("files") and not files:
        return None
    return Reply(
        text=data["text"],
        buttons=tuple(
            tuple(Button(b["label"], b.get("data"), b.get("url")) for b in row)
            for row in data.get("buttons", [])
        ),
        files=tuple(files),
        edit=data.get("edit", False),
        notice=data.get("notice", False),
    )
