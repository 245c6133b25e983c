"""Commands to reach organisations: /contact (members and organisations), /embassy (the
chapter's embassy desk), /inbox (representatives' shared inbox and its audit trail) and
/institution (an institution's messages to its alumni, and opting out of them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.builtin import RESERVED
from ..chat.callbacks import STALE_BUTTON, payload_id
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from ..chat.context import CommandContext
from ..chat.forms import validate_form
from ..chat.replies import Button, ButtonStyle, Card, Form, FormField, FormFieldKind, Reply
from ..db.models import AuditEntry, Member, Offer, Organisation
from ..directory.commands import contact_command as contact_member
from ..directory.introductions import request_form
from ..domain import Role
from ..errors import UserError
from ..events.chapters import load_chapter, require_admin_of
from ..i18n import N_, format_date, format_datetime, gettext, ngettext
from ..offers.organisations import find_organisation, organisation_countries
from . import embassy as desk
from . import institutions, notices
from .requests import (
    LIFETIME,
    MAX_ANSWER,
    MAX_MESSAGE,
    State,
    answer_request,
    check_can_contact,
    embassy_of,
    find_contactable,
    load_open,
    open_requests,
    recipients,
    request_contact,
)

__all__ = ["register"]

SEND = "contact.send"
REPLY = "contact.reply"
INSTITUTION_SEND = "institution.send"
AUDIT_LINES = 30


def _member_id(ctx: CommandContext) -> int:
    if ctx.actor.member_id is None:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    return ctx.actor.member_id


# --- writing to an organisation -----------------------------------------------------------
def _sent(organisation: str, state: str) -> Reply:
    if state == State.PENDING:
        return Reply(
            text=gettext(
                "Your request was sent to {organisation}. You will hear from us when one of "
                "its representatives answers.",
                organisation=organisation,
            )
        )
    return Reply(
        text=ngettext(
            "{organisation} has no verified representative yet. Your request is kept and "
            "delivered as soon as one is verified; without one it expires in {count} day.",
            "{organisation} has no verified representative yet. Your request is kept and "
            "delivered as soon as one is verified; without one it expires in {count} days.",
            LIFETIME.days,
            organisation=organisation,
        )
    )


async def _embassy_for(ctx: CommandContext, session: AsyncSession) -> Organisation:
    code = ctx.actor.country_code
    if not code:
        raise UserError(
            N_(
                "Your profile has no country: write to an embassy by its short name, "
                "such as embassy-br."
            )
        )
    await load_chapter(session, code)
    return await embassy_of(session, code)


async def contact_command(ctx: CommandContext, args: Arguments) -> Reply:
    """``/contact airbus Bonjour…``, ``/contact embassy …``, or a member's full name."""
    who = str(args["who"])
    message = str(args.get("message", ""))
    now = ctx.app.clock.now()
    async with ctx.app.db.sessions.begin() as session:
        if who.strip().lower() == "embassy":
            organisation: Organisation | None = await _embassy_for(ctx, session)
        else:
            organisation = await find_contactable(session, who)
        if organisation is not None:
            request = await request_contact(session, ctx.actor, organisation, message, now=now)
            return _sent(organisation.name, request.state)
    return await contact_member(ctx, args)


def _message_form(payload: str, organisation: str) -> Form:
    return request_form(
        SEND,
        gettext("Write to {organisation}", organisation=organisation),
        payload,
        max_length=MAX_MESSAGE,
    )


async def contact_organisation_action(
    ctx: CommandContext, payload: str, _values: dict[str, str]
) -> Reply:
    """The Contact button of an organisation's card (payload: its short name)."""
    async with ctx.app.db.sessions() as session:
        organisation = await find_contactable(session, payload)
        if organisation is None:
            raise UserError(STALE_BUTTON)
        await check_can_contact(session, ctx.actor, organisation, now=ctx.app.clock.now())
    return Reply(form=_message_form(f"org:{organisation.id}", organisation.name))


async def contact_offer_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    """The Contact button of an offer's card: the request names the offer."""
    async with ctx.app.db.sessions() as session:
        offer = await session.get(Offer, payload_id(payload))
        if offer is None:
            raise UserError(STALE_BUTTON)
        organisation = await session.get(Organisation, offer.organisation_id)
        assert organisation is not None
        await check_can_contact(session, ctx.actor, organisation, now=ctx.app.clock.now())
    return Reply(form=_message_form(f"offer:{offer.id}", organisation.name))


async def send_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    what, _, ident = payload.partition(":")
    if what not in ("org", "offer"):
        raise UserError(N_("This form is no longer valid. Send the command again."))
    now = ctx.app.clock.now()
    async with ctx.app.db.sessions.begin() as session:
        offer_id = None
        if what == "offer":
            offer = await session.get(Offer, payload_id(ident))
            if offer is None:
                raise UserError(STALE_BUTTON)
            offer_id, organisation_id = offer.id, offer.organisation_id
        else:
            organisation_id = payload_id(ident)
        organisation = await session.get(Organisation, organisation_id)
        if organisation is None:
            raise UserError(STALE_BUTTON)
        request = await request_contact(
            session,
            ctx.actor,
            organisation,
            values.get("message", "") or "",
            offer_id=offer_id,
            now=now,
        )
        return _sent(organisation.name, request.state)


# --- the shared inbox ---------------------------------------------------------------------
def _handle(answer: str):  # type: ignore[no-untyped-def]
    async def handler(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
        request_id = payload_id(payload)
        async with ctx.app.db.sessions.begin() as session:
            handled = await answer_request(
                session, request_id, _member_id(ctx), answer, now=ctx.app.clock.now()
            )
        match answer:
            case "accept":
                lines = [gettext("You accepted. Reach {name} here:", name=handled.requester)]
                lines.extend(
                    handled.requester_contacts or [gettext("(no chat account linked yet)")]
                )
                return Reply(text="\n".join(lines))
            case "decline":
                return Reply(
                    text=gettext(
                        "Declined. {name} is told {organisation} cannot follow up.",
                        name=handled.requester,
                        organisation=handled.organisation,
                    )
                )
            case "block":
                return Reply(
                    text=gettext(
                        "Blocked. {organisation} receives no more requests from {name}.",
                        organisation=handled.organisation,
                        name=handled.requester,
                    )
                )
            case _:
                return Reply(text=gettext("Reported to the moderators, and blocked. Thank you."))

    return handler


async def answer_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    """The Answer button: a form for a written answer (refused at once if someone took it)."""
    request_id = payload_id(payload)
    async with ctx.app.db.sessions() as session:
        await load_open(session, request_id, _member_id(ctx))
    return Reply(
        form=Form(
            action=REPLY,
            payload=str(request_id),
            title=gettext("Answer the request #{id}", id=request_id),
            fields=(
                FormField(
                    "answer",
                    gettext("Your answer"),
                    kind=FormFieldKind.LONG_TEXT,
                    max_length=MAX_ANSWER,
                ),
            ),
            submit_label=gettext("Send"),
        )
    )


async def reply_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    request_id = payload_id(payload)
    async with ctx.app.db.sessions.begin() as session:
        handled = await answer_request(
            session,
            request_id,
            _member_id(ctx),
            "answer",
            text=values.get("answer", "") or "",
            now=ctx.app.clock.now(),
        )
    return Reply(text=gettext("Sent: {name} receives your answer.", name=handled.requester))


async def inbox_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        waiting = await open_requests(session, ctx.actor)
    if not waiting:
        return Reply(text=gettext("No request is waiting for you."))
    return Reply(
        text=gettext("Requests to your organisations:"),
        cards=tuple(
            Card(
                title=f"{member} → {organisation}",
                subtitle=f"#{request.id} · {format_date(request.created_at.date())}",
                body=request.message,
                buttons=notices.handling_buttons(request.id),
            )
            for request, organisation, member in waiting
        ),
    )


async def inbox_audit_command(ctx: CommandContext, args: Arguments) -> Reply:
    """Every exchange with the organisation, for its representatives and administrators."""
    member_id = _member_id(ctx)
    async with ctx.app.db.sessions() as session:
        organisation = await find_organisation(session, str(args["organisation"]))
        countries = await organisation_countries(session, organisation)
        allowed = (
            member_id in await recipients(session, organisation)
            or ctx.actor.has_role(Role.GLOBAL_ADMIN)
            or any(ctx.actor.admin_of(c) for c in countries)
        )
        if not allowed:
            raise UserError(
                N_("Only the representatives and administrators of {organisation} can do this."),
                organisation=organisation.name,
            )
        rows = (
            await session.execute(
                select(AuditEntry, Member.full_name)
                .outerjoin(Member, Member.id == AuditEntry.actor_id)
                .where(
                    AuditEntry.organisation_id == organisation.id,
                    AuditEntry.subject.in_(("contact", "institution_message")),
                )
                .order_by(AuditEntry.id.desc())
                .limit(AUDIT_LINES)
            )
        ).all()
    if not rows:
        return Reply(
            text=gettext("No exchange with {organisation} yet.", organisation=organisation.name)
        )
    lines = [
        gettext("Exchanges with {organisation}, latest first:", organisation=organisation.name)
    ]
    lines.extend(
        f"{format_datetime(entry.created_at, format='short')} · {entry.action} · "
        f"#{entry.subject_id} · {name or '—'}"
        for entry, name in rows
    )
    return Reply(text="\n".join(lines))


# --- the embassy desk ---------------------------------------------------------------------
def _country(ctx: CommandContext, value: str | None) -> str:
    code = value or ctx.actor.country_code
    if not code:
        raise UserError(N_("Say which country, for example /embassy BR."))
    return str(code).upper()


async def embassy_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args["country"])
    async with ctx.app.db.sessions.begin() as session:
        view = await desk.load_desk(session, code)
    return Reply(cards=(desk.desk_card(view, ctx.app.clock.now()),))


async def embassy_edit_command(ctx: CommandContext, args: Arguments) -> Reply:
    administered = sorted(
        g.country_code
        for g in ctx.actor.grants
        if g.role is Role.COUNTRY_ADMIN and g.country_code is not None
    )
    code = _country(ctx, args["country"] or (administered[0] if len(administered) == 1 else None))
    require_admin_of(ctx.actor, code)
    async with ctx.app.db.sessions.begin() as session:
        view = await desk.load_desk(session, code)
    return Reply(form=desk.desk_form(view))


async def embassy_save_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    code = payload.upper()
    if len(code) != 2 or not code.isalpha():
        raise UserError(N_("This form is no longer valid. Send the command again."))
    require_admin_of(ctx.actor, code)
    now = ctx.app.clock.now()
    async with ctx.app.db.sessions.begin() as session:
        view = await desk.load_desk(session, code)
        cleaned = validate_form(desk.desk_form(view), values)
        await desk.save_desk(session, ctx.actor, code, cleaned, now=now)
        view = await desk.load_desk(session, code)
    return Reply(text=gettext("The embassy desk is saved."), cards=(desk.desk_card(view, now),))


# --- the institution desk -----------------------------------------------------------------
async def institution_message_command(ctx: CommandContext, args: Arguments) -> Reply:
    now = ctx.app.clock.now()
    async with ctx.app.db.sessions.begin() as session:
        organisation = await institutions.institution_for(
            session, ctx.actor, str(args["institution"])
        )
        message, count = await institutions.draft_message(
            session, ctx.actor, organisation, str(args.get("text", "")), now=now
        )
    return Reply(
        text="\n".join(
            [
                ngettext(
                    "This message goes to {count} former student of {institution} who claimed "
                    "their profile:",
                    "This message goes to {count} former students of {institution} who claimed "
                    "their profile:",
                    count,
                    institution=organisation.name,
                ),
                message.text,
            ]
        ),
        buttons=(
            Button(
                gettext("Send"),
                action=INSTITUTION_SEND,
                payload=str(message.id),
                style=ButtonStyle.PRIMARY,
            ),
        ),
    )


async def institution_send_action(
    ctx: CommandContext, payload: str, _values: dict[str, str]
) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        message, _organisation = await institutions.send_message(
            session, ctx.actor, payload_id(payload), now=ctx.app.clock.now()
        )
    return Reply(
        text=ngettext(
            "Sent to {count} former student.",
            "Sent to {count} former students.",
            message.recipients,
        )
    )


async def _mute(ctx: CommandContext, slug: str, muted: bool) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        organisation = await institutions.set_opt_out(
            session, _member_id(ctx), slug, muted=muted, now=ctx.app.clock.now()
        )
    if muted:
        return Reply(
            text=gettext(
                "{institution} will not write to you any more; /institution unmute {slug} "
                "undoes it.",
                institution=organisation.name,
                slug=organisation.slug,
            )
        )
    return Reply(
        text=gettext("{institution} may write to you again.", institution=organisation.name)
    )


async def institution_mute_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _mute(ctx, str(args["institution"]), True)


async def institution_unmute_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _mute(ctx, str(args["institution"]), False)


async def institution_mute_action(
    ctx: CommandContext, payload: str, _values: dict[str, str]
) -> Reply:
    return await _mute(ctx, payload, True)


# --- declarations -------------------------------------------------------------------------
def register(registry: CommandRegistry) -> None:
    registry.add(
        Command(
            name="contact",
            help=RESERVED["contact"][0],
            handler=contact_command,
            params=(
                Param(
                    "who",
                    N_(
                        "A member's full name (in quotes), an organisation's short name, or embassy"
                    ),
                    required=True,
                    max_length=200,
                ),
                Param(
                    "message",
                    N_("A few words about why (optional)"),
                    kind=ParamKind.TEXT,
                    max_length=MAX_MESSAGE,
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="inbox",
            help=N_("Requests members sent to the organisations you answer for"),
            handler=inbox_command,
            subcommands=(
                Command(
                    name="audit",
                    help=N_("Every exchange with an organisation, for its administrators"),
                    handler=inbox_audit_command,
                    params=(
                        Param(
                            "organisation",
                            N_("The organisation's short name, such as airbus"),
                            required=True,
                            max_length=80,
                        ),
                    ),
                ),
            ),
        )
    )
    country = Param(
        "country", N_("Country (name or code)"), kind=ParamKind.COUNTRY, autocomplete="country"
    )
    registry.add(
        Command(
            name="embassy",
            help=N_("The French embassy of your country: address, hours, links"),
            handler=embassy_command,
            permission=Permission.ANYONE,
            params=(country,),
            subcommands=(
                Command(
                    name="edit",
                    help=N_("Keep the embassy desk of your chapter up to date"),
                    handler=embassy_edit_command,
                    params=(country,),
                    permission=Permission.COUNTRY_ADMIN,
                ),
            ),
        )
    )
    slug = Param(
        "institution",
        N_("The institution's short name, such as sciences-po"),
        required=True,
        max_length=80,
    )
    registry.add(
        Command(
            name="institution",
            help=N_("Messages from the institutions you studied at"),
            subcommands=(
                Command(
                    name="message",
                    help=N_("Write to the alumni your institution imported (representatives)"),
                    handler=institution_message_command,
                    params=(
                        slug,
                        Param(
                            "text",
                            N_("The message"),
                            kind=ParamKind.TEXT,
                            required=True,
                            max_length=institutions.MAX_TEXT,
                        ),
                    ),
                    permission=Permission.REPRESENTATIVE,
                ),
                Command(
                    name="mute",
                    help=N_("Receive no more messages from an institution"),
                    handler=institution_mute_command,
                    params=(slug,),
                ),
                Command(
                    name="unmute",
                    help=N_("Receive an institution's messages again"),
                    handler=institution_unmute_command,
                    params=(slug,),
                ),
            ),
        )
    )
    registry.action("contact.organisation")(contact_organisation_action)
    registry.action("contact.offer")(contact_offer_action)
    registry.action(SEND)(send_action)
    registry.action(notices.ANSWER)(answer_action)
    registry.action(REPLY)(reply_action)
    for answer, action in (
        ("accept", notices.ACCEPT),
        ("decline", notices.DECLINE),
        ("block", notices.BLOCK),
        ("report", notices.REPORT),
    ):
        registry.action(action)(_handle(answer))
    registry.action(desk.SAVE, permission=Permission.COUNTRY_ADMIN)(embassy_save_action)
    registry.action(INSTITUTION_SEND, permission=Permission.REPRESENTATIVE)(institution_send_action)
    registry.action(notices.MUTE)(institution_mute_action)
