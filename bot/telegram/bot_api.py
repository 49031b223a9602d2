"""The webhook worker's own Bot API client: the few methods the outbox sender and the webhook's
start-up call, as JSON (or multipart, for files) over one persistent ``httpx.AsyncClient``.

Why not python-telegram-bot's ``Bot`` here: the sender only needs "accepted or not, and why";
``Bot`` turns every call's parameters into objects and back, and every answer into a
``Message`` the sender never reads — about half of the sending side's CPU in a loaded worker.
Here a call is one ``json.dumps`` and one ``httpx`` request; of the answer only ``ok``,
``error_code``, ``description``, ``parameters.retry_after`` and (``getMe``) the username are
read. Errors keep python-telegram-bot's meaning: 400 ``BadRequest``, 403 ``Forbidden``, a
``retry_after`` ``RetryAfter``, a transport failure, time-out or other 5xx ``NetworkError``;
anything else ``BotApiError``. Polling mode (bot/telegram/polling.py) keeps the library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from bot.settings import DEFAULT_API_BASE_URL

TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=5.0, pool=1.0)
UPLOAD_WRITE_TIMEOUT = 20.0  # seconds to send a file (python-telegram-bot's media default)
JSON_HEADERS = {"Content-Type": "application/json"}


class BotApiError(Exception):
    """Telegram refused a call (or answered something that is not the Bot API)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class BadRequest(BotApiError):
    """400: the call itself is wrong (e.g. "message is not modified", a message too old)."""


class Forbidden(BotApiError):
    """403: the user blocked the bot, or the chat is gone."""


class RetryAfter(BotApiError):
    """429 (flood control): try again after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, 429)
        self.retry_after = retry_after


class NetworkError(BotApiError):
    """No answer (connection, time-out) or a server error: the call may be tried again."""


class BotApi:
    """One bot's Bot API: ``call`` for any JSON method, ``upload`` for one file."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_API_BASE_URL,
        *,
        pool_size: int = 32,
    ) -> None:
        self._prefix = f"{base_url}{token}/"
        limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        self._client = httpx.AsyncClient(timeout=TIMEOUT, limits=limits)
        self.username: str | None = None  # learnt by get_me

    async def close(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> BotApi:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """POST ``params`` (None values left out) as JSON; the answer's ``result``."""
        body = json.dumps(  # ASCII: a stray surrogate is Telegram's 400, not an encoding error
            {k: v for k, v in (params or {}).items() if v is not None}, separators=(",", ":")
        ).encode()
        return await self._post(method, content=body, headers=JSON_HEADERS)

    async def upload(
        self,
        method: str,
        field: str,
        filename: str,
        data: bytes,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """POST one file as multipart form data; other parameters as form fields (strings as
        they are, the rest as JSON)."""
        fields = {
            key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            for key, value in (params or {}).items()
            if value is not None
        }
        timeout = TIMEOUT.as_dict() | {"write": UPLOAD_WRITE_TIMEOUT}
        return await self._post(
            method,
            data=fields,
            files={field: (filename, data)},
            timeout=httpx.Timeout(**timeout),
        )

    async def _post(self, method: str, **request: Any) -> Any:
        try:
            response = await self._client.post(self._prefix + method, **request)
        except httpx.TimeoutException as exc:
            raise NetworkError(f"timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:  # the message never holds the URL (nor the token)
            raise NetworkError(type(exc).__name__) from None
        return _result(response.status_code, response.content)

    # ---- the methods the webhook uses ----------------------------------------------------
    async def get_me(self) -> dict[str, Any]:
        """The bot's own user; remembers its @username."""
        me = await self.call("getMe")
        if not isinstance(me, dict):
            raise BotApiError("getMe answered something that is not a user")
        username = me.get("username")
        self.username = username if isinstance(username, str) else None
        return me

    async def send_message(
        self,
        chat_id: int,
        text: str,
        reply_markup: Mapping[str, Any] | None = None,
        *,
        no_preview: bool = False,
    ) -> None:
        await self.call(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": text,
                "reply_markup": reply_markup,
                "link_preview_options": {"is_disabled": True} if no_preview else None,
            },
        )

    async def edit_message_text(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        reply_markup: Mapping[str, Any] | None = None,
        *,
        no_preview: bool = False,
    ) -> None:
        await self.call(
            "editMessageText",
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "reply_markup": reply_markup,
                "link_preview_options": {"is_disabled": True} if no_preview else None,
            },
        )

    async def answer_callback_query(self, callback_query_id: str, text: str | None = None) -> None:
        await self.call(
            "answerCallbackQuery", {"callback_query_id": callback_query_id, "text": text}
        )

    async def send_file(
        self,
        chat_id: int,
        filename: str,
        data: bytes,
        *,
        photo: bool,
        caption: str | None = None,
        reply_markup: Mapping[str, Any] | None = None,
    ) -> None:
        """``sendPhoto`` (``photo``) or ``sendDocument`` with the file uploaded."""
        method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
        params = {"chat_id": chat_id, "caption": caption, "reply_markup": reply_markup}
        await self.upload(method, field, filename, data, params)


def _result(status: int, content: bytes) -> Any:
    """The ``result`` of a Bot API answer, or the error it stands for."""
    try:
        answer = json.loads(content)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if 200 <= status < 300:
            raise BotApiError("the Bot API answered something that is not JSON", status)
        answer = {}
    if 200 <= status < 300 and answer.get("ok") is True:
        return answer.get("result")
    code = answer.get("error_code", status)
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if isinstance(retry_after, int | float) and not isinstance(retry_after, bool):
        raise RetryAfter(description, float(retry_after))
    if code == 400 or status == 400:
        raise BadRequest(description, 400)
    if code == 403 or status == 403:
        raise Forbidden(description, 403)
    if status >= 500 or code == 429:
        raise NetworkError(description, status)
    raise BotApiError(description, code if isinstance(code, int) else status)
