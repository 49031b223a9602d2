"""Invites and groups in storage, on SQLite and PostgreSQL: tokens, expiry, revocation and use
limits; which results count for a round; deleting a group."""

from __future__ import annotations

import re
from datetime import timedelta

from storage.db import Database
from storage.groups import GroupRepository
from storage.invites import InviteRepository, verdict
from storage.models import FlowResult, RoundEntry, User, utcnow


def _db(url: str) -> Database:
    db = Database(url)
    db.migrate()
    with db.transaction() as session:
        session.add_all([User(id=n) for n in (1, 2, 3, 4)])
    return db


def test_invite_tokens_are_long_random_and_fit_a_start_parameter(database_url: str) -> None:
    db = _db(database_url)
    try:
        with db.transaction() as session:
            repo = InviteRepository(session)
            tokens = {repo.create("group", 1, 1).token for _ in range(50)}
        assert len(tokens) == 50
        for token in tokens:
            assert re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token)  # >= 96 bits, <= 64 characters
    finally:
        db.dispose()


def test_invite_expiry_revocation_and_use_limit(database_url: str) -> None:
    db = _db(database_url)
    try:
        now = utcnow()
        with db.transaction() as session:
            repo = InviteRepository(session)
            fresh = repo.create("group", 7, 1, now=now)
            assert verdict(fresh, now) == "ok"
            assert verdict(fresh, now + timedelta(days=14, seconds=1)) == "expired"
            limited = repo.create("project", 7, 1, max_uses=1, now=now)
            InviteRepository.use(limited)
            assert verdict(limited, now) == "used_up"
            assert repo.current("group", 7, now) is fresh
            repo.revoke_all("group", 7)
            session.flush()
            session.refresh(fresh)
            assert verdict(fresh, now) == "revoked"
            assert repo.current("group", 7, now) is None
            assert repo.find("not a token!") is None and repo.find("A" * 32) is None
            assert repo.find(limited.token) is limited
    finally:
        db.dispose()


def test_a_round_counts_results_finished_while_open_and_after_joining(database_url: str) -> None:
    db = _db(database_url)
    try:
        t0 = utcnow()
        with db.transaction() as session:
            repo = GroupRepository(session)
            group = repo.create(1, "3.B")
            repo.join(group.id, 2)
            repo.join(group.id, 3)
            session.flush()

            def result(user: int, at: object) -> None:
                session.add(
                    FlowResult(user_id=user, flow="digcomp", data={"levels": {}}, created_at=at)
                )

            result(2, t0 - timedelta(days=1))  # before the round: not counted
            found = repo.start_round(group.id, "before", now=t0)
            result(2, t0 + timedelta(minutes=1))
            result(2, t0 + timedelta(minutes=2))  # the newest one counts
            result(3, t0 + timedelta(minutes=3))
            result(4, t0 + timedelta(minutes=3))  # not a member
            session.flush()
            assert repo.finished_count(found) == 2
            assert repo.close_round(found, now=t0 + timedelta(minutes=5)) == 2
            result(3, t0 + timedelta(minutes=6))  # after closing: the snapshot stays
            session.flush()
            assert repo.finished_count(found) == 2
            assert set(repo.entries(found)) == {2, 3}
            assert repo.leave(group.id, 3)
            assert set(repo.entries(found)) == {2}
            repo.delete(group)
            assert session.query(RoundEntry).count() == 0
            assert session.query(FlowResult).count() == 6
    finally:
        db.dispose()
