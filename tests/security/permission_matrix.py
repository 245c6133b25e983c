"""Who may do what: every command, subcommand and state-changing button x seven roles.

This table is the reviewed specification of the platform's permissions. The code enforces
them in two places (a command's declared ``Permission``, checked by the dispatcher, and the
object-level rules of each use case: which country, which organisation, which group); the
test in ``test_permission_matrix.py`` walks every cell through the console adapter and through
the Telegram bot and fails when the code and this table disagree, or when a command or button
is registered that the table does not mention.

A cell is ``ALLOWED`` or the msgid of the specific refusal the person must read, translated.
The roles, each acting on objects of Brazil (BR) unless the row says otherwise:

- ``anonymous``: a platform account nobody registered;
- ``member``: a registered alumna in Brazil;
- ``moderator``: a member who moderates the Brazilian group (not its owner);
- ``representative``: a verified representative of Airbus (a company present in Brazil) and
  of the École polytechnique (an institution);
- ``admin_here``: the country administrator of Brazil;
- ``admin_elsewhere``: the country administrator of Japan, acting on Brazilian objects;
- ``global_admin``: an administrator of the whole network.

Each row's ``send`` is what the person types (a command line) or presses (a button's payload);
``{placeholders}`` name objects the test creates afresh for the cell (an open offer, a pending
request…), so that an allowed cell would succeed and every refused one is refused only for who
the person is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ALLOWED",
    "FORM_SUBMISSIONS",
    "NAVIGATION",
    "ROWS",
    "Given",
    "Row",
    "Who",
]


class Who(StrEnum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    MODERATOR = "moderator"
    REPRESENTATIVE = "representative"
    ADMIN_HERE = "admin_here"
    ADMIN_ELSEWHERE = "admin_elsewhere"
    GLOBAL_ADMIN = "global_admin"


ALLOWED = None  # a cell that is not a refusal

# The refusals, as the catalogs hold them.
NOT_MEMBER = "This is for members of the network. Send /start to join."
NOT_REPRESENTATIVE = "Only verified representatives of an organisation can do this."
NOT_THIS_REPRESENTATIVE = "Only verified representatives of {organisation} can do this."
NOT_THIS_INSTITUTION = "Only the verified representatives of {organisation} can do this."
NOT_ADMIN = "Only the country's administrators can do this."
NOT_GLOBAL_ADMIN = "Only the network's administrators can do this."
NOT_THIS_COUNTRY = "You can only manage the chapter of a country you are an administrator of."
NOT_ADMIN_OF_ORGANISATION = (
    "Only the network's administrators or the administrators of {countries} can decide for "
    "{organisation}."
)
NOT_MODERATOR = "Only the moderators of {group} can do this."
NOT_OWNER = "Only the owner of {group} can do this."
NOT_ORGANISATION_INSIDER = (
    "Only the representatives and administrators of {organisation} can do this."
)
NOT_ARTICLE_AUTHOR = (
    "Only the country's administrators and organisation representatives can publish articles there."
)
ALREADY_LINKED = (
    "This account already belongs to another profile. Send /erase from it first if you want "
    "to move it."
)
ANSWERS_ITSELF = "You answer for {organisation} yourself: its requests reach you in /inbox."
# A button that is not the presser's to press (an introduction asked of someone else): the
# same answer as a forged or expired one, which tells nothing about whose it is.
NOT_YOURS = "This button is no longer valid. Send the command again."
NOT_EVENT_CREATOR = (
    "Only the country's administrators and organisation representatives can create events there."
)

Cell = str | None


class Given(StrEnum):
    """What the person has done before the cell, when the row needs it."""

    MENTOR = "mentor"  # has a mentor profile
    IN_COFFEE = "in_coffee"  # takes part in Brazil's coffee introductions
    OUT_OF_COFFEE = "out_of_coffee"  # does not
    IN_A_CHANNEL = "in_a_channel"  # types in a group chat no group is mapped to yet
    IN_THE_CHANNEL = "in_the_channel"  # types in a group chat mapped to the group


@dataclass(frozen=True)
class Row:
    """One command line or one button, and who may use it."""

    what: str  # "/offers verify" or "offers.verify" (a button's action)
    send: str  # the command line, or the button's payload; {placeholders} filled per cell
    cells: Mapping[Who, Cell]
    given: Given | None = None
    names: Mapping[str, str] = field(default_factory=dict)  # a refusal's, if not the world's

    @property
    def is_button(self) -> bool:
        return not self.what.startswith("/")


def _row(
    what: str,
    send: str,
    base: Mapping[Who, Cell],
    *,
    given: Given | None = None,
    names: Mapping[str, str] | None = None,
    **changes: Cell,
) -> Row:
    cells = {**base, **{Who(k): v for k, v in changes.items()}}
    return Row(what, send, MappingProxyType(cells), given, MappingProxyType(dict(names or {})))


EVERYONE: Mapping[Who, Cell] = dict.fromkeys(Who, ALLOWED)
MEMBERS: Mapping[Who, Cell] = {**EVERYONE, Who.ANONYMOUS: NOT_MEMBER}
REPRESENTATIVES: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_REPRESENTATIVE),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.REPRESENTATIVE: ALLOWED,
    Who.GLOBAL_ADMIN: NOT_THIS_REPRESENTATIVE,  # passes the gate, represents nobody
}
COUNTRY_ADMINS: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_ADMIN),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.ADMIN_HERE: ALLOWED,
    Who.ADMIN_ELSEWHERE: NOT_THIS_COUNTRY,
    Who.GLOBAL_ADMIN: ALLOWED,
}
GLOBAL_ADMINS: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_GLOBAL_ADMIN),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.GLOBAL_ADMIN: ALLOWED,
}
MODERATORS: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_MODERATOR),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.MODERATOR: ALLOWED,
    Who.ADMIN_HERE: ALLOWED,  # a country's administrators moderate its groups
    Who.GLOBAL_ADMIN: ALLOWED,
}
ORGANISATION_INSIDERS: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_ORGANISATION_INSIDER),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.REPRESENTATIVE: ALLOWED,
    Who.ADMIN_HERE: ALLOWED,  # the company is present in Brazil
    Who.GLOBAL_ADMIN: ALLOWED,
}
AUTHORS: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_ARTICLE_AUTHOR),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.REPRESENTATIVE: ALLOWED,
    Who.ADMIN_HERE: ALLOWED,
    Who.GLOBAL_ADMIN: ALLOWED,
}
ADDRESSEE: Mapping[Who, Cell] = {  # the member the request was addressed to
    **dict.fromkeys(Who, NOT_YOURS),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.MEMBER: ALLOWED,
}
COMPANY_ANSWERS: Mapping[Who, Cell] = {  # a request to the company, its representative answers
    **dict.fromkeys(Who, NOT_YOURS),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.REPRESENTATIVE: ALLOWED,
}
EVENT_CREATORS: Mapping[Who, Cell] = {
    **dict.fromkeys(Who, NOT_EVENT_CREATOR),
    Who.ANONYMOUS: NOT_MEMBER,
    Who.REPRESENTATIVE: ALLOWED,
    Who.ADMIN_HERE: ALLOWED,
    Who.GLOBAL_ADMIN: ALLOWED,
}

ROWS: tuple[Row, ...] = (
    # --- everyone ---------------------------------------------------------------------------
    _row("/help", "/help", EVERYONE),
    _row("/cancel", "/cancel", EVERYONE),
    _row("/start", "/start", EVERYONE),
    _row(
        "/link",
        "/link {claim_code}",
        {**dict.fromkeys(Who, ALREADY_LINKED), Who.ANONYMOUS: ALLOWED},
    ),
    _row("/privacy", "/privacy", EVERYONE),
    _row("/lang", "/lang {language}", MEMBERS),  # kept on the profile
    _row("/embassy", "/embassy BR", EVERYONE),
    # --- the directory ----------------------------------------------------------------------
    _row("/profile", "/profile", MEMBERS),
    _row("/profile edit", "/profile edit", MEMBERS),
    _row("/profile visibility", "/profile visibility listed", MEMBERS),
    _row("/search", "/search Souza", MEMBERS),
    _row("/export", "/export", MEMBERS),
    _row("/erase", "/erase", MEMBERS),
    # --- offers -----------------------------------------------------------------------------
    _row("/offers", "/offers", MEMBERS),
    _row("/offers mine", "/offers mine", REPRESENTATIVES, global_admin=ALLOWED),
    _row("/offers show", "/offers show {offer}", MEMBERS),
    _row("/offers report", "/offers report {offer} misleading", MEMBERS),
    _row("/offers unpublish", "/offers unpublish {offer} misleading", GLOBAL_ADMINS),
    _row("/offers represent", "/offers represent danone HR lead", MEMBERS),
    _row(
        "/offers requests", "/offers requests", COUNTRY_ADMINS, admin_elsewhere=ALLOWED
    ),  # the requests of the organisations present in the administrator's country
    _row(
        "/offers verify",
        "/offers verify {request}",
        COUNTRY_ADMINS,
        admin_elsewhere=NOT_ADMIN_OF_ORGANISATION,
    ),
    _row(
        "/offers refuse",
        "/offers refuse {request} unknown person",
        COUNTRY_ADMINS,
        admin_elsewhere=NOT_ADMIN_OF_ORGANISATION,
    ),
    _row(
        "/offer post",
        '/offer post job "Systems engineer" company:airbus city:Recife '
        "apply:https://airbus.example/jobs/1",
        REPRESENTATIVES,
    ),
    _row("/offer edit", '/offer edit {offer} title:"Software engineer"', REPRESENTATIVES),
    _row("/offer close", "/offer close {offer}", REPRESENTATIVES),
    _row("/offer repost", "/offer repost {offer}", REPRESENTATIVES),
    _row("/alerts", "/alerts", MEMBERS),
    _row("/alerts add", "/alerts add engineer", MEMBERS),
    _row("/alerts delete", "/alerts delete {own_alert}", MEMBERS),
    # --- groups -----------------------------------------------------------------------------
    _row("/groups", "/groups", MEMBERS),
    _row("/groups create", "/groups create", MEMBERS),
    _row("/groups map", "/groups map {group}", MODERATORS, given=Given.IN_A_CHANNEL),
    _row("/groups unmap", "/groups unmap", MODERATORS, given=Given.IN_THE_CHANNEL),
    _row("/groups members", "/groups members {group}", MEMBERS),
    _row("/groups requests", "/groups requests {group}", MODERATORS),
    _row(
        "/groups moderator",
        "/groups moderator {group} {group_member}",
        {**MODERATORS, Who.MODERATOR: NOT_OWNER},
    ),
    _row("/groups remove", "/groups remove {group} {group_member}", MODERATORS),
    _row("/groups ban", "/groups ban {group} {group_member}", MODERATORS),
    _row("/groups report", "/groups report {group} spam in the channel", MEMBERS),
    _row("/groups reports", "/groups reports {group}", MODERATORS),
    _row("/groups digest", "/groups digest {group} on", MODERATORS),
    _row("/join", "/join {new_group}", MEMBERS),
    _row("/leave", "/leave {joined_group}", MEMBERS),
    # --- chapters, events, broadcasts ------------------------------------------------------
    _row("/chapter", "/chapter country:BR", MEMBERS),
    _row("/chapter open", "/chapter open BR languages:pt,fr", GLOBAL_ADMINS),
    _row("/chapter admin", "/chapter admin BR {email}", GLOBAL_ADMINS),
    _row("/chapter channel", "/chapter channel BR", COUNTRY_ADMINS),
    _row("/events", "/events country:BR", MEMBERS),
    _row("/event create", "/event create country:BR", EVENT_CREATORS),
    _row("/event show", "/event show {event}", MEMBERS),
    _row("/broadcast", "/broadcast BR The residence is open on Friday.", COUNTRY_ADMINS),
    _row("/articles", "/articles country:BR", MEMBERS),
    _row("/articles post", "/articles post country:BR", AUTHORS),
    _row("/digest", "/digest country:BR", MEMBERS),
    _row("/digest on", "/digest on", MEMBERS),
    _row("/digest off", "/digest off", MEMBERS),
    _row("/stats", "/stats country:BR", COUNTRY_ADMINS),
    # --- reaching organisations -------------------------------------------------------------
    _row(
        "/contact",
        "/contact airbus Is the Recife office hiring?",
        MEMBERS,
        representative=ANSWERS_ITSELF,
    ),
    _row("/inbox", "/inbox", MEMBERS),
    _row("/inbox audit", "/inbox audit airbus", ORGANISATION_INSIDERS),
    _row("/embassy edit", "/embassy edit BR", COUNTRY_ADMINS),
    _row(
        "/institution message",
        "/institution message ecole-polytechnique A new master in Saclay.",
        REPRESENTATIVES,
        global_admin=NOT_THIS_INSTITUTION,
        names={"organisation": "École polytechnique"},
    ),
    _row("/institution mute", "/institution mute ecole-polytechnique", MEMBERS),
    _row("/institution unmute", "/institution unmute ecole-polytechnique", MEMBERS),
    # --- mentoring and coffee ---------------------------------------------------------------
    _row("/mentor", "/mentor", MEMBERS),
    _row("/mentor become", "/mentor become", MEMBERS),
    _row("/mentor edit", "/mentor edit", MEMBERS),
    _row("/mentor pause", "/mentor pause", MEMBERS, given=Given.MENTOR),
    _row("/mentor resume", "/mentor resume", MEMBERS, given=Given.MENTOR),
    _row("/mentor show", "/mentor show", MEMBERS),
    _row("/mentor find", "/mentor find", MEMBERS),
    _row("/coffee", "/coffee country:BR", MEMBERS),
    _row("/coffee join", "/coffee join country:BR", MEMBERS, given=Given.OUT_OF_COFFEE),
    _row("/coffee leave", "/coffee leave country:BR", MEMBERS),
    _row("/coffee snooze", "/coffee snooze 2 country:BR", MEMBERS, given=Given.IN_COFFEE),
    _row("/coffee status", "/coffee status country:BR", MEMBERS),
    _row("/coffee every", "/coffee every 2 country:BR", COUNTRY_ADMINS),
    # --- buttons that change something ------------------------------------------------------
    _row("directory.visibility", "listed", MEMBERS),  # hidden, the member could not be asked
    _row("directory.lang", "{language}", MEMBERS),
    *(
        _row(f"introduction.{answer}", "{introduction}", ADDRESSEE)
        for answer in ("accept", "decline", "block", "report")
    ),
    _row("offers.report", "{offer}", MEMBERS),
    _row("offers.unpublish", "{offer}", GLOBAL_ADMINS),
    _row("offers.represent", "l-oreal", MEMBERS),  # another company than the command's
    *(
        _row(
            f"offers.{decision}",
            "{request}",
            COUNTRY_ADMINS,
            admin_elsewhere=NOT_ADMIN_OF_ORGANISATION,
        )
        for decision in ("verify", "refuse")
    ),
    *(
        _row(f"offers.{change}", "{offer}", REPRESENTATIVES)
        for change in ("edit", "close", "repost")
    ),
    _row("alerts.save", "{offer_search}", MEMBERS),
    _row("alerts.delete", "{own_alert}", MEMBERS),
    _row("groups.join", "{new_group}", MEMBERS),
    _row("groups.leave", "{joined_group}", MEMBERS),
    *(
        _row(f"groups.{decision}", "{join_request}", MODERATORS, names={"group": "Recife founders"})
        for decision in ("approve", "decline")
    ),
    _row("groups.remove", "{group_member_pair}", MODERATORS),
    _row("groups.ban", "{group_member_pair}", MODERATORS),
    _row(
        "groups.moderator",
        "{group_member_pair}",
        {**dict.fromkeys(Who, NOT_OWNER), Who.ANONYMOUS: NOT_MEMBER},
        admin_here=ALLOWED,
        global_admin=ALLOWED,
    ),
    _row("groups.close_report", "{group_report}", MODERATORS),
    _row("events.rsvp", "{event}:going", MEMBERS),
    _row("broadcast.confirm", "{broadcast}", COUNTRY_ADMINS),
    _row("broadcast.progress", "{sent_broadcast}", COUNTRY_ADMINS),
    *(
        _row(f"contact.{answer}", "{contact_request}", COMPANY_ANSWERS)
        for answer in ("accept", "decline", "block", "report")
    ),
    _row(
        "institution.send",
        "{institution_draft}",
        REPRESENTATIVES,
        global_admin=NOT_YOURS,  # the draft of another person
    ),
    _row("institution.mute", "ecole-polytechnique", MEMBERS),
    _row("mentor.pause", "", MEMBERS, given=Given.MENTOR),
    _row("mentor.resume", "", MEMBERS, given=Given.MENTOR),
    *(_row(f"mentor.{answer}", "{mentor_request}", ADDRESSEE) for answer in ("accept", "decline")),
    _row("mentor.met", "{accepted_mentor_request}:yes", ADDRESSEE),
    _row("coffee.met", "{coffee_round}", ADDRESSEE),
    _row("coffee.avoid", "{coffee_partner}", ADDRESSEE),
    # last: the allowed cells erase their people
    _row("directory.erase", "confirm", MEMBERS),
)

# Buttons that only show or page through something: they change nothing, so a refusal of
# them protects nothing beyond the command that showed them.
NAVIGATION: frozenset[str] = frozenset(
    {
        "search.page",
        "offers.page",
        "offers.company",
        "offers.view",
        "events.ics",
        # open a form, whose submission is below
        "directory.edit",
        "directory.contact",
        "contact.organisation",
        "contact.offer",
        "contact.answer",
        "mentor.edit",
        "mentor.ask",
    }
)

# Form submissions: on the console and Telegram a form is answered one question at a time,
# after the command that opened it (its row above) let the person in; on Slack and Discord the
# dispatcher checks the action's declared permission again when the modal comes back.
FORM_SUBMISSIONS: Mapping[str, str] = MappingProxyType(
    {
        "directory.onboard": "/start",
        "directory.save": "/profile edit",
        "directory.contact.send": "directory.contact",
        "offers.save": "/offer post",
        "groups.create": "/groups create",
        "events.save": "/event create",
        "articles.save": "/articles post",
        "contact.send": "/contact",
        "contact.reply": "contact.answer",
        "embassy.save": "/embassy edit",
        "mentor.save": "/mentor become",
        "mentor.ask.send": "mentor.ask",
    }
)


def as_table() -> str:
    """The matrix for a review: one line per row, ``+`` allowed, ``-`` refused."""
    lines = ["| what | " + " | ".join(who.value for who in Who) + " |"]
    lines.append("|---" * (len(Who) + 1) + "|")
    for row in ROWS:
        marks = ("+" if row.cells[who] is ALLOWED else "-" for who in Who)
        lines.append(f"| `{row.what}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.security.permission_matrix
    print(as_table())
