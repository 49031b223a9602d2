"""A project shared with its team: the team's page on a project card, invites (deep link + QR,
member or viewer, revocable) and joining by ``/start <token>``. Every button is checked against
the pressing user's role on the project, on every input: an old or forged button changes
nothing."""

from __future__ import annotations

import re

from bot.dialogue import callbacks
from bot.dialogue.callbacks import Callback
from bot.dialogue.invites import InviteDesk
from bot.dialogue.messages import Button, Reply
from bot.dialogue.turn import Turn
from flows.dates import local_date, show_date
from knowledge.texts import Catalogue
from storage.invites import DEFAULT_DAYS, InviteRepository, verdict
from storage.models import Invite, Project
from storage.repositories import ProjectRepository
from storage.team import INVITE_KIND, INVITE_ROLES, TeamRepository

KIND = "tm"  # tm:<action>:<project id | invite token>
ROLE_CODES = {"m": "member", "v": "viewer"}  # tm:inv<code>:<project id>, tm:mk<code>:<member>
# An invite's choices, a tap each: tm:inv<role>[<days>]:<project> shows them (that expiry
# picked); tm:new<role><uses>d<days>:<project> makes the invite. Only these values are taken.
CHOOSE = re.compile(r"inv([mv])(\d{1,3})?")
CREATE = re.compile(r"new([mv])(\d{1,3}|n)d(\d{1,3})")
USES: dict[str, int | None] = {"1": 1, "5": 5, "20": 20, "n": None}  # "n": no limit
DAYS = (1, 7, 14, 30)
# tm:<action>:<project_members id>: the coordinator's actions on one person of the team
MEMBER_ACTIONS = ("mem", "mkm", "mkv", "rm", "rmok", "hand", "handok")


class TeamDesk:
    """The team's page and invites of a project; joining a project by its link."""

    def __init__(self, texts: Catalogue, invites: InviteDesk) -> None:
        self.texts = texts
        self.invites = invites

    def t(self, turn: Turn, key: str, **values: object) -> str:
        return self.texts.text(key, turn.lang, **values)

    def _invalid(self, turn: Turn) -> None:
        turn.say(Reply(self.t(turn, "input.invalid_button"), notice=True))

    def button(self, turn: Turn, callback: Callback) -> None:
        """A ``tm`` button: the role of the user who pressed it is checked here, every time."""
        action, arg = callback.args
        if action == "join":
            self.join(turn, arg)
            return
        if action == "no":
            turn.say(Reply(self.t(turn, "team.not_joined")))
            return
        if not arg.isdigit() or len(arg) > 12:
            self._invalid(turn)
            return
        if action in MEMBER_ACTIONS:
            self.member_action(turn, action, int(arg))
            return
        project = ProjectRepository(turn.session).visible(turn.user.id, int(arg))
        if project is None:  # a stranger or a removed member: nothing to see
            self._invalid(turn)
            return
        if action == "show":
            turn.say(self.page(turn, project))
            return
        if action in ("leave", "leaveok"):
            self.leave(turn, project, confirmed=action == "leaveok")
            return
        if TeamRepository(turn.session).role(project, turn.user.id) != "coordinator":
            turn.say(Reply(self.t(turn, "team.coordinator_only"), notice=True))
            return
        chosen = CHOOSE.fullmatch(action)
        made = CREATE.fullmatch(action)
        if chosen and not project.archived and int(chosen[2] or DEFAULT_DAYS) in DAYS:
            role = ROLE_CODES[chosen[1]]
            turn.say(self.invite_options(turn, project, role, int(chosen[2] or DEFAULT_DAYS)))
        elif made and not project.archived and made[2] in USES and int(made[3]) in DAYS:
            role, uses, days = ROLE_CODES[made[1]], USES[made[2]], int(made[3])
            turn.replies.extend(self.invite(turn, project, role, uses, days))
        elif action == "links":
            turn.say(self.invite_list(turn, project))
        elif action == "revoke":
            InviteRepository(turn.session).revoke_all(INVITE_KIND, project.id)
            turn.say(Reply(self.t(turn, "team.revoked", name=project.name)))
            turn.say(self.page(turn, project))
        else:
            self._invalid(turn)

    def page(self, turn: Turn, project: Project) -> Reply:
        """Who is on the team (first names and roles); the coordinator's buttons."""
        team = TeamRepository(turn.session)
        lines = [self.t(turn, "team.title", name=project.name)]
        for member in team.members(project.id):
            name = member.first_name or self.t(turn, "team.no_name")
            mark = " " + self.t(turn, "team.you") if member.user_id == turn.user.id else ""
            role = self.t(turn, f"team.role.{member.role}")
            lines.append(f"• {name} — {role}{mark}")
        rows: list[tuple[Button, ...]] = []
        coordinating = team.role(project, turn.user.id) == "coordinator"
        for member in team.members(project.id) if coordinating else ():
            if member.user_id != turn.user.id:
                name = member.first_name or self.t(turn, "team.no_name")
                label = f"👤 {name} — {self.t(turn, f'team.role.{member.role}')}"[:60]
                rows.append((Button(label, self._data("mem", member.id)),))
        if not coordinating:
            rows.append(
                (Button(self.t(turn, "team.button.leave"), self._data("leave", project.id)),)
            )
        if coordinating and not project.archived:
            rows.append(
                tuple(
                    Button(
                        self.t(turn, f"team.button.invite_{role}"),
                        self._data(f"inv{code}", project.id),
                    )
                    for code, role in ROLE_CODES.items()
                )
            )
            rows.append(
                (Button(self.t(turn, "team.button.links"), self._data("links", project.id)),)
            )
        rows.append(
            (Button(self.t(turn, "team.button.back"), callbacks.encode("proj", project.id)),)
        )
        return Reply("\n".join(lines), buttons=tuple(rows))

    @staticmethod
    def _data(action: str, arg: int | str) -> str:
        return callbacks.encode(KIND, action, arg)

    def invite_options(self, turn: Turn, project: Project, role: str, days: int) -> Reply:
        """How many may join with the new invite (one tap makes it) and for how long (a tap
        changes the expiry shown picked)."""
        code = next(c for c, r in ROLE_CODES.items() if r == role)
        text = self.t(
            turn,
            "team.invite_options",
            name=project.name,
            role=self.t(turn, f"team.role.{role}"),
            days=self.t(turn, f"team.days.d{days}"),
        )
        uses = [
            Button(self.t(turn, f"team.uses.{n}"), self._data(f"new{code}{n}d{days}", project.id))
            for n in USES
        ]
        expiry = [
            Button(
                ("✅ " if choice == days else "⏳ ") + self.t(turn, f"team.days.d{choice}"),
                self._data(f"inv{code}{choice}", project.id),
            )
            for choice in DAYS
        ]
        back = Button(self.t(turn, "team.button.back"), self._data("show", project.id))
        rows = (*pairs(uses), *pairs(expiry), (back,))
        return Reply(text, buttons=rows, edit=True)

    def invite(
        self,
        turn: Turn,
        project: Project,
        role: str,
        max_uses: int | None = None,
        days: int = DEFAULT_DAYS,
    ) -> list[Reply]:
        """A new invite as a link (to copy) and a QR code (to show at a partner meeting)."""
        invite = InviteRepository(turn.session).create(
            INVITE_KIND, project.id, turn.user.id, role=role, days=days, max_uses=max_uses
        )
        role_name = self.t(turn, f"team.role.{role}")
        return self.invites.share(
            turn,
            invite,
            ("team.link", "team.qr_caption"),
            f"qr-project-{project.id}.png",
            name=project.name,
            role=role_name,
            limit=self._limit(turn, max_uses),
        )

    def _limit(self, turn: Turn, max_uses: int | None) -> str:
        if max_uses is None:
            return self.t(turn, "team.limit.none")
        if max_uses == 1:
            return self.t(turn, "team.limit.one")
        return self.t(turn, "team.limit.many", count=max_uses)

    def _places(self, turn: Turn, invite: Invite) -> str:
        """What is left of an invite: places of a limited one, joins so far of an open one."""
        if invite.max_uses is None:
            return self.t(turn, "team.places_open", uses=invite.uses)
        left = max(invite.max_uses - invite.uses, 0)
        return self.t(turn, "team.places_left", left=left, max=invite.max_uses)

    def invite_list(self, turn: Turn, project: Project) -> Reply:
        """The project's usable invites (role, until when, uses) and a button to revoke them."""
        usable = [
            invite
            for invite in TeamRepository(turn.session).invites(project.id)
            if verdict(invite) == "ok"
        ]
        if not usable:
            text = self.t(turn, "team.no_links", name=project.name)
        else:
            lines = [self.t(turn, "team.links", name=project.name)]
            for invite in usable:
                lines.append(
                    self.t(
                        turn,
                        "team.link_line",
                        role=self.t(turn, f"team.role.{invite.role}"),
                        until=show_date(local_date(invite.expires_at)),
                        places=self._places(turn, invite),
                    )
                )
            text = "\n".join(lines)
        rows: list[tuple[Button, ...]] = []
        if usable:
            rows.append(
                (Button(self.t(turn, "team.button.revoke"), self._data("revoke", project.id)),)
            )
        rows.append((Button(self.t(turn, "team.button.back"), self._data("show", project.id)),))
        return Reply(text, buttons=tuple(rows))

    # ---- the coordinator's actions on one person -----------------------------------------
    def member_action(self, turn: Turn, action: str, member_id: int) -> None:
        """Change a role, remove someone or hand the coordinator role over (after a
        confirmation); only the project's coordinator, never on themselves."""
        team = TeamRepository(turn.session)
        member = team.member(member_id)
        project = turn.session.get(Project, member.project_id) if member is not None else None
        if member is None or project is None or team.role(project, turn.user.id) is None:
            self._invalid(turn)  # a stranger or a removed member: nothing to see
            return
        if team.role(project, turn.user.id) != "coordinator":
            turn.say(Reply(self.t(turn, "team.coordinator_only"), notice=True))
            return
        if member.user_id == turn.user.id or member.role == "coordinator":
            self._invalid(turn)
            return
        name = member.first_name or self.t(turn, "team.no_name")
        if action == "mem":
            turn.say(self.member_page(turn, project, member.id, member.role, name))
        elif action in ("mkm", "mkv"):
            team.set_role(member, ROLE_CODES[action[2:]])
            role = self.t(turn, f"team.role.{member.role}")
            turn.say(Reply(self.t(turn, "team.role_changed", name=name, role=role)))
            turn.say(self.page(turn, project))
        elif action in ("rm", "hand"):
            key = "team.remove_confirm" if action == "rm" else "team.hand_confirm"
            yes = "team.button.remove_yes" if action == "rm" else "team.button.hand_yes"
            row = (
                Button(self.t(turn, yes), self._data(f"{action}ok", member.id)),
                Button(self.t(turn, "team.button.keep"), self._data("show", project.id)),
            )
            turn.say(Reply(self.t(turn, key, name=name, project=project.name), buttons=(row,)))
        elif action == "rmok":
            team.remove(member)
            turn.say(Reply(self.t(turn, "team.removed", name=name, project=project.name)))
            turn.say(self.page(turn, project))
        elif action == "handok":
            team.hand_over(project, member)
            turn.active_project = None
            turn.say(Reply(self.t(turn, "team.handed_over", name=name, project=project.name)))
            turn.say(self.page(turn, project))

    def member_page(
        self, turn: Turn, project: Project, member_id: int, role: str, name: str
    ) -> Reply:
        other = "mkv" if role == "member" else "mkm"
        other_role = ROLE_CODES[other[2:]]
        rows = (
            (Button(self.t(turn, f"team.button.make_{other_role}"), self._data(other, member_id)),),
            (Button(self.t(turn, "team.button.remove"), self._data("rm", member_id)),),
            (Button(self.t(turn, "team.button.hand"), self._data("hand", member_id)),),
            (Button(self.t(turn, "team.button.back"), self._data("show", project.id)),),
        )
        text = self.t(
            turn,
            "team.member_title",
            name=name,
            role=self.t(turn, f"team.role.{role}"),
            project=project.name,
        )
        return Reply(text, buttons=rows)

    def leave(self, turn: Turn, project: Project, *, confirmed: bool) -> None:
        """A member or viewer leaves the team (the coordinator hands over or deletes)."""
        team = TeamRepository(turn.session)
        member = team.membership(project.id, turn.user.id)
        if member is None or project.user_id == turn.user.id:
            turn.say(Reply(self.t(turn, "team.coordinator_stays"), notice=True))
            return
        if not confirmed:
            row = (
                Button(self.t(turn, "team.button.leave_yes"), self._data("leaveok", project.id)),
                Button(self.t(turn, "team.button.keep"), self._data("show", project.id)),
            )
            turn.say(
                Reply(self.t(turn, "team.leave_confirm", project=project.name), buttons=(row,))
            )
            return
        team.remove(member)
        turn.active_project = None
        turn.say(Reply(self.t(turn, "team.left", project=project.name)))

    # ---- joining ---------------------------------------------------------------------------
    def _usable_project(self, turn: Turn, invite: Invite) -> Project | None:
        project = turn.session.get(Project, invite.target_id)
        if project is None or project.archived or invite.role not in INVITE_ROLES:
            turn.say(Reply(self.t(turn, "team.link_invalid")))
            return None
        return project

    def open_invite(self, turn: Turn, invite: Invite) -> None:
        """Someone opened a project's link: the project, its coordinator, the role, what
        members see, and one confirmation."""
        project = self._usable_project(turn, invite)
        if project is None:
            return
        team = TeamRepository(turn.session)
        if team.role(project, turn.user.id) is not None:
            turn.say(Reply(self.t(turn, "team.already_member", name=project.name)))
            return
        coordinator = team.coordinator_name(project)
        by = self.t(turn, "team.by", name=coordinator) if coordinator else ""
        text = self.t(
            turn,
            "team.join_offer",
            name=project.name,
            by=by,
            role=self.t(turn, f"team.role.{invite.role}"),
        )
        row = (
            Button(self.t(turn, "team.button.join"), self._data("join", invite.token)),
            Button(self.t(turn, "team.button.not_now"), self._data("no", 0)),
        )
        turn.say(Reply(text, buttons=(row,)))

    def join(self, turn: Turn, token: str) -> None:
        """The confirmation: the token is checked again (it may have expired meanwhile)."""
        invite = self.invites.check(turn, token, INVITE_KIND)
        if invite is None:
            return
        project = self._usable_project(turn, invite)
        if project is None:
            return
        role = invite.role
        if not TeamRepository(turn.session).join(
            project,
            turn.user.id,
            role,
            turn.input.first_name,
        ):
            turn.say(Reply(self.t(turn, "team.already_member", name=project.name)))
            return
        InviteRepository.use(invite)
        ProjectRepository(turn.session).activate(turn.user.id, project.id)
        turn.active_project = None
        key = "team.joined_viewer" if role == "viewer" else "team.joined"
        turn.say(Reply(self.t(turn, key, name=project.name)))


def pairs(buttons: list[Button]) -> list[tuple[Button, ...]]:
    """Buttons two a row (short labels fit a small phone that way)."""
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
