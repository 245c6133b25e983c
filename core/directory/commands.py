"""Directory commands: /start, /profile, /search, /link, /privacy, /export, /erase."""

from __future__ import annotations

import json

from sqlalchemy import select

from ..chat.builtin import RESERVED
from ..chat.callbacks import STALE_BUTTON
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from ..chat.context import CommandContext
from ..chat.replies import (
    Attachment,
    Button,
    ButtonStyle,
    Card,
    Field,
    Form,
    Pager,
    Reply,
)
from ..db.models import Member
from ..domain import Visibility, fold
from ..errors import UserError
from ..i18n import (
    N_,
    catalogs,
    country_name,
    gettext,
    isolate_for,
    language_name,
    normalize_locale,
    use_locale,
)
from . import forms
from .introductions import answer_introduction, contact_lines, request_form, request_introduction
from .linking import LINK, issue_code, looks_like_code, redeem_code
from .members import Profile, create_member, load_profile, update_profile
from .privacy import erase_member, export_member
from .search import Cursor, DirectoryQuery, SearchPage, search_members
from .vocabulary import degree_label, sector_label

__all__ = ["contact_command", "register"]

SEARCH_OPTIONS = (
    Param(
        "country",
        N_("Country of residence (name or code)"),
        kind=ParamKind.COUNTRY,
        autocomplete="country",
    ),
    Param("city", N_("City of residence"), max_length=120),
    Param("school", N_("French institution attended"), max_length=120, autocomplete="school"),
    Param("field", N_("Field of study"), max_length=120),
    Param("sector", N_("Sector of activity"), max_length=80, autocomplete="sector"),
    Param("year", N_("Graduation year"), kind=ParamKind.INTEGER, min_value=1900, max_value=2100),
)


def _member_id(ctx: CommandContext) -> int:
    if ctx.actor.member_id is None:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    return ctx.actor.member_id


# --- joining and linking ------------------------------------------------------------------
async def start_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = args.get("code")
    if code:
        return await _redeem(ctx, code)
    if ctx.actor.is_member:
        async with ctx.app.db.sessions() as session:
            profile = await load_profile(session, _member_id(ctx))
        return Reply(
            text=gettext(
                "Welcome back, {name}! Try /search, /profile or /help.", name=profile.full_name
            )
        )
    return Reply(
        text=gettext(
            "Welcome to France Alumni, the network of people who studied in France. "
            "A few questions and you are in. Already in the network through your school? "
            "Send /link with the code you received instead."
        ),
        form=forms.onboarding_form(),
    )


async def onboard_action(ctx: CommandContext, _payload: str, values: dict[str, str]) -> Reply:
    data = forms.profile_input(values)
    incoming = ctx.incoming
    async with ctx.app.db.sessions.begin() as session:
        await create_member(
            session,
            data,
            platform=incoming.platform,
            workspace=incoming.workspace,
            user_id=incoming.user_id,
            handle=incoming.handle,
            display_name=incoming.display_name or None,
            locale=incoming.locale,
            now=ctx.app.clock.now(),
        )
    listed = (
        gettext("You appear in the directory; /profile changes that at any time.")
        if data.directory_consent
        else gettext("You are not listed in the directory; /profile changes that at any time.")
    )
    return Reply(
        text=gettext("Welcome to the network, {name}!", name=data.full_name) + "\n" + listed,
    )


async def link_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = args.get("code")
    if code:
        return await _redeem(ctx, code)
    if not ctx.actor.is_member:
        raise UserError(
            N_("Send /link followed by the code you received, or /start to join the network.")
        )
    async with ctx.app.db.sessions.begin() as session:
        issued = await issue_code(session, _member_id(ctx), LINK, now=ctx.app.clock.now())
    return Reply(
        text=gettext(
            "Your code is {code}. Within 15 minutes, send /link {code} from your other account "
            "(Telegram, Slack or Discord) to make it the same profile.",
            code=issued,
        )
    )


async def _redeem(ctx: CommandContext, code: str) -> Reply:
    if not looks_like_code(code):
        raise UserError(N_("This code is not valid or has expired. Ask for a new one."))
    incoming = ctx.incoming
    async with ctx.app.db.sessions.begin() as session:
        member = await redeem_code(
            session,
            code,
            platform=incoming.platform,
            workspace=incoming.workspace,
            user_id=incoming.user_id,
            handle=incoming.handle,
            display_name=incoming.display_name or None,
            locale=incoming.locale,
            now=ctx.app.clock.now(),
        )
    return Reply(
        text=gettext(
            "Done, {name}: this account is now linked to your profile. Send /profile to check it.",
            name=member.full_name,
        )
    )


# --- profile ------------------------------------------------------------------------------
def _profile_card(profile: Profile) -> Card:
    fields: list[Field] = []
    if profile.country_code:
        place = ", ".join(
            p for p in (isolate_for(profile.city or ""), country_name(profile.country_code)) if p
        )
        fields.append(Field(gettext("Lives in"), place))
    for school, degree, field_name, year in profile.studies:
        detail = " · ".join(str(p) for p in (degree_label(degree), field_name, year) if p)
        fields.append(
            Field(gettext("Studied at"), f"{school} ({detail})" if detail else school, inline=False)
        )
    if profile.sector:
        fields.append(Field(gettext("Sector"), sector_label(profile.sector)))
    if profile.languages:
        fields.append(
            Field(gettext("Languages"), ", ".join(language_name(c) for c in profile.languages))
        )
    if profile.preferred_language:
        fields.append(Field(gettext("Bot language"), language_name(profile.preferred_language)))
    listed = profile.directory_consent and profile.visibility is Visibility.LISTED
    fields.append(
        Field(
            gettext("Directory"),
            gettext("listed: members can find you and ask for an introduction")
            if listed
            else gettext("hidden: nobody finds you in search"),
            inline=False,
        )
    )
    if profile.accounts:
        fields.append(
            Field(gettext("Linked accounts"), ", ".join(p.value for p, _ in profile.accounts))
        )
    toggle = (
        Button(
            gettext("Hide me from the directory"), action="directory.visibility", payload="hidden"
        )
        if listed
        else Button(
            gettext("List me in the directory"),
            action="directory.visibility",
            payload="listed",
            style=ButtonStyle.PRIMARY,
        )
    )
    return Card(
        title=isolate_for(profile.full_name),
        fields=tuple(fields),
        buttons=(Button(gettext("Edit"), action="directory.edit"), toggle),
    )


async def profile_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        profile = await load_profile(session, _member_id(ctx))
    return Reply(cards=(_profile_card(profile),))


async def profile_edit_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        profile = await load_profile(session, _member_id(ctx))
    return Reply(
        text=gettext("Change what you want; skip the rest."), form=forms.edit_form(profile)
    )


async def edit_action(ctx: CommandContext, _payload: str, _values: dict[str, str]) -> Reply:
    return await profile_edit_command(ctx, Arguments())


async def save_action(ctx: CommandContext, _payload: str, values: dict[str, str]) -> Reply:
    member_id = _member_id(ctx)
    async with ctx.app.db.sessions.begin() as session:
        profile = await load_profile(session, member_id)
        changes = forms.profile_changes(profile, values)
        await update_profile(session, member_id, changes, now=ctx.app.clock.now())
        profile = await load_profile(session, member_id)
    return Reply(text=gettext("Your profile is saved."), cards=(_profile_card(profile),))


async def visibility_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    if payload not in ("listed", "hidden"):
        raise UserError(STALE_BUTTON)
    member_id = _member_id(ctx)
    changes: dict[str, object] = {"visibility": Visibility(payload)}
    if payload == "listed":
        changes["directory_consent"] = True
    async with ctx.app.db.sessions.begin() as session:
        await update_profile(session, member_id, changes, now=ctx.app.clock.now())
        profile = await load_profile(session, member_id)
    return Reply(cards=(_profile_card(profile),))


async def visibility_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await visibility_action(ctx, str(args["setting"]), {})


# --- search -------------------------------------------------------------------------------
async def search_command(ctx: CommandContext, args: Arguments) -> Reply:
    query = DirectoryQuery(
        text=args.get("query", ""),
        country=args["country"],
        city=args["city"],
        school=args["school"],
        field=args["field"],
        sector=args["sector"],
        year=args["year"],
    )
    filters = {k: v for k, v in query.to_json().items() if k != "text"}
    if not query.terms and not filters:
        raise UserError(
            N_("Tell me who to look for, for example: /search Marie country:BR year:2019")
        )
    return await _search_reply(ctx, query, None, 1)


async def search_page_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    decoded = Cursor.decode(payload)
    if decoded is None:
        raise UserError(STALE_BUTTON)
    query, cursor, page = decoded
    return await _search_reply(ctx, query, cursor, page)


async def _search_reply(
    ctx: CommandContext, query: DirectoryQuery, cursor: Cursor | None, page: int
) -> Reply:
    async with ctx.app.db.reading() as connection:
        result: SearchPage = await search_members(connection, query, cursor)
    if not result.results:
        return Reply(text=gettext("No member matches this search."))
    school, field, sector = gettext("School"), gettext("Field"), gettext("Sector")
    introduce = gettext("Ask for an introduction")
    cards = tuple(
        Card(
            title=isolate_for(r.full_name),
            subtitle=", ".join(
                part
                for part in (
                    isolate_for(r.city or ""),
                    country_name(r.country_code) if r.country_code else None,
                )
                if part
            ),
            fields=tuple(
                f
                for f in (
                    Field(
                        school,
                        f"{r.school} ({r.graduation_year})" if r.graduation_year else r.school,
                    )
                    if r.school
                    else None,
                    Field(field, r.field) if r.field else None,
                    Field(sector, sector_label(r.sector)) if r.sector else None,
                )
                if f is not None
            ),
            buttons=()
            if r.member_id == ctx.actor.member_id
            else (
                Button(
                    introduce,
                    action="directory.contact",
                    payload=json.dumps({"id": r.member_id}),
                ),
            ),
        )
        for r in result.results
    )
    pager = Pager(
        label=gettext("Page {page}", page=page),
        previous=Button(
            gettext("Previous"),
            action="search.page",
            payload=result.previous.encode(query, page - 1),
        )
        if result.previous
        else None,
        next=Button(
            gettext("Next"), action="search.page", payload=result.next.encode(query, page + 1)
        )
        if result.next
        else None,
    )
    heading = (
        gettext("No exact match; members with a close spelling:")
        if result.corrected
        else gettext("Members matching your search:")
    )
    return Reply(text=heading, cards=cards, pager=pager)


# --- introductions ------------------------------------------------------------------------
def _message_form(member_id: int, name: str) -> Form:
    return request_form(
        "directory.contact.send",
        gettext("Introduction to {name}", name=name)[:45],
        str(member_id),
    )


async def _send_request(ctx: CommandContext, target_id: int, message: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        await request_introduction(
            session, _member_id(ctx), target_id, message, now=ctx.app.clock.now()
        )
        target = await session.get(Member, target_id)
        name = target.full_name if target else ""
    return Reply(
        text=gettext(
            "Your request was sent to {name}. You will hear from us when they answer.", name=name
        )
    )


async def contact_command(ctx: CommandContext, args: Arguments) -> Reply:
    who = str(args["who"])
    message = str(args.get("message", ""))
    async with ctx.app.db.sessions() as session:
        found = (
            await session.execute(
                select(Member.id, Member.full_name, Member.city)
                .where(
                    Member.name_key == fold(who),
                    Member.directory_consent.is_(True),
                    Member.visibility == Visibility.LISTED,
                )
                .order_by(Member.id)
                .limit(10)
            )
        ).all()
    if not found:
        raise UserError(
            N_(
                "No listed member and no organisation is called {name}. Use /search to find "
                "members, /offers company:NAME to find organisations."
            ),
            name=who,
        )
    if len(found) == 1:
        return await _send_request(ctx, found[0].id, message)
    return Reply(
        text=gettext("Several members are called {name}. Which one?", name=who),
        cards=tuple(
            Card(
                title=m.full_name,
                subtitle=m.city or "",
                buttons=(
                    Button(
                        gettext("Ask for an introduction"),
                        action="directory.contact",
                        payload=json.dumps({"id": m.id, "message": message}),
                    ),
                ),
            )
            for m in found
        ),
    )


async def contact_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    try:
        data = json.loads(payload)
        target_id = int(data["id"])
    except (ValueError, KeyError, TypeError):
        raise UserError(STALE_BUTTON) from None
    if "message" in data:
        return await _send_request(ctx, target_id, str(data["message"]))
    async with ctx.app.db.sessions() as session:
        target = await session.get(Member, target_id)
    if target is None:
        raise UserError(N_("This member cannot be found in the directory."))
    return Reply(form=_message_form(target_id, target.full_name))


async def contact_send_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    if not payload.isdigit():
        raise UserError(N_("This form is no longer valid. Send the command again."))
    return await _send_request(ctx, int(payload), values.get("message", ""))


def _answer(answer: str):  # type: ignore[no-untyped-def]
    async def handler(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
        if not payload.isdigit():
            raise UserError(STALE_BUTTON)
        async with ctx.app.db.sessions.begin() as session:
            _intro, requester = await answer_introduction(
                session, int(payload), _member_id(ctx), answer, now=ctx.app.clock.now()
            )
            contacts = await contact_lines(session, requester.id) if answer == "accept" else []
        match answer:
            case "accept":
                lines = [gettext("You accepted. Reach {name} here:", name=requester.full_name)]
                lines.extend(contacts or [gettext("(no chat account linked yet)")])
                return Reply(text="\n".join(lines))
            case "decline":
                return Reply(
                    text=gettext(
                        "Declined. {name} is told you are not available.", name=requester.full_name
                    )
                )
            case "block":
                return Reply(
                    text=gettext(
                        "Blocked. {name} cannot contact you any more.", name=requester.full_name
                    )
                )
            case _:
                return Reply(text=gettext("Reported to the moderators, and blocked. Thank you."))

    return handler


# --- language -----------------------------------------------------------------------------
async def _set_language(ctx: CommandContext, code: str) -> Reply:
    chosen = normalize_locale(code)
    if chosen is None:
        raise UserError(
            N_("Unknown language {value}. Choose one of: {choices}."),
            value=code,
            choices=", ".join(catalogs.available()),
        )
    if not ctx.actor.is_member:
        raise UserError(N_("This is for members of the network. Send /start to join."))
    async with ctx.app.db.sessions.begin() as session:
        await update_profile(
            session, _member_id(ctx), {"preferred_language": chosen}, now=ctx.app.clock.now()
        )
    with use_locale(chosen):
        return Reply(
            text=gettext("From now on I speak {language} with you.", language=language_name(chosen))
        )


async def lang_command(ctx: CommandContext, args: Arguments) -> Reply:
    code = args.get("language")
    if code:
        return await _set_language(ctx, str(code))
    buttons = []
    for available in catalogs.available():
        with use_locale(available):
            label = language_name(available)
        buttons.append(Button(label, action="directory.lang", payload=available))
    return Reply(text=gettext("Choose the language I speak with you:"), buttons=tuple(buttons))


async def lang_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _set_language(ctx, payload)


# --- privacy ------------------------------------------------------------------------------
async def privacy_command(ctx: CommandContext, _args: Arguments) -> Reply:
    lines = [
        gettext("What France Alumni keeps about you, and who sees it:"),
        gettext(
            "• Your profile (name, country, city, studies, sector, languages): members see "
            "it in the directory only if you chose to be listed."
        ),
        gettext(
            "• Your e-mail and platform accounts: never shown to other members; they get "
            "your handle only when you accept their introduction request."
        ),
        gettext("• The language you chose and the groups you joined."),
        gettext(
            "/export sends you all of it as a file; /erase deletes it; /profile changes "
            "what the directory shows."
        ),
    ]
    if ctx.actor.is_member:
        async with ctx.app.db.sessions() as session:
            profile = await load_profile(session, _member_id(ctx))
        listed = profile.directory_consent and profile.visibility is Visibility.LISTED
        lines.append("")
        lines.append(
            gettext("You are currently listed in the directory.")
            if listed
            else gettext("You are currently hidden from the directory.")
        )
    return Reply(text="\n".join(lines))


async def export_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        data = await export_member(session, _member_id(ctx))
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return Reply(
        text=gettext("Here is everything France Alumni keeps about you."),
        attachments=(Attachment("france-alumni-data.json", content, "application/json"),),
    )


async def erase_command(ctx: CommandContext, _args: Arguments) -> Reply:
    _member_id(ctx)
    return Reply(
        text=gettext(
            "This deletes your profile, your linked accounts and everything that identifies "
            "you. It cannot be undone. Are you sure?"
        ),
        buttons=(
            Button(
                gettext("Yes, delete my data"),
                action="directory.erase",
                payload="confirm",
                style=ButtonStyle.DANGER,
            ),
        ),
    )


async def erase_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    if payload != "confirm":
        raise UserError(STALE_BUTTON)
    async with ctx.app.db.sessions.begin() as session:
        await erase_member(session, _member_id(ctx), now=ctx.app.clock.now())
    return Reply(
        text=gettext(
            "Your data is deleted. Thank you for having been part of the "
            "network; /start brings you back at any time."
        )
    )


def register(registry: CommandRegistry) -> None:
    code = Param("code", N_("The code you received"), max_length=40)
    registry.add(
        Command(
            name="start",
            help=RESERVED["start"][0],
            handler=start_command,
            permission=Permission.ANYONE,
            params=(code,),
        )
    )
    registry.add(
        Command(
            name="link",
            help=RESERVED["link"][0],
            handler=link_command,
            permission=Permission.ANYONE,
            params=(code,),
        )
    )
    registry.add(
        Command(
            name="profile",
            help=RESERVED["profile"][0],
            handler=profile_command,
            subcommands=(
                Command(name="edit", help=N_("Edit your profile"), handler=profile_edit_command),
                Command(
                    name="visibility",
                    help=N_("Choose whether the directory lists you"),
                    handler=visibility_command,
                    params=(
                        Param(
                            "setting",
                            N_("listed or hidden"),
                            kind=ParamKind.CHOICE,
                            choices=("listed", "hidden"),
                            required=True,
                        ),
                    ),
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="search",
            help=RESERVED["search"][0],
            handler=search_command,
            params=(Param("query", N_("Names to look for"), kind=ParamKind.TEXT, max_length=200),),
            options=SEARCH_OPTIONS,
        )
    )
    registry.add(
        Command(
            name="privacy",
            help=RESERVED["privacy"][0],
            handler=privacy_command,
            permission=Permission.ANYONE,
        )
    )
    # /contact itself is declared by core.contact: it reaches organisations too, and
    # hands member names to contact_command.
    registry.add(
        Command(
            name="lang",
            help=RESERVED["lang"][0],
            handler=lang_command,
            permission=Permission.MEMBER,
            params=(
                Param("language", N_("A language code such as fr, pt_BR or ar"), max_length=16),
            ),
        )
    )
    registry.add(Command(name="export", help=RESERVED["export"][0], handler=export_command))
    registry.add(Command(name="erase", help=RESERVED["erase"][0], handler=erase_command))
    registry.action("search.page")(search_page_action)
    registry.action(forms.ONBOARD, permission=Permission.ANYONE)(onboard_action)
    registry.action(forms.SAVE)(save_action)
    registry.action("directory.edit")(edit_action)
    registry.action("directory.visibility")(visibility_action)
    registry.action("directory.erase")(erase_action)
    registry.action("directory.contact")(contact_action)
    registry.action("directory.lang")(lang_action)
    registry.action("directory.contact.send")(contact_send_action)
    for answer in ("accept", "decline", "block", "report"):
        registry.action(f"introduction.{answer}")(_answer(answer))
