"""Replies as JSON for the webhook's outbox table, and back."""

from __future__ import annotations

import base64
from typing import Any

from bot.dialogue.messages import Button, OutFile, Reply


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [
            [{"label": b.label, "data": b.data, "url": b.url} for b in row] for row in reply.buttons
        ],
        "files": [
            {
                "filename": f.filename,
                "data": base64.b64encode(f.data).decode("ascii"),
                "caption": f.caption,
                "is_image": f.is_image,
            }
            for f in reply.files
        ],
        "edit": reply.edit,
        "notice": reply.notice,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    return Reply(
        text=data["text"],
        buttons=tuple(
            tuple(Button(b["label"], b.get("data"), b.get("url")) for b in row)
            for row in data.get("buttons", [])
        ),
        files=tuple(
            OutFile(
                f["filename"],
                base64.b64decode(f["data"]),
                caption=f.get("caption", ""),
                is_image=f.get("is_image", False),
            )
            for f in data.get("files", [])
        ),
        edit=data.get("edit", False),
        notice=data.get("notice", False),
    )
