"""Mentoring commands: /mentor (become, edit, pause, resume, show, find) and /coffee (join,
leave, snooze, status, every)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..chat.callbacks import STALE_BUTTON
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from ..chat.context import CommandContext
from ..chat.forms import validate_form
from ..chat.replies import Button, ButtonStyle, Card, Field, Form, FormField, FormFieldKind, Reply
from ..db.models import Chapter, Member, MentorProfile
from ..directory.introductions import request_form
from ..errors import UserError
from ..events.chapters import require_admin_of
from ..i18n import (
    N_,
    country_name,
    format_datetime,
    gettext,
    isolate_for,
    language_name,
    ngettext,
)
from . import coffee as coffee_cases
from . import mentors as mentor_cases
from .vocabulary import CADENCES, TOPICS, cadence_label, parse_languages, parse_topics, topic_label

__all__ = ["register"]

SAVE = "mentor.save"
ASK = "mentor.ask"
ASK_SEND = "mentor.ask.send"


def _member_id(ctx: CommandContext) -> int:
    if ctx.actor.member_id is None:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    return ctx.actor.member_id


def _ids(payload: str, parts: int = 1) -> list[str]:
    pieces = payload.split(":")
    if len(pieces) != parts or not pieces[0].isdigit() or len(pieces[0]) > 9:
        raise UserError(STALE_BUTTON)
    return pieces


# --- mentor profile -----------------------------------------------------------------------
def _mentor_form(profile: MentorProfile | None) -> Form:
    return Form(
        action=SAVE,
        title=gettext("Mentor profile"),
        fields=(
            FormField(
                "topics",
                gettext("Topics, separated by commas"),
                placeholder=", ".join(f"{k} ({topic_label(k)})" for k in TOPICS),
                initial=", ".join(profile.topics) if profile else "",
                max_length=200,
            ),
            FormField(
                "languages",
                gettext("Languages you mentor in, separated by commas"),
                required=False,
                placeholder=", ".join(language_name(c) for c in ("fr", "en", "pt")),
                initial=", ".join(profile.languages) if profile else "",
                max_length=120,
            ),
            FormField(
                "capacity",
                gettext("How many mentees at once (1 to 10)"),
                kind=FormFieldKind.NUMBER,
                initial=str(profile.capacity) if profile else "2",
                max_length=2,
            ),
            FormField(
                "cadence",
                gettext("How often you can meet"),
                kind=FormFieldKind.CHOICE,
                choices=tuple((key, cadence_label(key)) for key in CADENCES),
                initial=profile.cadence if profile else "monthly",
            ),
            FormField(
                "about",
                gettext("A few words about what you can help with (optional)"),
                kind=FormFieldKind.LONG_TEXT,
                required=False,
                initial=profile.about if profile else "",
                max_length=mentor_cases.MAX_ABOUT,
            ),
        ),
        submit_label=gettext("Save"),
    )


def _languages(codes: list[str]) -> str:
    return ", ".join(language_name(c) for c in codes) or "—"


def _topics(keys: list[str]) -> str:
    return ", ".join(topic_label(k) for k in keys)


def _profile_card(name: str, profile: MentorProfile) -> Card:
    status = (
        gettext("paused: nobody can ask you") if profile.paused else gettext("open to requests")
    )
    fields = [
        Field(gettext("Topics"), _topics(profile.topics), inline=False),
        Field(gettext("Languages"), _languages(profile.languages)),
        Field(gettext("Mentees at once"), str(profile.capacity)),
        Field(gettext("Cadence"), cadence_label(profile.cadence)),
        Field(gettext("Status"), status),
    ]
    if profile.about:
        fields.append(Field(gettext("About"), isolate_for(profile.about), inline=False))
    toggle = (
        Button(gettext("Resume"), action="mentor.resume", style=ButtonStyle.PRIMARY)
        if profile.paused
        else Button(gettext("Pause"), action="mentor.pause")
    )
    return Card(
        title=isolate_for(name),
        fields=tuple(fields),
        buttons=(Button(gettext("Edit"), action="mentor.edit"), toggle),
    )


async def mentor_form_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        profile = await mentor_cases.load_mentor(session, _member_id(ctx))
    intro = (
        gettext("Change what you want; skip the rest.")
        if profile
        else gettext(
            "Thank you for helping the students who come next. Mentees find you by topic, "
            "school, country and language."
        )
    )
    return Reply(text=intro, form=_mentor_form(profile))


async def mentor_form_action(ctx: CommandContext, _payload: str, _values: dict[str, str]) -> Reply:
    return await mentor_form_command(ctx, Arguments())


async def mentor_save_action(ctx: CommandContext, _payload: str, values: dict[str, str]) -> Reply:
    member_id = _member_id(ctx)
    cleaned = validate_form(_mentor_form(None), values)
    topics = parse_topics(cleaned["topics"])
    languages = parse_languages(cleaned["languages"])
    async with ctx.app.db.sessions.begin() as session:
        profile, created = await mentor_cases.save_mentor(
            session,
            member_id,
            topics=topics,
            languages=languages,
            capacity=int(cleaned["capacity"]),
            cadence=cleaned["cadence"],
            about=cleaned["about"],
            now=ctx.app.clock.now(),
        )
        member = await session.get(Member, member_id)
        name = member.full_name if member else ""
    text = (
        gettext("You are now a mentor. Members looking for help on your topics will find you.")
        if created
        else gettext("Your mentor profile is saved.")
    )
    return Reply(text=text, cards=(_profile_card(name, profile),))


async def mentor_show_command(ctx: CommandContext, _args: Arguments) -> Reply:
    member_id = _member_id(ctx)
    async with ctx.app.db.sessions() as session:
        profile = await mentor_cases.load_mentor(session, member_id)
        member = await session.get(Member, member_id)
    if profile is None:
        return Reply(
            text=gettext(
                "You are not a mentor yet: send /mentor become. To find one: /mentor find."
            )
        )
    return Reply(cards=(_profile_card(member.full_name if member else "", profile),))


def _pause(paused: bool) -> Callable[..., Awaitable[Reply]]:
    async def handler(ctx: CommandContext, *_args: object) -> Reply:
        member_id = _member_id(ctx)
        async with ctx.app.db.sessions.begin() as session:
            profile = await mentor_cases.set_paused(
                session, member_id, paused, now=ctx.app.clock.now()
            )
            member = await session.get(Member, member_id)
        text = (
            gettext("Paused: nobody can ask you until you send /mentor resume.")
            if paused
            else gettext("Welcome back: members can ask you again.")
        )
        return Reply(text=text, cards=(_profile_card(member.full_name if member else "", profile),))

    return handler


# --- finding and asking -------------------------------------------------------------------
async def mentor_find_command(ctx: CommandContext, args: Arguments) -> Reply:
    member_id = _member_id(ctx)
    language = args["language"]
    if language:
        found = parse_languages(str(language))
        language = found[0] if found else None
    query = mentor_cases.MentorQuery(
        topic=args["topic"],
        school=args["school"],
        country=args["country"],
        language=language,
        field=args["field"],
    )
    async with ctx.app.db.sessions() as session:
        matches = await mentor_cases.find_mentors(
            session, query, member_id, now=ctx.app.clock.now()
        )
    if not matches:
        return Reply(text=gettext("No mentor matches this search yet."))
    cards = []
    for m in matches:
        fields = [
            Field(gettext("Topics"), _topics(m.topics), inline=False),
            Field(gettext("Languages"), _languages(m.languages)),
            Field(gettext("Cadence"), cadence_label(m.cadence)),
            Field(
                gettext("Availability"),
                ngettext("{count} free place", "{count} free places", m.free)
                if m.free
                else gettext("no free place right now"),
            ),
        ]
        fields.extend(Field(gettext("Studied at"), s, inline=False) for s in m.schools[:2])
        cards.append(
            Card(
                title=isolate_for(m.full_name),
                subtitle=country_name(m.country_code) if m.country_code else "",
                body=isolate_for(m.about),
                fields=tuple(fields),
                buttons=(
                    Button(
                        gettext("Ask for mentoring"),
                        action=ASK,
                        payload=f"{m.member_id}:{query.topic or ''}",
                        style=ButtonStyle.PRIMARY,
                    ),
                )
                if m.free
                else (),
            )
        )
    return Reply(text=gettext("Mentors for you, best match first:"), cards=tuple(cards))


async def ask_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    mentor_id, _topic = _ids(payload, 2)
    if int(mentor_id) == _member_id(ctx):
        raise UserError(N_("You cannot be your own mentee."))
    async with ctx.app.db.sessions() as session:
        mentor = await session.get(Member, int(mentor_id))
    if mentor is None:
        raise UserError(mentor_cases.NOT_A_MENTOR)
    return Reply(
        form=request_form(
            ASK_SEND, gettext("Mentoring with {name}", name=mentor.full_name)[:45], payload
        )
    )


async def ask_send_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    mentor_id, topic = _ids(payload, 2)
    async with ctx.app.db.sessions.begin() as session:
        _request, name = await mentor_cases.request_mentoring(
            session,
            _member_id(ctx),
            int(mentor_id),
            topic or None,
            values.get("message", "") or "",
            now=ctx.app.clock.now(),
        )
    return Reply(
        text=gettext(
            "Your request was sent to {name}. You will hear from us when they answer.", name=name
        )
    )


def _answer(accept: bool) -> Callable[..., Awaitable[Reply]]:
    async def handler(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
        [request_id] = _ids(payload)
        async with ctx.app.db.sessions.begin() as session:
            request, mentee, contacts = await mentor_cases.answer_request(
                session, int(request_id), _member_id(ctx), accept, now=ctx.app.clock.now()
            )
        if not accept:
            return Reply(
                text=gettext(
                    "Declined. {name} is told you are not available.", name=mentee.full_name
                )
            )
        lines = [gettext("You accepted. Reach {name} here:", name=mentee.full_name)]
        lines.extend(contacts or [gettext("(no chat account linked yet)")])
        lines.append(mentor_cases.first_step(mentee.full_name, request.topic))
        return Reply(text="\n".join(lines))

    return handler


async def met_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    request_id, answer = _ids(payload, 2)
    if answer not in ("yes", "no"):
        raise UserError(STALE_BUTTON)
    async with ctx.app.db.sessions.begin() as session:
        name = await mentor_cases.record_meeting(
            session, int(request_id), _member_id(ctx), answer == "yes"
        )
    if answer == "yes":
        return Reply(text=gettext("Wonderful. Thank you for telling us."))
    return Reply(
        text=gettext(
            "Noted. A short message to {name} is often all it takes to set a date.",
            name=isolate_for(name),
        )
    )


# --- coffee -------------------------------------------------------------------------------
def _country(ctx: CommandContext, args: Arguments) -> str:
    code = args["country"] or ctx.actor.country_code
    if not code:
        raise UserError(N_("Say which country, for example country:BR."))
    return str(code).upper()


def _cadence_line(weeks: int, zone: str) -> str:
    return ngettext(
        "A round every {count} week, on Mondays at 10:00 ({zone}).",
        "A round every {count} weeks, on Mondays at 10:00 ({zone}).",
        weeks,
        zone=zone,
    )


async def _status_reply(ctx: CommandContext, code: str, first: str | None = None) -> Reply:
    async with ctx.app.db.sessions() as session:
        status = await coffee_cases.coffee_status(
            session, _member_id(ctx), code, now=ctx.app.clock.now()
        )
    where = country_name(code)
    lines = [first] if first else []
    if not status.joined:
        lines.append(gettext(coffee_cases.NOT_IN, country=where))
        lines.append(gettext("Send /coffee join to take part."))
        return Reply(text="\n".join(lines))
    if not first:
        lines.append(gettext("You are in the coffee introductions of {country}.", country=where))
    if status.snoozed_until:
        lines.append(
            gettext(
                "No coffee introductions for you until {date}.",
                date=format_datetime(status.snoozed_until, tz=status.time_zone, format="medium"),
            )
        )
    lines.append(_cadence_line(status.every_weeks, status.time_zone))
    lines.append(
        gettext(
            "Next round: {date}.",
            date=format_datetime(status.next_round, tz=status.time_zone, format="medium"),
        )
    )
    if status.last_partners:
        lines.append(
            gettext(
                "Last round you met {names}.",
                names=", ".join(isolate_for(n) for n in status.last_partners),
            )
        )
    return Reply(text="\n".join(lines))


async def coffee_status_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _status_reply(ctx, _country(ctx, args))


async def coffee_join_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args)
    async with ctx.app.db.sessions.begin() as session:
        fresh = await coffee_cases.join(session, _member_id(ctx), code, now=ctx.app.clock.now())
    if not fresh:
        return await _status_reply(ctx, code, gettext("Welcome back: you are in the next round."))
    first = "\n".join(
        (
            gettext(
                "You are in the coffee introductions of {country}.", country=country_name(code)
            ),
            gettext(
                "Your partner of each round receives your chat handle; /coffee snooze or "
                "/coffee leave at any time."
            ),
        )
    )
    return await _status_reply(ctx, code, first)


async def coffee_leave_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args)
    async with ctx.app.db.sessions.begin() as session:
        await coffee_cases.leave(session, _member_id(ctx), code)
    return Reply(
        text=gettext("You left the coffee introductions of {country}.", country=country_name(code))
    )


async def coffee_snooze_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args)
    async with ctx.app.db.sessions.begin() as session:
        weeks = int(args.get("weeks") or await coffee_cases.cadence_of(session, code))
        await coffee_cases.snooze(session, _member_id(ctx), code, weeks, now=ctx.app.clock.now())
    return await _status_reply(ctx, code)


async def coffee_every_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = _country(ctx, args)
    require_admin_of(ctx.actor, code)
    weeks = int(args["weeks"])
    async with ctx.app.db.sessions.begin() as session:
        await coffee_cases.set_cadence(session, code, weeks, now=ctx.app.clock.now())
        chapter = await session.get(Chapter, code)
        assert chapter is not None
        upcoming = coffee_cases.next_round(chapter, weeks, ctx.app.clock.now())
    return Reply(
        text="\n".join(
            (
                ngettext(
                    "Coffee rounds of {country} now happen every {count} week.",
                    "Coffee rounds of {country} now happen every {count} weeks.",
                    weeks,
                    country=country_name(code),
                ),
                gettext(
                    "Next round: {date}.",
                    date=format_datetime(upcoming, tz=chapter.time_zone, format="medium"),
                ),
            )
        )
    )


async def coffee_met_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    [round_id] = _ids(payload)
    async with ctx.app.db.sessions.begin() as session:
        await coffee_cases.mark_met(session, _member_id(ctx), int(round_id))
    return Reply(text=gettext("Wonderful. Thank you for telling us."))


async def coffee_avoid_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    [other_id] = _ids(payload)
    async with ctx.app.db.sessions.begin() as session:
        name = await coffee_cases.avoid(
            session, _member_id(ctx), int(other_id), now=ctx.app.clock.now()
        )
    return Reply(text=gettext("You will not be paired with {name} again.", name=isolate_for(name)))


# --- declarations -------------------------------------------------------------------------
def register(registry: CommandRegistry) -> None:
    country = Param(
        "country",
        N_("Country of the chapter (name or code)"),
        kind=ParamKind.COUNTRY,
        autocomplete="country",
    )
    registry.add(
        Command(
            name="mentor",
            help=N_("Mentoring: offer it, or find a mentor"),
            handler=mentor_show_command,
            subcommands=(
                Command(
                    name="become",
                    help=N_("Become a mentor with a form"),
                    handler=mentor_form_command,
                ),
                Command(
                    name="edit", help=N_("Edit your mentor profile"), handler=mentor_form_command
                ),
                Command(name="pause", help=N_("Take no new mentees for now"), handler=_pause(True)),
                Command(name="resume", help=N_("Take mentees again"), handler=_pause(False)),
                Command(
                    name="show", help=N_("Show your mentor profile"), handler=mentor_show_command
                ),
                Command(
                    name="find",
                    help=N_("Find a mentor by topic, school, country and language"),
                    handler=mentor_find_command,
                    params=(
                        Param(
                            "topic",
                            N_("What you need help with"),
                            kind=ParamKind.CHOICE,
                            choices=tuple(TOPICS),
                        ),
                    ),
                    options=(
                        Param(
                            "school",
                            N_("French institution attended"),
                            max_length=120,
                            autocomplete="school",
                        ),
                        Param(
                            "country",
                            N_("Country of residence (name or code)"),
                            kind=ParamKind.COUNTRY,
                            autocomplete="country",
                        ),
                        Param("language", N_("A language you speak"), max_length=40),
                        Param("field", N_("Field of study"), max_length=120),
                    ),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="coffee",
            help=N_("Coffee introductions: meet another member regularly"),
            handler=coffee_status_command,
            options=(country,),
            subcommands=(
                Command(
                    name="join",
                    help=N_("Take part in your chapter's coffee introductions"),
                    handler=coffee_join_command,
                    options=(country,),
                ),
                Command(
                    name="leave",
                    help=N_("Stop the coffee introductions"),
                    handler=coffee_leave_command,
                    options=(country,),
                ),
                Command(
                    name="snooze",
                    help=N_("Skip the coffee introductions for a few weeks"),
                    handler=coffee_snooze_command,
                    params=(
                        Param(
                            "weeks",
                            N_("How many weeks"),
                            kind=ParamKind.INTEGER,
                            min_value=1,
                            max_value=12,
                        ),
                    ),
                    options=(country,),
                ),
                Command(
                    name="status",
                    help=N_("Your coffee introductions and the next round"),
                    handler=coffee_status_command,
                    options=(country,),
                ),
                Command(
                    name="every",
                    help=N_("Choose how often your chapter's coffee rounds happen"),
                    handler=coffee_every_command,
                    params=(
                        Param(
                            "weeks",
                            N_("1, 2 or 4 weeks"),
                            kind=ParamKind.CHOICE,
                            choices=("1", "2", "4"),
                            required=True,
                        ),
                    ),
                    options=(country,),
                    permission=Permission.COUNTRY_ADMIN,
                ),
            ),
        )
    )
    registry.action(SAVE)(mentor_save_action)
    registry.action("mentor.edit")(mentor_form_action)
    registry.action("mentor.pause")(_pause(True))
    registry.action("mentor.resume")(_pause(False))
    registry.action(ASK)(ask_action)
    registry.action(ASK_SEND)(ask_send_action)
    registry.action("mentor.accept")(_answer(True))
    registry.action("mentor.decline")(_answer(False))
    registry.action("mentor.met")(met_action)
    registry.action("coffee.met")(coffee_met_action)
    registry.action("coffee.avoid")(coffee_avoid_action)
