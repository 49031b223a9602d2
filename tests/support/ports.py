"""Ports for tests, reserved rather than guessed: a port bound here (with ``SO_REUSEADDR``, never
listening) is not handed to anyone else — not to another test run's ``bind(0)``, not as the
local end of an outgoing connection — while connecting to it is refused. A server started on it
(uvicorn, the fake Bot API, the webhook's own port check: all ``SO_REUSEADDR``) may still bind
and listen on it. A port that was merely free a moment ago may be taken by then on a busy
machine."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


def reserve_port() -> socket.socket:
    """A socket bound to a free port on ``HOST`` and not listening; close it to give it up."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))
    except OSError:
        sock.close()
        raise
    return sock


@contextmanager
def reserved_port() -> Iterator[int]:
    """A port kept for the block: nothing listens on it unless the block starts a server there
    (so, until then, a closed port: connections are refused)."""
    sock = reserve_port()
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()
