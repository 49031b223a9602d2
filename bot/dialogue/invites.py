"""Invite links for the dialogue core, shared by every kind of invite (teachers' groups now,
shared projects later): the deep link and its QR code, and ``/start <token>`` dispatched by the
invite's kind after the token is checked. A bad token changes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from bot.dialogue.messages import OutFile, Reply
from bot.dialogue.turn import Turn
from bot.settings import DEFAULT_BOT_USERNAME
from flows.dates import local_date, show_date
from knowledge.texts import Catalogue
from storage.invites import InviteRepository, verdict
from storage.models import Invite

# kind -> what opening a usable invite of that kind does
Opener = Callable[[Turn, Invite], None]


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def qr_png(link: str) -> bytes:
    """A QR code of ``link`` as a PNG (big enough to scan from a classroom screen)."""
    import qrcode
    from qrcode.image.pil import PilImage

    code = qrcode.QRCode(border=4, box_size=12, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    code.make(fit=True)
    image = code.make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


@dataclass
class InviteDesk:
    """Opens invites: ``openers`` maps an invite kind to its handler."""

    texts: Catalogue
    bot_username: str = DEFAULT_BOT_USERNAME
    openers: dict[str, Opener] | None = None

    def link(self, token: str, username: str | None = None) -> str:
        """The deep link for ``token``: to the bot the input came through (Telegram's getMe,
        carried by the Input), else to the configured ``BOT_USERNAME`` (the terminal)."""
        return deep_link(username or self.bot_username, token)

    def share(
        self,
        turn: Turn,
        invite: Invite,
        keys: tuple[str, str],
        filename: str,
        **values: object,
    ) -> list[Reply]:
        """An invite as the link to copy (the text ``keys[0]`` gets ``link`` and ``until``) and
        its QR code as a photo ``filename`` to show in a room (captioned ``keys[1]``)."""
        text_key, caption_key = keys
        link = self.link(invite.token, turn.input.bot_username)
        until = show_date(local_date(invite.expires_at))
        text = self.texts.text(text_key, turn.lang, link=link, until=until, **values)
        caption = self.texts.text(caption_key, turn.lang, **values)
        qr = OutFile(filename, qr_png(link), caption, is_image=True)
        return [Reply(text), Reply(caption, files=(qr,))]

    def open(self, turn: Turn, token: str) -> None:
        """``/start <token>``: the invite's handler when the token is usable, else why not."""
        invite = InviteRepository(turn.session).find(token.strip())
        opener = (self.openers or {}).get(invite.kind) if invite is not None else None
        if invite is None or opener is None:
            turn.say(Reply(self.texts.text("invites.unknown", turn.lang)))
            return
        state = verdict(invite)
        if state != "ok":
            self._refuse(turn, invite.kind, state)
            return
        opener(turn, invite)

    def check(self, turn: Turn, token: str, kind: str) -> Invite | None:
        """The usable invite of ``kind`` with this token (a confirmation re-checks it, with the
        invite's row locked until the input is saved: two people taking the last place of a
        limited invite at once are served one after the other), or None after saying why not."""
        invite = InviteRepository(turn.session).find(token, lock=True)
        if invite is None or invite.kind != kind:
            turn.say(Reply(self.texts.text("invites.unknown", turn.lang)))
            return None
        state = verdict(invite)
        if state != "ok":
            self._refuse(turn, kind, state)
            return None
        return invite

    def _refuse(self, turn: Turn, kind: str, state: str) -> None:
        """Why an invite cannot be used, in the words of its kind (whom to ask for a new one)."""
        try:
            text = self.texts.text(f"invites.{kind}.{state}", turn.lang)
        except KeyError:
            text = self.texts.text(f"invites.{state}", turn.lang)
        turn.say(Reply(text))
