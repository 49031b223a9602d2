"""A fake Telegram Bot API HTTP server on 127.0.0.1, for tests and benchmarks in which the bot
runs in other processes (pointed at it with ``TELEGRAM_API_BASE_URL=<fake.base_url>``).

python-telegram-bot calls ``<base_url><token>/<method>``: form-encoded fields (strings as they
are, everything else JSON-encoded), or multipart form data when it uploads files. JSON bodies and
query strings are accepted too. Every call is recorded as an ``ApiCall``; results are valid Bot
API objects. ``latency`` slows every call down, ``fail_next`` makes calls fail (429 by default).

    with FakeBotApi() as fake:
        ...  # start workers with TELEGRAM_API_BASE_URL=fake.base_url, TELEGRAM_BOT_TOKEN=fake.token
        fake.wait_for(lambda calls: len(calls) >= 3, timeout=10)

Standalone: ``python -m tests.support.fake_bot_api --port 8081``.
"""

from __future__ import annotations

import argparse
import asyncio
import email.parser
import email.policy
import itertools
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DEFAULT_TOKEN = "123456:TEST-TOKEN"
HOST = "127.0.0.1"

# Parameters kept as the strings they were sent as (the rest are JSON-decoded where they parse).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "parse_mode",
        "language_code",
        "description",
        "short_description",
        "name",
        "ip_address",
    }
)
_STATUS_DESCRIPTIONS = {
    400: "Bad Request: simulated failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class ApiCall:
    """One recorded Bot API call.

    ``text`` is the text or caption; ``params`` all non-file parameters, decoded; ``at`` is
    ``time.monotonic()`` on arrival. ``ok`` is False for calls answered with a (simulated) error;
    ``files`` maps each uploaded part's name to (file name, content).
    """

    method: str
    chat_id: int | str | None
    text: str | None
    params: dict[str, Any]
    at: float
    ok: bool = True
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class _Failure:
    remaining: int
    status: int
    retry_after: int


class FakeBotApi:
    """A fake Bot API in a background thread: ``start()``/``stop()`` or ``with FakeBotApi():``."""

    def __init__(
        self,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        *,
        port: int = 0,
        latency: float = 0.0,
        bot_username: str = "celvedis_bot",
    ) -> None:
        self.tokens = tuple(tokens)
        if not self.tokens:
            raise ValueError("at least one token is needed")
        self.latency = latency
        self.bot_username = bot_username
        self._requested_port = port
        self._port: int | None = None
        self._calls: list[ApiCall] = []
        self._changed = threading.Condition()
        self._failures: dict[str, list[_Failure]] = {}
        self._message_ids: dict[int | str, int] = {}
        self._file_ids = itertools.count(1)
        self._webhook: dict[str, Any] = {"url": ""}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )

    # ---- lifecycle -------------------------------------------------------------------
    @property
    def token(self) -> str:
        """The first accepted token (the one to give a bot)."""
        return self.tokens[0]

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the fake Bot API is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as ``base_url`` (it appends ``<token>/<method>``)."""
        return f"http://{HOST}:{self.port}/bot"

    def start(self, timeout: float = 60.0) -> FakeBotApi:
        """Serve in a background thread; returns once the port is listening (``timeout``: a
        ceiling for a loaded machine, not a pace)."""
        if self._thread is not None:
            raise RuntimeError("already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, self._requested_port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="fake-bot-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the fake Bot API did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        self._server = self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- knobs and records -----------------------------------------------------------
    def fail_next(self, method: str, n: int = 1, status: int = 429, retry_after: int = 1) -> None:
        """The next ``n`` calls of ``method`` fail with ``status`` (429: Telegram's flood error
        with ``retry_after`` seconds)."""
        with self._changed:
            self._failures.setdefault(method, []).append(_Failure(n, status, retry_after))

    def calls(self, method: str | None = None, chat_id: int | str | None = None) -> list[ApiCall]:
        """The recorded calls in arrival order, optionally of one method and/or chat."""
        with self._changed:
            return [
                call
                for call in self._calls
                if (method is None or call.method == method)
                and (chat_id is None or call.chat_id == chat_id)
            ]

    def messages_for(self, chat_id: int | str) -> list[str]:
        """The texts and captions delivered to a chat in arrival order, edits included."""
        sending = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}
        return [
            call.text or ""
            for call in self.calls(chat_id=chat_id)
            if call.ok and call.method in sending
        ]

    def clear(self) -> None:
        """Forget the recorded calls (message ids, webhook and pending failures are kept)."""
        with self._changed:
            self._calls.clear()
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[list[ApiCall]], bool], timeout: float = 60.0
    ) -> list[ApiCall]:
        """Wait until ``predicate(recorded calls)`` holds and return the calls; TimeoutError
        (listing what arrived) when it does not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(list(self._calls)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(f"{c.method}({c.chat_id})" for c in self._calls[-20:])
                    raise TimeoutError(
                        f"condition not met in {timeout} s; {len(self._calls)} calls: {seen}"
                    )
                self._changed.wait(remaining)
            return list(self._calls)

    # ---- the HTTP side ---------------------------------------------------------------
    async def _endpoint(self, request: Request) -> JSONResponse:
        token = request.path_params["token"]
        method = request.path_params["method"]
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if token not in self.tokens:
            return _error(401)
        params, files = await _read_params(request)
        text = params.get("text", params.get("caption"))
        call = ApiCall(
            method=method,
            chat_id=params.get("chat_id"),
            text=text if isinstance(text, str) else None,
            params=params,
            at=time.monotonic(),
            files=files,
        )
        with self._changed:
            failure = self._take_failure(method)
            if failure is not None:
                call = replace(call, ok=False)
                response = _error(failure.status, failure.retry_after)
            else:
                response = JSONResponse({"ok": True, "result": self._result(token, call)})
            self._calls.append(call)
            self._changed.notify_all()
        return response

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        return failure

    def _bot_user(self, token: str) -> dict[str, Any]:
        bot_id = token.split(":", 1)[0]
        return {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "Ceļvedis",
            "username": self.bot_username,
        }

    def _result(self, token: str, call: ApiCall) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return {
                **self._bot_user(token),
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in {"sendMessage", "sendPhoto", "sendDocument"}:
            message = self._message(token, call.chat_id, self._next_message_id(call.chat_id))
            if method == "sendMessage":
                message["text"] = call.text or ""
            else:
                if call.text is not None:
                    message["caption"] = call.text
                if method == "sendPhoto":
                    message["photo"] = self._photo()
                else:
                    message["document"] = self._document(call)
            return message
        if method == "editMessageText":
            if "inline_message_id" in params:
                return True
            message_id = params.get("message_id")
            if not isinstance(message_id, int):
                message_id = self._next_message_id(call.chat_id)
            message = self._message(token, call.chat_id, message_id)
            message["text"] = call.text or ""
            message["edit_date"] = int(time.time())
            return message
        if method == "getWebhookInfo":
            return {
                "url": self._webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
                "max_connections": self._webhook.get("max_connections", 40),
            }
        if method == "setWebhook":
            self._webhook = {"url": str(params.get("url", ""))}
            if isinstance(params.get("max_connections"), int):
                self._webhook["max_connections"] = params["max_connections"]
            return True
        if method == "deleteWebhook":
            self._webhook = {"url": ""}
            return True
        return True  # answerCallbackQuery, setMyCommands, deleteMyCommands and anything else

    def _next_message_id(self, chat_id: int | str | None) -> int:
        key = chat_id if chat_id is not None else 0
        self._message_ids[key] = self._message_ids.get(key, 0) + 1
        return self._message_ids[key]

    def _message(self, token: str, chat_id: int | str | None, message_id: int) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id if isinstance(chat_id, int) else 0}
        chat["type"] = "private"
        if chat["id"] > 0:
            chat["first_name"] = "Test"
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(token),
        }

    def _file_ids_pair(self, prefix: str) -> tuple[str, str]:
        number = next(self._file_ids)
        return f"{prefix}{number:08d}", f"u{prefix}{number:08d}"

    def _photo(self) -> list[dict[str, Any]]:
        sizes = []
        for width, height in ((90, 60), (800, 533)):
            file_id, unique_id = self._file_ids_pair("photo")
            sizes.append(
                {"file_id": file_id, "file_unique_id": unique_id, "width": width, "height": height}
            )
        return sizes

    def _document(self, call: ApiCall) -> dict[str, Any]:
        file_id, unique_id = self._file_ids_pair("doc")
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique_id}
        upload = call.files.get("document")
        if upload is not None:
            document["file_name"] = upload[0]
            document["file_size"] = len(upload[1])
        return document


def _error(status: int, retry_after: int = 1) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status}
    if status == 429:
        body["description"] = f"Too Many Requests: retry after {retry_after}"
        body["parameters"] = {"retry_after": retry_after}
    else:
        body["description"] = _STATUS_DESCRIPTIONS.get(status, f"Error {status}")
    return JSONResponse(body, status_code=status)


def _decode(name: str, value: str) -> Any:
    """A form value as python-telegram-bot meant it: JSON for non-strings, else the string."""
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """All parameters of a call (query string, then body), decoded, and any uploaded files."""
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query_params.items()}
    files: dict[str, tuple[str, bytes]] = {}
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if not body:
        return params, files
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
        if isinstance(decoded, dict):
            params.update(decoded)
    elif content_type.startswith("multipart/form-data"):
        fields, files = _parse_multipart(content_type, body)
        params.update({k: _decode(k, v) for k, v in fields.items()})
    else:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        params.update({k: _decode(k, v) for k, v in pairs})
    return params, files


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Form fields and files of a multipart body (with the standard library's MIME parser)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (str(filename), payload)
        else:
            fields[str(name)] = payload.decode("utf-8")
    return fields, files


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake standalone until interrupted."""
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API for local testing")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--token", action="append", help=f"accepted bot token (repeatable; default {DEFAULT_TOKEN})"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each call")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    fake = FakeBotApi(args.token or (DEFAULT_TOKEN,), port=args.port, latency=args.latency)
    fake.start()
    print(f"fake Bot API at {fake.base_url}  (TELEGRAM_API_BASE_URL={fake.base_url})", flush=True)
    print(f"tokens: {', '.join(fake.tokens)}", flush=True)
    try:
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
        print(f"{len(fake.calls())} calls recorded", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
