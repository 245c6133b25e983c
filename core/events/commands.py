"""Chapter commands: /chapter (open, admins, channels), /events and /event, /broadcast,
/articles, /digest and /stats."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import delete

from ..chat.builtin import RESERVED
from ..chat.callbacks import STALE_BUTTON, payload_id
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from ..chat.context import ChatKind, CommandContext
from ..chat.forms import validate_form
from ..chat.replies import (
    Attachment,
    Button,
    ButtonStyle,
    Card,
    Field,
    Form,
    FormField,
    FormFieldKind,
    Reply,
)
from ..db.base import insert_for
from ..db.models import Broadcast, DigestSubscription, Rsvp
from ..delivery.outbox import Target
from ..delivery.status import batch_progress
from ..directory.vocabulary import SECTORS, sector_label
from ..domain import Role
from ..errors import UserError
from ..i18n import (
    N_,
    collated,
    country_name,
    format_date,
    format_number,
    format_percent,
    gettext,
    isolate_for,
    language_name,
    ngettext,
)
from ..mentoring.stats import mentoring_stats
from ..offers.vocabulary import resolve_sector
from . import articles as article_cases
from . import broadcasts as broadcast_cases
from . import cards
from . import chapters as chapter_cases
from . import events as event_cases
from .calendar import event_attachment
from .cards import in_language
from .digests import chapter_digest, load_offer_index, member_digest_reply, public_digest_reply
from .progress import PROGRESS, progress_reply
from .stats import ChartPanel, chart_png, network_stats

__all__ = ["register"]

CONFIRM = "broadcast.confirm"
ARTICLE_SAVE = "articles.save"
DIGEST_WEEK = dt.timedelta(days=7)


def _country(ctx: CommandContext, value: str | None) -> str:
    code = value or ctx.actor.country_code
    if not code:
        raise UserError(N_("Say which country, for example country:BR."))
    return str(code).upper()


# --- chapters -----------------------------------------------------------------------------
async def chapter_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        if args["country"]:
            found = [
                chapter_cases.ChapterInfo.of(
                    await chapter_cases.load_chapter(session, args["country"])
                )
            ]
        else:
            found = collated(
                await chapter_cases.list_chapters(session),
                lambda c: country_name(c.country_code),
            )
    if not found:
        return Reply(text=gettext("No chapter is open yet."))
    return Reply(cards=tuple(_chapter_card(c) for c in found))


def _chapter_card(chapter: chapter_cases.ChapterInfo) -> Card:
    return Card(
        title=country_name(chapter.country_code),
        subtitle=chapter.country_code,
        fields=(
            Field(gettext("Languages"), ", ".join(language_name(x) for x in chapter.languages)),
            Field(gettext("Time zone"), chapter.time_zone),
        ),
    )


async def chapter_open_command(ctx: CommandContext, args: Arguments) -> Reply:
    languages = str(args.get("languages", "fr,en")).split(",")
    async with ctx.app.db.sessions.begin() as session:
        chapter = await chapter_cases.open_chapter(
            session,
            ctx.actor,
            args["country"],
            languages=languages,
            zone=str(args.get("timezone", "")) or "UTC",
            digest_day=str(args.get("day", "mon")),
            digest_hour=int(args.get("hour", 9)),
            now=ctx.app.clock.now(),
        )
        info = chapter_cases.ChapterInfo.of(chapter)
    return Reply(
        text=gettext("The chapter for {country} is open.", country=country_name(info.country_code)),
        cards=(_chapter_card(info),),
    )


async def chapter_admin_command(ctx: CommandContext, args: Arguments) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        member = await chapter_cases.name_admin(
            session, ctx.actor, args["country"], str(args["email"]), now=ctx.app.clock.now()
        )
    return Reply(
        text=gettext(
            "{name} now administers the chapter for {country}.",
            name=isolate_for(member.full_name),
            country=country_name(args["country"]),
        )
    )


async def chapter_channel_command(ctx: CommandContext, args: Arguments) -> Reply:
    chat = str(args.get("chat", "")) or ctx.incoming.chat_id
    if not chat:
        raise UserError(N_("Say which channel, or send the command in that channel."))
    target = Target(ctx.incoming.platform, chat, ctx.incoming.workspace)
    async with ctx.app.db.sessions.begin() as session:
        await chapter_cases.add_channel(
            session, ctx.actor, args["country"], target, now=ctx.app.clock.now()
        )
    return Reply(
        text=gettext(
            "Announcements and digests for {country} will be posted in this channel too.",
            country=country_name(args["country"]),
        )
    )


# --- events -------------------------------------------------------------------------------
async def events_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args["country"])
    now = ctx.app.clock.now()
    until = now + (dt.timedelta(days=31) if args.get("when") == "month" else dt.timedelta(days=7))
    async with ctx.app.db.sessions() as session:
        await chapter_cases.load_chapter(session, code)
        found = await event_cases.upcoming_events(session, code, start=now, until=until)
        counts = await event_cases.going_counts(session, [e.id for e in found])
    if not found:
        return Reply(
            text=gettext("No event is planned in {country} for now.", country=country_name(code))
        )
    return Reply(
        text=gettext("Events in {country}:", country=country_name(code)),
        cards=tuple(cards.event_card(e, counts.get(e.id, 0)) for e in found),
    )


async def _show_event(ctx: CommandContext, event_id: int) -> Reply:
    async with ctx.app.db.sessions() as session:
        event = await event_cases.load_event(session, event_id)
        going = (await event_cases.going_counts(session, [event_id])).get(event_id, 0)
        mine = None
        if ctx.actor.member_id is not None:
            answer = await session.get(Rsvp, (event_id, ctx.actor.member_id))
            mine = event_cases.RsvpStatus(answer.status) if answer else None
    return Reply(cards=(cards.event_card(event, going, full=True, mine=mine),))


async def event_show_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _show_event(ctx, int(args["event"]))


async def event_create_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args["country"])
    async with ctx.app.db.sessions() as session:
        chapter = await chapter_cases.load_chapter(session, code)
    if not (ctx.actor.admin_of(code) or ctx.actor.may(Permission.REPRESENTATIVE)):
        raise UserError(
            N_(
                "Only the country's administrators and organisation representatives "
                "can create events there."
            )
        )
    return Reply(form=cards.event_form(chapter, ctx.app.clock.now()))


async def event_save_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    now = ctx.app.clock.now()
    async with ctx.app.db.sessions.begin() as session:
        chapter = await chapter_cases.load_chapter(session, payload)
        checked = validate_form(cards.event_form(chapter, now), values)
        data = event_cases.event_input(checked, chapter=chapter, now=now)
        event = await event_cases.create_event(session, ctx.actor, data, now=now)
    return Reply(
        text=gettext("The event #{id} is published.", id=event.id),
        cards=(cards.event_card(event, 0, full=True),),
    )


async def rsvp_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    ident, _, answer = payload.partition(":")
    try:
        wanted = event_cases.RsvpStatus(answer)
    except ValueError:
        raise UserError(STALE_BUTTON) from None
    if wanted is event_cases.RsvpStatus.WAITING or ctx.actor.member_id is None:
        raise UserError(STALE_BUTTON)
    async with ctx.app.db.sessions.begin() as session:
        outcome = await event_cases.rsvp(
            session,
            ctx.actor.member_id,
            payload_id(ident),
            wanted,
            now=ctx.app.clock.now(),
            promoted_notice=cards.promoted_notice,
        )
    messages = {
        event_cases.RsvpStatus.GOING: N_("You are going. You will get a reminder the day before."),
        event_cases.RsvpStatus.MAYBE: N_("Noted: maybe."),
        event_cases.RsvpStatus.NOT_GOING: N_("Noted: you are not going."),
        event_cases.RsvpStatus.WAITING: N_(
            "The event is full: you are on the waiting list and will be told if a place opens."
        ),
    }
    reply = await _show_event(ctx, payload_id(ident))
    return Reply(text=gettext(messages[outcome.status]), cards=reply.cards)


async def ics_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    async with ctx.app.db.sessions() as session:
        event = await event_cases.load_event(session, payload_id(payload))
    return Reply(
        text=gettext(
            "Open the file to add “{title}” to your calendar.", title=in_language(event.titles)
        ),
        attachments=(event_attachment(event, now=ctx.app.clock.now()),),
    )


# --- broadcasts ---------------------------------------------------------------------------
def _sector(value: str | None) -> str | None:
    if not value:
        return None
    sector = resolve_sector(value)
    if sector is None:
        raise UserError(
            N_("Unknown sector {value}. Choose one of: {choices}."),
            value=value,
            choices=", ".join(SECTORS),
        )
    return sector


def framed(broadcast: Broadcast) -> Reply:
    """The admin's text, framed in the reader's language."""
    return Reply(
        text=gettext(
            "Announcement from the chapter in {country}:",
            country=country_name(broadcast.country_code),
        )
        + "\n\n"
        + isolate_for(broadcast.text)
    )


async def broadcast_command(ctx: CommandContext, args: Arguments) -> Reply:
    audience = broadcast_cases.Audience(
        city=args["city"], sector=_sector(args["sector"]), school=args["school"]
    )
    async with ctx.app.db.sessions.begin() as session:
        broadcast, count = await broadcast_cases.prepare_broadcast(
            session,
            ctx.actor,
            args["country"],
            str(args.get("message", "")),
            audience,
            now=ctx.app.clock.now(),
        )
    filters = [
        f"{label}: {isolate_for(value)}"
        for label, value in (
            (gettext("City"), audience.city),
            (gettext("Sector"), sector_label(audience.sector) if audience.sector else None),
            (gettext("School"), audience.school),
        )
        if value
    ]
    return Reply(
        text=ngettext(
            "Preview. Nothing is sent until you confirm: {count} member will receive it.",
            "Preview. Nothing is sent until you confirm: {count} members will receive it.",
            count,
        ),
        cards=(
            Card(
                title=gettext(
                    "Announcement from the chapter in {country}:",
                    country=country_name(broadcast.country_code),
                ),
                subtitle=" · ".join(filters),
                body=isolate_for(broadcast.text),
            ),
        ),
        buttons=(
            Button(
                gettext("Confirm and send"),
                action=CONFIRM,
                payload=str(broadcast.id),
                style=ButtonStyle.PRIMARY,
            ),
        ),
    )


async def confirm_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    """The preview turns into the progress message; where the platform told us which message
    was pressed, in a private chat, the senders keep it up to date."""
    incoming = ctx.incoming
    pressed = (
        (incoming.platform, incoming.message_id)
        if incoming.message_id and incoming.chat_kind is ChatKind.PRIVATE
        else None
    )
    async with ctx.app.db.sessions.begin() as session:
        broadcast, _queued = await broadcast_cases.confirm_broadcast(
            session,
            ctx.actor,
            payload_id(payload),
            now=ctx.app.clock.now(),
            frame=framed,
            progress_message=pressed,
        )
        progress = await batch_progress(session, broadcast_cases.batch_of(broadcast.id))
    live = pressed is not None and broadcast.progress_message_id == pressed[1]
    return progress_reply(broadcast.id, progress, live=live)


async def progress_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    async with ctx.app.db.sessions() as session:
        broadcast, progress = await broadcast_cases.broadcast_progress(
            session, ctx.actor, payload_id(payload)
        )
    if broadcast.state == "draft":
        raise UserError(STALE_BUTTON)
    return progress_reply(broadcast.id, progress)


# --- articles -----------------------------------------------------------------------------
def article_form(country_code: str) -> Form:
    return Form(
        action=ARTICLE_SAVE,
        title=gettext("New article for {country}", country=country_name(country_code)),
        fields=(
            FormField("title", gettext("Title"), max_length=article_cases.ARTICLE_TITLE_MAX),
            FormField(
                "body",
                gettext("Text"),
                kind=FormFieldKind.LONG_TEXT,
                max_length=article_cases.ARTICLE_MAX,
            ),
        ),
        submit_label=gettext("Publish"),
        payload=country_code,
    )


async def articles_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args["country"])
    async with ctx.app.db.sessions() as session:
        found = await article_cases.list_articles(session, code)
    if not found:
        return Reply(text=gettext("No article for {country} yet.", country=country_name(code)))
    return Reply(
        text=gettext("Articles for {country}:", country=country_name(code)),
        cards=tuple(
            Card(
                title=a.title,
                subtitle=f"#{a.id} · {format_date(a.published_at.date())}",
                body=a.body,
            )
            for a in found
        ),
    )


async def articles_post_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args["country"])
    async with ctx.app.db.sessions() as session:
        await chapter_cases.load_chapter(session, code)
    article_cases.require_author(ctx.actor, code)  # refused before the form, not after it
    return Reply(form=article_form(code))


async def article_save_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    checked = validate_form(article_form(payload), values)
    async with ctx.app.db.sessions.begin() as session:
        article = await article_cases.publish_article(
            session, ctx.actor, payload, checked["title"], checked["body"], now=ctx.app.clock.now()
        )
    return Reply(text=gettext("The article #{id} is published.", id=article.id))


# --- digests ------------------------------------------------------------------------------
async def digest_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args["country"])
    now = ctx.app.clock.now()
    since = now - DIGEST_WEEK
    async with ctx.app.db.sessions() as session:
        chapter = await chapter_cases.load_chapter(session, code)
        offers = await load_offer_index(session, since, now=now)
        digest = await chapter_digest(
            session, chapter, since=since, now=now, offers=offers, only_member=ctx.actor.member_id
        )
        subscribed = (
            ctx.actor.member_id is not None
            and (await session.get(DigestSubscription, ctx.actor.member_id)) is not None
        )
    reply = (
        member_digest_reply(digest, ctx.actor.member_id)
        if subscribed and ctx.actor.member_id is not None
        else public_digest_reply(digest)
    )
    hint = (
        gettext("You receive this digest every week; /digest off stops it.")
        if subscribed
        else gettext("Send /digest on to receive it privately every week.")
    )
    return Reply(text=f"{reply.text}\n{hint}", cards=reply.cards)


async def digest_on_command(ctx: CommandContext, _args: Arguments) -> Reply:
    if ctx.actor.member_id is None:
        raise UserError(STALE_BUTTON)
    async with ctx.app.db.sessions.begin() as session:
        await session.execute(
            insert_for(session)(DigestSubscription)
            .values(member_id=ctx.actor.member_id, created_at=ctx.app.clock.now())
            .on_conflict_do_nothing(index_elements=["member_id"])
        )
    return Reply(text=gettext("You will receive your country's digest every week."))


async def digest_off_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        await session.execute(
            delete(DigestSubscription).where(DigestSubscription.member_id == ctx.actor.member_id)
        )
    return Reply(text=gettext("You will no longer receive the weekly digest."))


# --- stats --------------------------------------------------------------------------------
async def stats_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = args["country"]
    if code is None and not ctx.actor.has_role(Role.GLOBAL_ADMIN):
        code = next((g.country_code for g in ctx.actor.grants if g.country_code), None)
        if code is None:
            raise UserError(chapter_cases.NOT_YOURS)
    if code is not None:
        chapter_cases.require_admin_of(ctx.actor, code)
    async with ctx.app.db.sessions() as session:
        stats = await network_stats(session, code, now=ctx.app.clock.now())
        mentoring = await mentoring_stats(session, code, now=ctx.app.clock.now())
    where = country_name(code) if code else gettext("the whole network")
    title = gettext("Figures for {where}", where=where)

    def lines(pairs: list[tuple[str, int]]) -> str:
        return "\n".join(f"{isolate_for(name)}: {format_number(n)}" for name, n in pairs) or "—"

    fields = (
        Field(gettext("Members"), format_number(stats.members)),
        Field(gettext("Offer views (30 days)"), format_number(stats.offer_views)),
        Field(gettext("Members by city"), lines(stats.by_city), inline=False),
        Field(
            gettext("Members by sector"),
            lines([(sector_label(s) if s != "—" else s, n) for s, n in stats.by_sector]),
            inline=False,
        ),
        Field(
            gettext("New members per month"),
            lines([(format_date(d, format="MMM y"), n) for d, n in stats.growth]),
            inline=False,
        ),
        Field(
            gettext("Event attendance"),
            lines([(in_language(titles), going) for _, titles, going in stats.attendance]),
            inline=False,
        ),
        Field(gettext("Active mentors"), format_number(mentoring.mentors_active)),
        Field(gettext("Mentoring requests"), format_number(mentoring.requests)),
        Field(
            gettext("Requests accepted"),
            "—" if mentoring.acceptance_rate is None else format_percent(mentoring.acceptance_rate),
        ),
        Field(gettext("Coffee pairs made"), format_number(mentoring.coffee_pairs)),
        Field(gettext("Coffee pairs who met"), format_number(mentoring.coffee_met)),
    )
    panels = [
        ChartPanel(gettext("Members by city"), stats.by_city),
        ChartPanel(
            gettext("Members by sector"),
            [(sector_label(s) if s != "—" else s, n) for s, n in stats.by_sector],
        ),
        ChartPanel(
            gettext("New members per month"),
            [(format_date(d, format="MMM y"), n) for d, n in stats.growth],
            horizontal=False,
        ),
        ChartPanel(
            gettext("Event attendance"),
            [(in_language(titles), going) for _, titles, going in stats.attendance],
        ),
    ]
    png = await asyncio.to_thread(chart_png, title, panels)  # ~0.3 s of drawing
    return Reply(
        cards=(Card(title=title, fields=fields),),
        attachments=() if png is None else (Attachment("stats.png", png, "image/png"),),
    )


# --- declarations -------------------------------------------------------------------------
def _number(name: str, help_text: str) -> Param:
    return Param(
        name, help_text, kind=ParamKind.INTEGER, required=True, min_value=1, max_value=999_999_999
    )


def register(registry: CommandRegistry) -> None:
    country_required = Param(
        "country",
        N_("Country (name or code)"),
        kind=ParamKind.COUNTRY,
        required=True,
        autocomplete="country",
    )
    country = Param(
        "country", N_("Country (name or code)"), kind=ParamKind.COUNTRY, autocomplete="country"
    )
    event = _number("event", N_("The event's number"))
    registry.add(
        Command(
            name="chapter",
            help=N_("Country chapters: open one, name its admins, add channels"),
            handler=chapter_command,
            options=(country,),
            subcommands=(
                Command(
                    name="open",
                    help=N_("Open or set up a country's chapter"),
                    handler=chapter_open_command,
                    params=(country_required,),
                    options=(
                        Param(
                            "languages",
                            N_("Languages, separated by commas: fr,en,pt"),
                            max_length=80,
                        ),
                        Param(
                            "timezone", N_("Time zone, such as America/Sao_Paulo"), max_length=64
                        ),
                        Param(
                            "day",
                            N_("Day of the weekly digest"),
                            kind=ParamKind.CHOICE,
                            choices=chapter_cases.DAYS,
                        ),
                        Param(
                            "hour",
                            N_("Local hour of the weekly digest"),
                            kind=ParamKind.INTEGER,
                            min_value=0,
                            max_value=23,
                        ),
                    ),
                    permission=Permission.GLOBAL_ADMIN,
                ),
                Command(
                    name="admin",
                    help=N_("Name a country administrator"),
                    handler=chapter_admin_command,
                    params=(
                        country_required,
                        Param(
                            "email",
                            N_("The member's e-mail address"),
                            required=True,
                            max_length=320,
                        ),
                    ),
                    permission=Permission.GLOBAL_ADMIN,
                ),
                Command(
                    name="channel",
                    help=N_("Post the chapter's announcements in a channel"),
                    handler=chapter_channel_command,
                    params=(
                        country_required,
                        Param("chat", N_("The channel's id (default: this one)"), max_length=320),
                    ),
                    permission=Permission.COUNTRY_ADMIN,
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="events",
            help=RESERVED["events"][0],
            handler=events_command,
            options=(
                country,
                Param(
                    "when",
                    N_("This week or this month"),
                    kind=ParamKind.CHOICE,
                    choices=("week", "month"),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="event",
            help=RESERVED["event"][0],
            subcommands=(
                Command(
                    name="create",
                    help=N_("Create an event with a form"),
                    handler=event_create_command,
                    options=(country,),
                ),
                Command(
                    name="show",
                    help=N_("Show an event, answer and add it to your calendar"),
                    handler=event_show_command,
                    params=(event,),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="broadcast",
            help=RESERVED["broadcast"][0],
            handler=broadcast_command,
            params=(
                country_required,
                Param(
                    "message",
                    N_("The announcement"),
                    kind=ParamKind.TEXT,
                    max_length=broadcast_cases.TEXT_MAX,
                ),
            ),
            options=(
                Param("city", N_("Only members in this city"), max_length=120),
                Param(
                    "sector",
                    N_("Only members in this sector"),
                    max_length=80,
                    autocomplete="sector",
                ),
                Param(
                    "school",
                    N_("Only alumni of this school"),
                    max_length=120,
                    autocomplete="school",
                ),
            ),
            permission=Permission.COUNTRY_ADMIN,
        )
    )
    registry.add(
        Command(
            name="articles",
            help=N_("News and articles for a country"),
            handler=articles_command,
            options=(country,),
            subcommands=(
                Command(
                    name="post",
                    help=N_("Publish an article for a country"),
                    handler=articles_post_command,
                    options=(country,),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="digest",
            help=RESERVED["digest"][0],
            handler=digest_command,
            options=(country,),
            subcommands=(
                Command(
                    name="on",
                    help=N_("Receive the weekly digest privately"),
                    handler=digest_on_command,
                ),
                Command(name="off", help=N_("Stop the weekly digest"), handler=digest_off_command),
            ),
        )
    )
    registry.add(
        Command(
            name="stats",
            help=RESERVED["stats"][0],
            handler=stats_command,
            options=(country,),
            permission=Permission.COUNTRY_ADMIN,
        )
    )
    registry.action(cards.RSVP)(rsvp_action)
    registry.action(cards.ICS)(ics_action)
    registry.action(cards.SAVE)(event_save_action)
    registry.action(CONFIRM, permission=Permission.COUNTRY_ADMIN)(confirm_action)
    registry.action(PROGRESS, permission=Permission.COUNTRY_ADMIN)(progress_action)
    registry.action(ARTICLE_SAVE)(article_save_action)
