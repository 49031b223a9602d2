"""Invites kept in the database: a random bearer token (a deep link's start parameter) that
admits to one target ("group", later "project"), expires, can be revoked and may be limited in
uses. Like every repository it never commits."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Invite, utcnow

TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters of A-Z a-z 0-9 _ -
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")  # Telegram's start parameter: at most 64
DEFAULT_DAYS = 14
Verdict = Literal["ok", "expired", "revoked", "used_up"]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def verdict(invite: Invite, now: datetime | None = None) -> Verdict:
    """Whether ``invite`` may be used now."""
    if invite.revoked:
        return "revoked"
    if invite.expires_at <= (now or utcnow()):
        return "expired"
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return "used_up"
    return "ok"


class InviteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        kind: str,
        target_id: int,
        created_by: int,
        *,
        role: str = "member",
        days: int = DEFAULT_DAYS,
        max_uses: int | None = None,
        now: datetime | None = None,
    ) -> Invite:
        moment = now or utcnow()  # one clock reading: valid for exactly ``days``
        invite = Invite(
            token=new_token(),
            kind=kind,
            target_id=target_id,
            role=role,
            created_by=created_by,
            created_at=moment,
            expires_at=moment + timedelta(days=days),
            max_uses=max_uses,
            uses=0,
            revoked=False,
        )
        self.session.add(invite)
        self.session.flush()
        return invite

    def find(self, token: str, *, lock: bool = False) -> Invite | None:
        """The invite with this token (anything not shaped like a token is not looked up);
        ``lock``: its row locked until the transaction ends (before counting a use)."""
        if not TOKEN_PATTERN.match(token):
            return None
        query = select(Invite).where(Invite.token == token)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def current(self, kind: str, target_id: int, now: datetime | None = None) -> Invite | None:
        """The newest usable invite to a target, if any."""
        query = (
            select(Invite)
            .where(Invite.kind == kind, Invite.target_id == target_id)
            .order_by(Invite.id.desc())
        )
        for invite in self.session.scalars(query):
            if verdict(invite, now) == "ok":
                return invite
        return None

    def revoke_all(self, kind: str, target_id: int) -> None:
        self.session.execute(
            update(Invite)
            .where(Invite.kind == kind, Invite.target_id == target_id)
            .values(revoked=True)
        )

    def delete_all(self, kind: str, target_id: int) -> None:
        for invite in self.session.scalars(
            select(Invite).where(Invite.kind == kind, Invite.target_id == target_id)
        ):
            self.session.delete(invite)
        self.session.flush()

    @staticmethod
    def use(invite: Invite) -> None:
        invite.uses += 1
