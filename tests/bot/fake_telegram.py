"""A recording Bot API request for offline tests, and builders of real update payloads."""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 123456
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Ceļvedis", "username": "celvedis_bot"}


class RecordingRequest(BaseRequest):
    """Records every Bot API call and answers with canned, valid JSON."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._message_id = 1000

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((endpoint, params))
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, params)}).encode()

    def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if endpoint in {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}:
            self._message_id += 1
            chat_id = int(params.get("chat_id", 1))
            message = {
                "message_id": self._message_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            if endpoint == "sendPhoto":
                message["photo"] = [
                    {"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}
                ]
            if endpoint == "sendDocument":
                message["document"] = {"file_id": "d", "file_unique_id": "d"}
            return message
        return True

    def sent(self, *endpoints: str) -> list[dict[str, Any]]:
        wanted = endpoints or ("sendMessage",)
        return [params for endpoint, params in self.calls if endpoint in wanted]


_update_id = 0


def _next_update_id() -> int:
    global _update_id
    _update_id += 1
    return _update_id


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Ilze", "language_code": "lv"}


def message_update(user_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": 1,
        "date": 0,
        "from": _user(user_id),
        "chat": {"id": user_id, "type": "private"},
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": _next_update_id(), "message": message}


def callback_update(user_id: int, data: str, message_id: int = 1001) -> dict[str, Any]:
    return {
        "update_id": _next_update_id(),
        "callback_query": {
            "id": f"cb{_next_update_id()}",
            "from": _user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 0,
                "from": BOT_USER,
                "chat": {"id": user_id, "type": "private"},
                "text": "…",
            },
        },
    }


def channel_post_update(text: str = "/mydata") -> dict[str, Any]:
    """A post in a channel (no sender user): the bot ignores it, command or not."""
    message: dict[str, Any] = {
        "message_id": 5,
        "date": 0,
        "chat": {"id": -1009999, "type": "channel", "title": "Ziņas"},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": _next_update_id(), "channel_post": message}
