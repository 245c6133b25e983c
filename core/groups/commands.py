"""Group commands: /groups (search, create, map channels, moderate), /join and /leave."""

from __future__ import annotations

from ..chat.builtin import RESERVED
from ..chat.callbacks import STALE_BUTTON, payload_id
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind
from ..chat.context import CommandContext
from ..chat.forms import validate_field
from ..chat.replies import (
    Audience,
    Button,
    ButtonStyle,
    Card,
    Field,
    FormField,
    FormFieldKind,
    Reply,
)
from ..db.models import Group, GroupReport
from ..domain import Platform
from ..errors import UserError
from ..i18n import N_, country_name, format_date, gettext, isolate_for
from . import forms
from .channels import map_channel, unmap_channel
from .digest import set_weekly_digest
from .domain import GroupRole, MembershipState
from .groups import (
    create_group,
    decide_join,
    find_group,
    is_moderator,
    join_group,
    leave_group,
    pending_requests,
    require_moderator,
    search_groups,
)
from .moderation import (
    GroupPerson,
    close_report,
    find_person,
    group_people,
    open_reports,
    remove_member,
    report_message,
    set_moderator,
)
from .relay import PLATFORM_NAMES
from .vocabulary import INVITE_MAX, REASON_MAX, kind_label, localized, visibility_label

__all__ = ["register"]

JOIN, LEAVE = "groups.join", "groups.leave"
APPROVE, DECLINE = "groups.approve", "groups.decline"
REMOVE, BAN, PROMOTE = "groups.remove", "groups.ban", "groups.moderator"
CLOSE_REPORT = "groups.close_report"

ROLE_LABELS = {
    GroupRole.OWNER: N_("Owner"),
    GroupRole.MODERATOR: N_("Moderator"),
    GroupRole.MEMBER: N_("Member"),
}


def _name(group: Group) -> str:
    return isolate_for(localized(group.names))


def _pair(payload: str) -> tuple[int, int]:
    group, _, member = payload.partition(":")
    if not (group.isdigit() and member.isdigit() and len(payload) <= 20):
        raise UserError(STALE_BUTTON)
    return int(group), int(member)


def _invite_buttons(invites: list[tuple[Platform, str]]) -> tuple[Button, ...]:
    return tuple(Button(PLATFORM_NAMES.get(p, str(p)), url=url) for p, url in invites)


# --- finding and joining ------------------------------------------------------------------
async def groups_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        found = await search_groups(session, args.get("query", ""), args["country"])
    if not found:
        return Reply(text=gettext("No group matches this search. Create one with /groups create."))
    cards = []
    for item in found:
        group = item.group
        where = country_name(group.country_code) if group.country_code else ""
        subtitle = " · ".join(
            part
            for part in (
                group.slug,
                kind_label(group.kind),
                where,
                visibility_label(group.visibility),
            )
            if part
        )
        cards.append(
            Card(
                title=_name(group),
                subtitle=subtitle,
                body=localized(group.descriptions),
                fields=(Field(gettext("Members"), str(item.members)),),
                buttons=(
                    Button(
                        gettext("Join"), action=JOIN, payload=group.slug, style=ButtonStyle.PRIMARY
                    ),
                ),
            )
        )
    return Reply(text=gettext("Groups matching your search:"), cards=tuple(cards))


def _request_notice(group: Group, member_id: int, who: str) -> Reply:
    payload = f"{group.id}:{member_id}"
    return Reply(
        text=gettext("{name} asks to join {group}.", name=isolate_for(who), group=_name(group)),
        buttons=(
            Button(gettext("Approve"), action=APPROVE, payload=payload, style=ButtonStyle.PRIMARY),
            Button(gettext("Decline"), action=DECLINE, payload=payload, style=ButtonStyle.DANGER),
        ),
    )


def _decision_notice(group: Group, approved: bool, invites: list[tuple[Platform, str]]) -> Reply:
    if approved:
        return Reply(
            text=gettext("You are now a member of {group}.", group=_name(group)),
            buttons=_invite_buttons(invites),
        )
    return Reply(text=gettext("Your request to join {group} was declined.", group=_name(group)))


async def _join(ctx: CommandContext, text: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        outcome = await join_group(
            session, ctx.actor, text, now=ctx.app.clock.now(), announce=_request_notice
        )
    if outcome.state is MembershipState.PENDING:
        return Reply(
            text=gettext(
                "Your request to join {group} is sent to its moderators.",
                group=_name(outcome.group),
            )
        )
    return Reply(
        text=gettext("You are now a member of {group}.", group=_name(outcome.group)),
        buttons=_invite_buttons(outcome.invites),
    )


async def join_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _join(ctx, str(args["group"]))


async def join_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _join(ctx, payload)


async def _leave(ctx: CommandContext, text: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        group = await leave_group(session, ctx.actor, text, now=ctx.app.clock.now())
    return Reply(text=gettext("You left {group}.", group=_name(group)))


async def leave_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _leave(ctx, str(args["group"]))


async def leave_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _leave(ctx, payload)


# --- creating -----------------------------------------------------------------------------
async def create_command(ctx: CommandContext, _args: Arguments) -> Reply:
    return Reply(form=forms.group_form(forms.languages_for(ctx.actor.locale)))


async def create_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    data = forms.group_input(payload, values)
    async with ctx.app.db.sessions.begin() as session:
        group = await create_group(session, ctx.actor, data, now=ctx.app.clock.now())
    return Reply(
        text=gettext(
            "The group {group} is created; its short name is {slug}. To bridge it to a channel, "
            "send /groups map {slug} inside that channel.",
            group=_name(group),
            slug=group.slug,
        )
    )


# --- channels -----------------------------------------------------------------------------
async def map_command(ctx: CommandContext, args: Arguments) -> Reply:
    link = validate_field(
        FormField(
            "link",
            gettext("Invitation link"),
            kind=FormFieldKind.URL,
            required=False,
            max_length=INVITE_MAX,
        ),
        args["link"],
    )
    async with ctx.app.db.sessions.begin() as session:
        group, created = await map_channel(
            session,
            ctx.actor,
            ctx.incoming,
            str(args["group"]),
            invite_url=link or None,
            now=ctx.app.clock.now(),
        )
    if created:
        text = gettext(
            "This channel is now mapped to {group}: messages posted here reach its other channels.",
            group=_name(group),
        )
    else:
        text = gettext("This channel's invitation link is saved.")
    return Reply(text=text, audience=Audience.PUBLIC)


async def unmap_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        group = await unmap_channel(session, ctx.actor, ctx.incoming, now=ctx.app.clock.now())
    return Reply(
        text=gettext("This channel is no longer mapped to {group}.", group=_name(group)),
        audience=Audience.PUBLIC,
    )


# --- moderation ---------------------------------------------------------------------------
def _person_card(group: Group, person: GroupPerson, moderating: bool) -> Card:
    label = (
        gettext("Banned")
        if person.state is MembershipState.BANNED
        else gettext(ROLE_LABELS[person.role])
    )
    payload = f"{group.id}:{person.member_id}"
    buttons: tuple[Button, ...] = ()
    if moderating and person.role is not GroupRole.OWNER and person.state is MembershipState.ACTIVE:
        buttons = (
            Button(gettext("Remove"), action=REMOVE, payload=payload),
            Button(gettext("Ban"), action=BAN, payload=payload, style=ButtonStyle.DANGER),
        )
        if person.role is GroupRole.MEMBER:
            buttons = (
                Button(gettext("Make moderator"), action=PROMOTE, payload=payload),
                *buttons,
            )
    return Card(title=isolate_for(person.name), subtitle=label, buttons=buttons)


async def members_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        group = await find_group(session, str(args["group"]))
        moderating = await is_moderator(session, ctx.actor, group)
        people = await group_people(session, group)
    if not moderating:
        people = [p for p in people if p.state is MembershipState.ACTIVE]
    return Reply(
        text=gettext("Members of {group}:", group=_name(group)),
        cards=tuple(_person_card(group, p, moderating) for p in people),
    )


async def requests_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        group = await find_group(session, str(args["group"]))
        pending = await pending_requests(session, ctx.actor, group)
    if not pending:
        return Reply(text=gettext("No request is waiting for you."))
    return Reply(
        text=gettext("Requests to join {group}:", group=_name(group)),
        cards=tuple(
            Card(
                title=isolate_for(name),
                subtitle=format_date(asked.date()),
                buttons=_request_notice(group, member_id, name).buttons,
            )
            for member_id, name, asked in pending
        ),
    )


async def _decide(ctx: CommandContext, payload: str, approve: bool) -> Reply:
    group_id, member_id = _pair(payload)
    async with ctx.app.db.sessions.begin() as session:
        group, name = await decide_join(
            session,
            ctx.actor,
            group_id,
            member_id,
            approve=approve,
            now=ctx.app.clock.now(),
            tell=_decision_notice,
        )
    if approve:
        return Reply(
            text=gettext(
                "{name} is now a member of {group}.", name=isolate_for(name), group=_name(group)
            )
        )
    return Reply(text=gettext("Declined; {name} is told.", name=isolate_for(name)))


async def approve_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _decide(ctx, payload, True)


async def decline_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _decide(ctx, payload, False)


async def _remove(ctx: CommandContext, group_id: int, member_id: int, ban: bool, why: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        group = await remove_member(
            session, ctx.actor, group_id, member_id, ban=ban, now=ctx.app.clock.now(), reason=why
        )
    if ban:
        return Reply(text=gettext("Banned from {group}.", group=_name(group)))
    return Reply(text=gettext("Removed from {group}.", group=_name(group)))


async def _person_of(ctx: CommandContext, args: Arguments) -> tuple[int, int]:
    async with ctx.app.db.sessions() as session:
        group = await find_group(session, str(args["group"]))
        await require_moderator(session, ctx.actor, group)
        person = await find_person(session, group, str(args["person"]))
    return group.id, person.member_id


async def remove_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _remove(ctx, *await _person_of(ctx, args), False, "")


async def ban_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _remove(ctx, *await _person_of(ctx, args), True, "")


async def remove_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _remove(ctx, *_pair(payload), False, "")


async def ban_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _remove(ctx, *_pair(payload), True, "")


async def _promote(ctx: CommandContext, group_id: int, member_id: int) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        group = await set_moderator(
            session, ctx.actor, group_id, member_id, now=ctx.app.clock.now()
        )
    return Reply(text=gettext("A new moderator of {group} is appointed.", group=_name(group)))


async def moderator_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _promote(ctx, *await _person_of(ctx, args))


async def moderator_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _promote(ctx, *_pair(payload))


def _report_notice(group: Group, report: GroupReport) -> Reply:
    return Reply(
        text=gettext(
            "New report in {group}: {reason}\nSend /groups reports {slug} to see the open ones.",
            group=_name(group),
            reason=report.reason or "—",
            slug=group.slug,
        )
    )


async def report_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        group = await find_group(session, str(args["group"]))
        await report_message(
            session,
            ctx.actor,
            group,
            str(args["reason"]),
            now=ctx.app.clock.now(),
            announce=_report_notice,
        )
    return Reply(
        text=gettext("Thank you: the moderators of {group} will look at it.", group=_name(group))
    )


async def digest_command(ctx: CommandContext, args: Arguments) -> Reply:
    on = args["state"] == "on"
    async with ctx.app.db.sessions.begin() as session:
        group = await find_group(session, str(args["group"]))
        await set_weekly_digest(session, ctx.actor, group, on, now=ctx.app.clock.now())
    if on:
        return Reply(
            text=gettext(
                "Every Monday, the members of {group} who did not post that week receive its "
                "most active conversations.",
                group=_name(group),
            )
        )
    return Reply(text=gettext("{group} no longer sends a weekly digest.", group=_name(group)))


async def reports_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        group = await find_group(session, str(args["group"]))
        found = await open_reports(session, ctx.actor, group)
    if not found:
        return Reply(text=gettext("No open report in {group}.", group=_name(group)))
    return Reply(
        text=gettext("Open reports in {group}:", group=_name(group)),
        cards=tuple(
            Card(
                title=isolate_for(r.reporter) or "—",
                subtitle=f"#{r.report_id} · {format_date(r.created_at.date())}",
                body=r.reason,
                fields=(Field(isolate_for(r.author), r.excerpt or "", inline=False),)
                if r.author
                else (),
                buttons=(Button(gettext("Close"), action=CLOSE_REPORT, payload=str(r.report_id)),),
            )
            for r in found
        ),
    )


async def close_report_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    report_id = payload_id(payload)
    async with ctx.app.db.sessions.begin() as session:
        group = await close_report(session, ctx.actor, report_id, now=ctx.app.clock.now())
    return Reply(text=gettext("The report about {group} is closed.", group=_name(group)))


# --- declarations -------------------------------------------------------------------------
def register(registry: CommandRegistry) -> None:
    group_text = Param(
        "group",
        N_("The group's short name or its name"),
        kind=ParamKind.TEXT,
        required=True,
        max_length=80,
        autocomplete="group",
    )
    group_word = Param(
        "group",
        N_("The group's short name or its name"),
        required=True,
        max_length=80,
        autocomplete="group",
    )
    person = Param(
        "person", N_("The person's name"), kind=ParamKind.TEXT, required=True, max_length=200
    )
    registry.add(
        Command(
            name="groups",
            help=RESERVED["groups"][0],
            handler=groups_command,
            params=(Param("query", N_("Words to look for"), kind=ParamKind.TEXT, max_length=200),),
            options=(
                Param(
                    "country",
                    N_("Groups of this country (name or code)"),
                    kind=ParamKind.COUNTRY,
                    autocomplete="country",
                ),
            ),
            subcommands=(
                Command(name="create", help=N_("Create a group"), handler=create_command),
                Command(
                    name="map",
                    help=N_("Bridge the channel you are in to a group (its moderators)"),
                    handler=map_command,
                    params=(group_text,),
                    options=(
                        Param(
                            "link",
                            N_("The channel's invitation link, given to new members"),
                            max_length=INVITE_MAX,
                        ),
                    ),
                    public=True,
                ),
                Command(
                    name="unmap",
                    help=N_("Stop bridging the channel you are in"),
                    handler=unmap_command,
                    public=True,
                ),
                Command(
                    name="members",
                    help=N_("Who is in a group"),
                    handler=members_command,
                    params=(group_text,),
                ),
                Command(
                    name="requests",
                    help=N_("Requests to join a closed group, to decide"),
                    handler=requests_command,
                    params=(group_text,),
                ),
                Command(
                    name="moderator",
                    help=N_("Make a member a moderator (the owner)"),
                    handler=moderator_command,
                    params=(group_word, person),
                ),
                Command(
                    name="remove",
                    help=N_("Remove a member from a group (moderators)"),
                    handler=remove_command,
                    params=(group_word, person),
                ),
                Command(
                    name="ban",
                    help=N_("Ban a member: out, and never relayed again (moderators)"),
                    handler=ban_command,
                    params=(group_word, person),
                ),
                Command(
                    name="report",
                    help=N_("Tell a group's moderators about a message"),
                    handler=report_command,
                    params=(
                        group_word,
                        Param(
                            "reason",
                            N_("What is wrong, in a few words"),
                            kind=ParamKind.TEXT,
                            required=True,
                            max_length=REASON_MAX,
                        ),
                    ),
                ),
                Command(
                    name="reports",
                    help=N_("Open reports about a group (moderators)"),
                    handler=reports_command,
                    params=(group_text,),
                ),
                Command(
                    name="digest",
                    help=N_("Turn a group's weekly digest on or off (moderators)"),
                    handler=digest_command,
                    params=(
                        group_word,
                        Param(
                            "state",
                            N_("on or off"),
                            kind=ParamKind.CHOICE,
                            required=True,
                            choices=("on", "off"),
                        ),
                    ),
                ),
            ),
        )
    )
    registry.add(
        Command(name="join", help=RESERVED["join"][0], handler=join_command, params=(group_text,))
    )
    registry.add(
        Command(
            name="leave", help=RESERVED["leave"][0], handler=leave_command, params=(group_text,)
        )
    )
    registry.action(JOIN)(join_action)
    registry.action(LEAVE)(leave_action)
    registry.action(forms.CREATE)(create_action)
    registry.action(APPROVE)(approve_action)
    registry.action(DECLINE)(decline_action)
    registry.action(REMOVE)(remove_action)
    registry.action(BAN)(ban_action)
    registry.action(PROMOTE)(moderator_action)
    registry.action(CLOSE_REPORT)(close_report_action)
