"""Shared projects in storage, on SQLite and PostgreSQL: the 0008 migration makes each existing
project's owner its coordinator; a team's projects, roles and the active project per person."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from storage.db import MIGRATIONS_DIR, Database
from storage.models import ProjectMember
from storage.repositories import ProjectRepository, UserRepository
from storage.team import TeamRepository


def _alembic(db: Database, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_0008_makes_every_owner_the_coordinator_and_goes_back(empty_database_url: str) -> None:
    db = Database(empty_database_url)
    _alembic(db, "0007")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, language_fixed, first_seen, last_seen) "
                "VALUES (7, false, '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO projects (user_id, name, action, role, active, archived, created_at) "
                "VALUES (7, 'Old', 'ka2', 'coordinator', true, false, '2026-01-02')"
            )
        )
    _alembic(db, "head")
    with db.transaction() as session:
        rows = session.scalars(select(ProjectMember)).all()
        assert [(r.user_id, r.role, r.active) for r in rows] == [(7, "coordinator", False)]
        project = ProjectRepository(session).active(7)
        assert project is not None and project.name == "Old"  # still the owner's active one
    _alembic(db, "0007", down=True)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM projects")).scalar() == 1
    db.dispose()


def test_team_projects_roles_and_active_per_person(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as session:
        for user in (1, 2, 3):
            UserRepository(session).touch(user)
        projects = ProjectRepository(session)
        shared = projects.add(1, first_name="Anna", name="Shared", action="ka2", role="coordinator")
        own = projects.add(2, name="Own", action="ka1", role="coordinator")
        team = TeamRepository(session)
        assert team.role(shared, 1) == "coordinator" and team.coordinator_name(shared) == "Anna"
        assert team.join(shared, 2, "member", "Jānis")
        assert not team.join(shared, 2, "viewer", "Jānis")  # once only
        assert team.join(shared, 3, "viewer", None)
        assert (team.role(shared, 2), team.role(shared, 3), team.role(own, 3)) == (
            "member",
            "viewer",
            None,
        )
        assert [p.name for p in projects.for_user(2)] == ["Shared", "Own"]
        assert projects.active(2) is own  # own project still active until another is chosen
        assert projects.activate(2, shared.id) is shared
        assert projects.active(2) is shared and not own.active
        assert projects.active(1) is shared  # the coordinator's choice is their own
        assert projects.activate(3, own.id) is None  # not on that team
        assert projects.get(2, shared.id) is None  # changes: the coordinator only
        assert projects.visible(2, shared.id) is shared and projects.visible(3, own.id) is None
        assert [m.first_name for m in team.members(shared.id)] == ["Anna", "Jānis", None]
    db.dispose()
