"""Projects and reminders on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.db import Database
from storage.privacy import erase_user, export_user
from storage.repositories import (
    ContactRepository,
    FlowResultRepository,
    ProjectRepository,
    ReminderRepository,
    UserRepository,
)

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def _db(url: str) -> Database:
    db = Database(url)
    db.migrate()
    with db.transaction() as session:
        for user_id in (1, 2):
            UserRepository(session).touch(user_id)
    return db


def test_one_active_project_and_only_ones_own(database_url: str) -> None:
    db = _db(database_url)
    with db.transaction() as session:
        projects = ProjectRepository(session)
        first = projects.add(1, name="A", action="ka2", role="coordinator")
        second = projects.add(1, name="B", action="ka1", role="partner")
        other = projects.add(2, name="C", action="cove", role="partner")
        assert projects.active(1).id == second.id
        assert projects.activate(1, first.id).name == "A"
        assert projects.activate(1, other.id) is None  # another user's project
        assert [p.active for p in projects.for_user(1)] == [True, False]
        assert projects.active(2).id == other.id
    db.dispose()


def test_reminders_are_replaced_and_claimed_once(database_url: str) -> None:
    db = _db(database_url)
    with db.transaction() as session:
        project = ProjectRepository(session).add(1, name="A", action="ka2", role="coordinator")
        reminders = ReminderRepository(session)
        text = {"lv": "pārskatiet", "en": "review"}
        reminders.replace(1, "risks", project.id, [("a", NOW, text), ("b", NOW, text)])
        reminders.replace(1, "risks", project.id, [("b", NOW - timedelta(days=1), text)])
        assert [r.key for r in reminders.pending(1)] == ["b"]
    with db.transaction() as session:
        assert ReminderRepository(session).claim_due(NOW - timedelta(days=2)) == []
    with db.transaction() as session:
        claimed = ReminderRepository(session).claim_due(NOW)
        assert [(r.user_id, r.key) for r in claimed] == [(1, "b")]
    with db.transaction() as session:
        assert ReminderRepository(session).claim_due(NOW + timedelta(days=30)) == []
    db.dispose()


def test_two_workers_never_claim_the_same_reminder(database_url: str) -> None:
    db = _db(database_url)
    with db.transaction() as session:
        text = {"lv": "x", "en": "x"}
        due = [(f"k{i}", NOW, text) for i in range(20)]
        ReminderRepository(session).replace(1, "risks", None, due)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with db.transaction() as session:
                rows = ReminderRepository(session).claim_due(NOW, limit=3)
                keys = [r.key for r in rows]
            if not keys:
                return
            with lock:
                claimed.extend(keys)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(f"k{i}" for i in range(20))  # each exactly once
    db.dispose()


def test_a_delivered_reminder_is_not_sent_again_when_the_plan_is_saved_again(
    database_url: str,
) -> None:
    """Defect: replacing reminders on their due day re-inserted the delivered ones."""
    db = _db(database_url)
    text = {"lv": "pārskatiet", "en": "review"}
    riga = timezone(timedelta(hours=2))
    with db.transaction() as session:
        project = ProjectRepository(session).add(1, name="A", action="ka2", role="coordinator")
        ReminderRepository(session).replace(1, "risks", project.id, [("a", NOW, text)])
    with db.transaction() as session:
        assert [r.key for r in ReminderRepository(session).claim_due(NOW)] == ["a"]
    with db.transaction() as session:  # later that day: another risk updated, "a" unchanged
        later = [("a", NOW.astimezone(riga), text), ("b", NOW, text)]
        ReminderRepository(session).replace(1, "risks", project.id, later)
    with db.transaction() as session:
        claimed = ReminderRepository(session).claim_due(NOW + timedelta(hours=1))
        assert [r.key for r in claimed] == ["b"]
    with db.transaction() as session:  # a new date for "a" is a new reminder
        moved = [("a", NOW + timedelta(days=7), text), ("b", NOW, text)]
        ReminderRepository(session).replace(1, "risks", project.id, moved)
        assert [r.key for r in ReminderRepository(session).pending(1)] == ["a"]
    with db.transaction() as session:
        assert ReminderRepository(session).claim_due(NOW + timedelta(days=1)) == []
        claimed = ReminderRepository(session).claim_due(NOW + timedelta(days=7))
        assert [r.key for r in claimed] == ["a"]
    db.dispose()


def test_contact_details_are_kept_per_user_exported_and_erased(database_url: str) -> None:
    db = _db(database_url)
    with db.transaction() as session:
        contacts = ContactRepository(session)
        assert contacts.get(1) == {}
        contacts.save(1, {"institution": "RVT", "person": "Anna", "email": "a@rvt.lv"})
        contacts.save(1, {"city": "Rīga", "person": "Jānis"})
        contacts.save(2, {"institution": "Other"})
    with db.transaction() as session:
        assert ContactRepository(session).get(1) == {
            "institution": "RVT",
            "person": "Jānis",
            "email": "a@rvt.lv",
            "city": "Rīga",
        }
        assert export_user(session, 1)["contact_details"][0]["email"] == "a@rvt.lv"
        erase_user(session, 1)
    with db.transaction() as session:
        assert ContactRepository(session).get(1) == {}
        assert ContactRepository(session).get(2) == {"institution": "Other"}
    db.dispose()


def test_the_document_name_is_kept_apart_from_the_call_details(database_url: str) -> None:
    """Issue 13 item 8: the name on the DigComp PDF — unknown until asked, "" for "no name",
    untouched by a call for partners, exported and erased with the user."""
    db = _db(database_url)
    with db.transaction() as session:
        contacts = ContactRepository(session)
        contacts.save(1, {"person": "Anna"})
        assert "document_name" not in contacts.get(1)  # never asked
        contacts.save(1, {"document_name": ""})
        assert contacts.get(1)["document_name"] == ""  # asked: no name
        contacts.save(1, {"document_name": "Anna Bērziņa"})
        contacts.save(1, {"institution": "RVT"})  # a later call keeps the name
        contacts.save(2, {"document_name": "Jānis"})
    with db.transaction() as session:
        assert ContactRepository(session).get(1)["document_name"] == "Anna Bērziņa"
        assert export_user(session, 1)["contact_details"][0]["document_name"] == "Anna Bērziņa"
        erase_user(session, 1)
    with db.transaction() as session:
        assert ContactRepository(session).get(1) == {}
        assert ContactRepository(session).get(2) == {"document_name": "Jānis"}
    db.dispose()


def test_projects_are_renamed_archived_and_deleted_with_their_results(database_url: str) -> None:
    """Item 9: deleting a project removes its registers, plans and reminders; only one's own."""
    db = _db(database_url)
    text = {"lv": "x", "en": "x"}
    with db.transaction() as session:
        projects = ProjectRepository(session)
        kept = projects.add(1, name="A", action="ka2", role="coordinator")
        gone = projects.add(1, name="B", action="ka1", role="partner")
        FlowResultRepository(session).add(1, "risks", {"answers": {}}, project_id=gone.id)
        FlowResultRepository(session).add(1, "risks", {"answers": {}}, project_id=kept.id)
        ReminderRepository(session).replace(1, "risks", gone.id, [("k", NOW, text)])
        ReminderRepository(session).replace(1, "risks", kept.id, [("k", NOW, text)])
        assert projects.update(2, gone.id, name="Stolen") is None  # another user's
        assert projects.update(1, gone.id, name="B2").name == "B2"
        assert projects.archive(1, gone.id).active is False
        assert projects.activate(1, gone.id) is None  # archived: never active
        assert not projects.delete(2, gone.id)
        assert projects.delete(1, gone.id)
    with db.transaction() as session:
        assert [p.name for p in ProjectRepository(session).for_user(1)] == ["A"]
        results = FlowResultRepository(session).latest(1, "risks", limit=5)
        assert [r.project_id for r in results] == [kept.id]
        assert [r.project_id for r in ReminderRepository(session).pending(1)] == [kept.id]
    db.dispose()


def test_a_shared_projects_reminders_are_replaced_for_everyone_and_sent_once(
    database_url: str,
) -> None:
    db = _db(database_url)
    text = {"lv": "x", "en": "x"}
    with db.transaction() as session:
        UserRepository(session).touch(3)
        project = ProjectRepository(session).add(1, name="A", action="ka2", role="coordinator")
        ReminderRepository(session).replace_project(
            "risks", project.id, [(1, "digest-d", NOW, text), (2, "risk-a", NOW, text)]
        )
    with db.transaction() as session:
        assert len(ReminderRepository(session).claim_due(NOW)) == 2
    with db.transaction() as session:  # saved again: the risk passes to user 3, a new one
        ReminderRepository(session).replace_project(
            "risks",
            project.id,
            [(1, "digest-d", NOW, text), (3, "risk-a", NOW, text), (2, "risk-b", NOW, text)],
        )
        later = NOW + timedelta(days=1)
        ReminderRepository(session).replace_project(
            "risks", project.id, [(2, "risk-b", later, text), (1, "digest-d", NOW, text)]
        )
    with db.transaction() as session:  # only what the last save asked for and was not sent
        due = ReminderRepository(session).claim_due(later)
        assert [(r.user_id, r.key) for r in due] == [(2, "risk-b")]
    db.dispose()


def test_a_reminder_for_someone_busy_with_an_input_of_their_own_does_not_wait(
    database_url: str,
) -> None:
    """A user's input holds their row (``touch``); a teammate finishing a shared register
    meanwhile adds a reminder for them, which checks that row as a foreign key. With FOR UPDATE
    the two waited for each other (a deadlock once the first also wanted the project)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writing transaction at a time")
    db = _db(database_url)
    with db.transaction() as session:
        project = ProjectRepository(session).add(1, name="A", action="ka2", role="coordinator")
    done = threading.Event()
    with db.transaction() as busy:
        UserRepository(busy).touch(2)  # user 2's input, not finished yet

        def teammate() -> None:
            with db.transaction() as session:
                ReminderRepository(session).replace_project(
                    "risks", project.id, [(2, "risk-a", NOW, {"lv": "x", "en": "x"})]
                )
            done.set()

        thread = threading.Thread(target=teammate)
        thread.start()
        # Had it waited for user 2's row, the lock time-out (3 s) would have ended the
        # teammate's transaction in an error and ``done`` would never be set: the ceiling
        # matters only then, however slowly a loaded machine runs the thread.
        assert done.wait(60), "the teammate's reminder waited for user 2's input"
    thread.join(60)
    db.dispose()
