"""Offer commands: /offers (browse, organisation pages, moderation, representatives),
/offer (post and manage, for representatives) and /alerts (saved searches)."""

from __future__ import annotations

import dataclasses

from ..chat.builtin import RESERVED
from ..chat.callbacks import STALE_BUTTON, payload_id
from ..chat.commands import Arguments, Command, CommandRegistry, Param, ParamKind, Permission
from ..chat.context import CommandContext
from ..chat.replies import Button, ButtonStyle, Card, Field, Pager, Reply
from ..contact.requests import deliver_waiting
from ..db.models import Offer, Organisation
from ..directory.vocabulary import resolve_language
from ..domain import Role
from ..errors import UserError
from ..i18n import N_, country_name, format_date, gettext, language_name, ngettext
from . import alerts as alert_cases
from . import cards, forms
from .alerts import AlertCriteria, Notified
from .domain import AlertFrequency, OfferKind, OfferState
from .offers import (
    close_offer,
    edit_offer,
    load_offer,
    my_offers,
    offer_input,
    post_offer,
    record_view,
    report_offer,
    repost_offer,
    require_representative,
    unpublish_offer,
)
from .organisations import (
    decide_request,
    find_organisation,
    organisation_page,
    pending_requests,
    request_representation,
    require_member,
)
from .search import OfferCursor, OfferQuery, search_offers
from .vocabulary import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    SECTORS,
    TITLE_MAX,
    kind_label,
    resolve_sector,
    sector_label,
)

__all__ = ["register"]

KINDS = tuple(k.value for k in OfferKind)


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


def _language(value: str | None) -> str | None:
    if not value:
        return None
    code = resolve_language(value)
    if code is None:
        raise UserError(N_("Unknown language {value}."), value=value)
    return code


# --- browsing -----------------------------------------------------------------------------
async def offers_command(ctx: CommandContext, args: Arguments) -> Reply:
    company = args.get("company")
    organisation_id = None
    if company:
        async with ctx.app.db.sessions() as session:
            page = await organisation_page(session, company, ctx.app.clock.now())
        if not (args.get("query") or args["kind"] or args["country"] or args["sector"]):
            card = cards.organisation_card(page.organisation, page.countries, page.open_offers)
            return Reply(cards=(card,))
        organisation_id = page.organisation.id
    query = OfferQuery(
        text=args.get("query", ""),
        kind=args["kind"],
        country=args["country"],
        sector=_sector(args["sector"]),
        language=_language(args["language"]),
        organisation_id=organisation_id,
    )
    return await _results(ctx, query, None, 1)


async def page_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    decoded = OfferCursor.decode(payload)
    if decoded is None:
        raise UserError(STALE_BUTTON)
    query, cursor, page = decoded
    return await _results(ctx, query, cursor, page)


async def company_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    async with ctx.app.db.sessions() as session:
        organisation = await find_organisation(session, payload)
    return await _results(ctx, OfferQuery(organisation_id=organisation.id), None, 1)


async def _results(
    ctx: CommandContext, query: OfferQuery, cursor: OfferCursor | None, page: int
) -> Reply:
    async with ctx.app.db.sessions() as session:
        result = await search_offers(session, query, now=ctx.app.clock.now(), cursor=cursor)
    save = Button(
        gettext("Alert me of new ones"),
        action="alerts.save",
        payload=OfferCursor(0, ctx.app.clock.now(), 0).encode(query, 1),
    )
    if not result.results:
        return Reply(text=gettext("No offer matches this search."), buttons=(save,))
    pager = Pager(
        label=gettext("Page {page}", page=page),
        previous=Button(
            gettext("Previous"),
            action="offers.page",
            payload=result.previous.encode(query, page - 1),
        )
        if result.previous
        else None,
        next=Button(
            gettext("Next"), action="offers.page", payload=result.next.encode(query, page + 1)
        )
        if result.next
        else None,
    )
    return Reply(
        text=gettext("Offers matching your search:"),
        cards=tuple(cards.offer_card(o) for o in result.results),
        buttons=(save,) if query.organisation_id is None else (),
        pager=pager,
    )


async def _show(ctx: CommandContext, offer_id: int) -> Reply:
    now = ctx.app.clock.now()
    member_id = require_member(ctx.actor)
    async with ctx.app.db.sessions.begin() as session:
        details = await load_offer(session, ctx.actor, offer_id, now)
        await record_view(session, offer_id, member_id, now=now)
    manage = ctx.actor.represents(details.offer.organisation_id)
    insider = manage or ctx.actor.has_role(Role.GLOBAL_ADMIN)
    card = cards.offer_card(
        cards.OfferSummary.of(details.offer, details.organisation),
        full=True,
        manage=manage,
        views=details.views if insider else None,
    )
    return Reply(cards=(card,))


async def show_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _show(ctx, int(args["offer"]))


async def view_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _show(ctx, payload_id(payload))


async def mine_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        own = await my_offers(session, ctx.actor)
    if not own:
        return Reply(
            text=gettext("Your organisations have no offers yet. Post one with /offer post.")
        )
    now = ctx.app.clock.now()
    out = []
    for item in own:
        summary = cards.OfferSummary.of(item.offer, item.organisation)
        card = cards.offer_card(summary, manage=True, views=item.views)
        status = gettext("online")
        if item.offer.state is OfferState.OPEN and item.offer.expires_at <= now:
            status = gettext("expired")
        elif item.offer.state is not OfferState.OPEN:
            status = ""
        extra = [Field(gettext("Online"), status)] if status else []
        if item.reports:
            extra.append(Field(gettext("Reports"), str(item.reports)))
        out.append(dataclasses.replace(card, fields=(*card.fields, *extra)))
    return Reply(text=gettext("Your organisations' offers:"), cards=tuple(out))


# --- moderation ---------------------------------------------------------------------------
async def _report(ctx: CommandContext, offer_id: int, reason: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        await report_offer(session, ctx.actor, offer_id, reason, now=ctx.app.clock.now())
    return Reply(text=gettext("Thank you: the moderators will look at this offer."))


async def report_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _report(ctx, int(args["offer"]), args.get("reason", ""))


async def report_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _report(ctx, payload_id(payload), "")


async def _unpublish(ctx: CommandContext, offer_id: int, reason: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        offer = await unpublish_offer(session, ctx.actor, offer_id, reason, now=ctx.app.clock.now())
    return Reply(
        text=gettext("The offer #{id} “{title}” is unpublished.", id=offer.id, title=offer.title)
    )


async def unpublish_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _unpublish(ctx, int(args["offer"]), args.get("reason", ""))


async def unpublish_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _unpublish(ctx, payload_id(payload), "")


# --- representatives ----------------------------------------------------------------------
async def _represent(ctx: CommandContext, slug: str, note: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        _request, organisation = await request_representation(
            session,
            ctx.actor,
            slug,
            note,
            now=ctx.app.clock.now(),
            announce=lambda r, o, who: cards.request_notice(r.id, o.name, who, r.note),
        )
    return Reply(
        text=gettext(
            "Your request to represent {organisation} is sent; an administrator will verify it.",
            organisation=organisation.name,
        )
    )


async def represent_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _represent(ctx, str(args["company"]), args.get("note", ""))


async def represent_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _represent(ctx, payload, "")


async def requests_command(ctx: CommandContext, _args: Arguments) -> Reply:
    async with ctx.app.db.sessions() as session:
        pending = await pending_requests(session, ctx.actor)
    if not pending:
        return Reply(text=gettext("No request is waiting for you."))
    return Reply(
        text=gettext("Requests to represent an organisation:"),
        cards=tuple(
            Card(
                title=f"{p.member_name} → {p.organisation}",
                subtitle=f"#{p.request_id} · {format_date(p.created_at.date())}",
                body=p.note,
                buttons=(
                    Button(
                        gettext("Verify"),
                        action=cards.VERIFY,
                        payload=str(p.request_id),
                        style=ButtonStyle.PRIMARY,
                    ),
                    Button(
                        gettext("Refuse"),
                        action=cards.REFUSE,
                        payload=str(p.request_id),
                        style=ButtonStyle.DANGER,
                    ),
                ),
            )
            for p in pending
        ),
    )


async def _decide(ctx: CommandContext, request_id: int, verify: bool, reason: str) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        _request, organisation = await decide_request(
            session,
            ctx.actor,
            request_id,
            verify=verify,
            reason=reason,
            now=ctx.app.clock.now(),
            tell_requester=lambda o, ok, why: cards.decision_notice(o.name, ok, why),
        )
        if verify:
            # Requests members wrote while the organisation had nobody to answer them.
            await deliver_waiting(session, now=ctx.app.clock.now(), organisation_id=organisation.id)
    if verify:
        return Reply(
            text=gettext(
                "Verified: the member now represents {organisation}.",
                organisation=organisation.name,
            )
        )
    return Reply(text=gettext("Refused; the member is told."))


async def verify_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _decide(ctx, int(args["request"]), True, "")


async def refuse_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _decide(ctx, int(args["request"]), False, args.get("reason", ""))


async def verify_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _decide(ctx, payload_id(payload), True, "")


async def refuse_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _decide(ctx, payload_id(payload), False, "")


# --- posting ------------------------------------------------------------------------------
def _posting_organisation(ctx: CommandContext, slug: str | None) -> int | str:
    """The organisation a representative posts for: the one named, or their only one."""
    if slug:
        return slug
    represented = sorted(
        g.organisation_id
        for g in ctx.actor.grants
        if g.role is Role.REPRESENTATIVE and g.organisation_id is not None
    )
    if len(represented) == 1:
        return represented[0]
    if not represented:
        raise UserError(N_("Only verified representatives of an organisation can do this."))
    raise UserError(
        N_(
            "You represent several organisations; say which one with company:, "
            "for example company:airbus."
        )
    )


async def _organisation(ctx: CommandContext, which: int | str) -> Organisation:
    async with ctx.app.db.sessions() as session:
        if isinstance(which, int):
            found = await session.get(Organisation, which)
            if found is None:
                raise UserError(STALE_BUTTON)
            return found
        return await find_organisation(session, which)


def _posted(offer: Offer, notified: Notified, reposted: bool = False) -> Reply:
    text = (
        gettext(
            "Reposted: the offer #{id} is online until {date}.",
            id=offer.id,
            date=format_date(offer.expires_at.date()),
        )
        if reposted
        else gettext(
            "Published: the offer #{id} is online until {date}.",
            id=offer.id,
            date=format_date(offer.expires_at.date()),
        )
    )
    if notified.deferred:  # an upper bound: see ``Notified``
        text += "\n" + ngettext(
            "Up to {count} member with a matching alert will be told in the next few minutes.",
            "Up to {count} members with a matching alert will be told in the next few minutes.",
            notified.matched,
        )
    elif notified.told:
        text += "\n" + ngettext(
            "{count} member with a matching alert is told.",
            "{count} members with a matching alert are told.",
            notified.told,
        )
    return Reply(text=text)


POST_KEYS = (
    "kind",
    "title",
    "country",
    "city",
    "remote",
    "sector",
    "languages",
    "contract",
    "description",
    "apply",
    "expires",
)


async def post_command(ctx: CommandContext, args: Arguments) -> Reply:
    organisation = await _organisation(ctx, _posting_organisation(ctx, args["company"]))
    values = {k: str(args[k]) for k in POST_KEYS if args[k] is not None}
    if not values.get("kind") or not values.get("title"):
        # The quick form needs at least a kind and a title; otherwise the full form.
        require_representative(ctx.actor, organisation)
        return Reply(form=forms.offer_form(f"new:{organisation.id}", given=values))
    return await _post(ctx, organisation, values)


async def _post(ctx: CommandContext, organisation: Organisation, values: dict[str, str]) -> Reply:
    now = ctx.app.clock.now()
    data = offer_input(values, organisation=organisation, now=now)
    async with ctx.app.db.sessions.begin() as session:
        offer, notified = await post_offer(session, ctx.actor, organisation, data, now=now)
    return _posted(offer, notified)


async def save_action(ctx: CommandContext, payload: str, values: dict[str, str]) -> Reply:
    what, _, ident = payload.partition(":")
    if what == "new":
        organisation = await _organisation(ctx, payload_id(ident))
        return await _post(ctx, organisation, forms.offer_values(forms.offer_form(payload), values))
    if what == "edit":
        return await _edit(ctx, payload_id(ident), values, checked=False)
    raise UserError(STALE_BUTTON)


async def _edit(
    ctx: CommandContext, offer_id: int, values: dict[str, str], *, checked: bool
) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        if not checked:
            current = await session.get(Offer, offer_id)
            values = forms.offer_values(forms.offer_form(f"edit:{offer_id}", current), values)
        offer = await edit_offer(session, ctx.actor, offer_id, values, now=ctx.app.clock.now())
        organisation = await session.get(Organisation, offer.organisation_id)
        assert organisation is not None
        card = cards.offer_card(
            cards.OfferSummary.of(offer, organisation.name), full=True, manage=True
        )
    return Reply(text=gettext("The offer is saved."), cards=(card,))


async def edit_command(ctx: CommandContext, args: Arguments) -> Reply:
    offer_id = int(args["offer"])
    values = {k: str(args[k]) for k in POST_KEYS if args[k] is not None}
    if values:
        return await _edit(ctx, offer_id, values, checked=True)
    return await _edit_form(ctx, offer_id)


async def _edit_form(ctx: CommandContext, offer_id: int) -> Reply:
    async with ctx.app.db.sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None:
            raise UserError(N_("There is no offer number {id}."), id=offer_id)
        organisation = await session.get(Organisation, offer.organisation_id)
        assert organisation is not None
    require_representative(ctx.actor, organisation)
    return Reply(
        text=gettext("Change what you want; skip the rest."),
        form=forms.offer_form(f"edit:{offer.id}", offer),
    )


async def edit_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _edit_form(ctx, payload_id(payload))


async def _close(ctx: CommandContext, offer_id: int) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        offer = await close_offer(session, ctx.actor, offer_id, now=ctx.app.clock.now())
    return Reply(
        text=gettext(
            "The offer #{id} is closed; /offer repost {id} publishes it again.", id=offer.id
        )
    )


async def close_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _close(ctx, int(args["offer"]))


async def close_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _close(ctx, payload_id(payload))


async def _repost(ctx: CommandContext, offer_id: int, expires: str | None) -> Reply:
    async with ctx.app.db.sessions.begin() as session:
        offer, notified = await repost_offer(
            session, ctx.actor, offer_id, expires=expires, now=ctx.app.clock.now()
        )
    return _posted(offer, notified, reposted=True)


async def repost_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _repost(ctx, int(args["offer"]), args["expires"])


async def repost_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _repost(ctx, payload_id(payload), None)


# --- alerts -------------------------------------------------------------------------------
def _alert_card(alert_id: int, criteria: AlertCriteria, frequency: AlertFrequency) -> Card:
    parts = []
    if criteria.text:
        parts.append(f"“{criteria.text}”")
    if criteria.kind:
        parts.append(kind_label(criteria.kind))
    if criteria.country:
        parts.append(country_name(criteria.country))
    if criteria.sector:
        parts.append(sector_label(criteria.sector))
    if criteria.language:
        parts.append(language_name(criteria.language))
    how = (
        gettext("immediately")
        if frequency is AlertFrequency.IMMEDIATE
        else gettext("in the weekly digest")
    )
    return Card(
        title=" · ".join(parts),
        subtitle=f"#{alert_id}",
        fields=(Field(gettext("You are told"), how),),
        buttons=(
            Button(
                gettext("Delete"),
                action="alerts.delete",
                payload=str(alert_id),
                style=ButtonStyle.DANGER,
            ),
        ),
    )


async def alerts_command(ctx: CommandContext, _args: Arguments) -> Reply:
    member_id = require_member(ctx.actor)
    async with ctx.app.db.sessions() as session:
        saved = await alert_cases.list_alerts(session, member_id)
    if not saved:
        return Reply(
            text=gettext(
                "You have no alerts. Save one with /alerts add, for example: "
                "/alerts add kind:internship country:MA sector:finance"
            )
        )
    return Reply(
        text=gettext("Your alerts:"),
        cards=tuple(
            _alert_card(
                a.id,
                AlertCriteria(a.kind, a.country_code, a.sector, a.language, a.text),
                a.frequency,
            )
            for a in saved
        ),
    )


async def _save_alert(
    ctx: CommandContext, criteria: AlertCriteria, frequency: AlertFrequency
) -> Reply:
    member_id = require_member(ctx.actor)
    async with ctx.app.db.sessions.begin() as session:
        alert = await alert_cases.save_alert(
            session, member_id, criteria, frequency, now=ctx.app.clock.now()
        )
    return Reply(
        text=gettext("Alert saved: you will hear about new matching offers."),
        cards=(_alert_card(alert.id, criteria, frequency),),
    )


async def alerts_add_command(ctx: CommandContext, args: Arguments) -> Reply:
    criteria = AlertCriteria(
        kind=args["kind"],
        country=args["country"],
        sector=_sector(args["sector"]),
        language=_language(args["language"]),
        text=args.get("query", ""),
    )
    return await _save_alert(ctx, criteria, AlertFrequency(args.get("every", "immediate")))


async def alerts_save_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    decoded = OfferCursor.decode(payload)
    if decoded is None or decoded[0].organisation_id:
        raise UserError(STALE_BUTTON)
    q = decoded[0]
    criteria = AlertCriteria(q.kind, q.country, q.sector, q.language, q.text)
    return await _save_alert(ctx, criteria, AlertFrequency.IMMEDIATE)


async def _delete_alert(ctx: CommandContext, alert_id: int) -> Reply:
    member_id = require_member(ctx.actor)
    async with ctx.app.db.sessions.begin() as session:
        await alert_cases.delete_alert(session, member_id, alert_id)
    return Reply(text=gettext("Alert deleted."))


async def alerts_delete_command(ctx: CommandContext, args: Arguments) -> Reply:
    return await _delete_alert(ctx, int(args["alert"]))


async def alerts_delete_action(ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
    return await _delete_alert(ctx, payload_id(payload))


# --- declarations -------------------------------------------------------------------------
def _number(name: str, help_text: str) -> Param:
    return Param(
        name, help_text, kind=ParamKind.INTEGER, required=True, min_value=1, max_value=999_999_999
    )


def register(registry: CommandRegistry) -> None:
    kind = Param("kind", N_("Kind of offer"), kind=ParamKind.CHOICE, choices=KINDS)
    country = Param(
        "country",
        N_("Country of the offer (name or code)"),
        kind=ParamKind.COUNTRY,
        autocomplete="country",
    )
    sector = Param("sector", N_("Sector of activity"), max_length=80, autocomplete="sector")
    language = Param("language", N_("A language the offer asks for"), max_length=40)
    company = Param("company", N_("The organisation's short name, such as airbus"), max_length=80)
    offer = _number("offer", N_("The offer's number"))
    reason = Param("reason", N_("Why, in a few words"), kind=ParamKind.TEXT, max_length=NOTE_MAX)
    registry.add(
        Command(
            name="offers",
            help=RESERVED["offers"][0],
            handler=offers_command,
            params=(Param("query", N_("Words to look for"), kind=ParamKind.TEXT, max_length=200),),
            options=(kind, country, sector, language, company),
            subcommands=(
                Command(
                    name="mine",
                    help=N_("Your organisations' offers and how many opened them"),
                    handler=mine_command,
                    permission=Permission.REPRESENTATIVE,
                ),
                Command(
                    name="show",
                    help=N_("Show one offer in full"),
                    handler=show_command,
                    params=(offer,),
                ),
                Command(
                    name="report",
                    help=N_("Tell the moderators an offer is wrong"),
                    handler=report_command,
                    params=(offer, reason),
                ),
                Command(
                    name="unpublish",
                    help=N_("Take an offer down (moderators)"),
                    handler=unpublish_command,
                    params=(offer, reason),
                    permission=Permission.GLOBAL_ADMIN,
                ),
                Command(
                    name="represent",
                    help=N_("Ask to represent an organisation"),
                    handler=represent_command,
                    params=(
                        Param(
                            "company",
                            N_("The organisation's short name, such as airbus"),
                            required=True,
                            max_length=80,
                        ),
                        Param(
                            "note",
                            N_("Your role there, for the administrators"),
                            kind=ParamKind.TEXT,
                            max_length=NOTE_MAX,
                        ),
                    ),
                ),
                Command(
                    name="requests",
                    help=N_("Requests to represent an organisation, to decide"),
                    handler=requests_command,
                    permission=Permission.COUNTRY_ADMIN,
                ),
                Command(
                    name="verify",
                    help=N_("Verify a representative"),
                    handler=verify_command,
                    params=(_number("request", N_("The request's number")),),
                    permission=Permission.COUNTRY_ADMIN,
                ),
                Command(
                    name="refuse",
                    help=N_("Refuse a request to represent an organisation"),
                    handler=refuse_command,
                    params=(_number("request", N_("The request's number")), reason),
                    permission=Permission.COUNTRY_ADMIN,
                ),
            ),
        )
    )
    posting = (
        company,
        country,
        Param("city", N_("City of the offer"), max_length=120),
        Param(
            "remote", N_("Can it be done remotely?"), kind=ParamKind.CHOICE, choices=("yes", "no")
        ),
        sector,
        Param("languages", N_("Languages required, separated by commas"), max_length=200),
        Param("contract", N_("Contract (duration, type, pay)"), max_length=80),
        Param("apply", N_("How to apply: a web address or an e-mail"), max_length=300),
        Param("expires", N_("Online until (YYYY-MM-DD)"), max_length=10),
        Param("description", N_("Description"), max_length=DESCRIPTION_MAX),
    )
    registry.add(
        Command(
            name="offer",
            help=RESERVED["offer"][0],
            permission=Permission.REPRESENTATIVE,
            subcommands=(
                Command(
                    name="post",
                    help=N_("Publish an offer: one line, or a form without arguments"),
                    handler=post_command,
                    params=(
                        kind,
                        Param("title", N_("Title"), kind=ParamKind.TEXT, max_length=TITLE_MAX),
                    ),
                    options=posting,
                    permission=Permission.REPRESENTATIVE,
                ),
                Command(
                    name="edit",
                    help=N_("Change an offer: the fields given, or a form"),
                    handler=edit_command,
                    params=(offer,),
                    options=(
                        Param("kind", N_("Kind of offer"), kind=ParamKind.CHOICE, choices=KINDS),
                        Param("title", N_("Title"), max_length=TITLE_MAX),
                        *posting[1:],
                    ),
                    permission=Permission.REPRESENTATIVE,
                ),
                Command(
                    name="close",
                    help=N_("Take your offer off search"),
                    handler=close_command,
                    params=(offer,),
                    permission=Permission.REPRESENTATIVE,
                ),
                Command(
                    name="repost",
                    help=N_("Publish a closed or expired offer again"),
                    handler=repost_command,
                    params=(offer,),
                    options=(Param("expires", N_("Online until (YYYY-MM-DD)"), max_length=10),),
                    permission=Permission.REPRESENTATIVE,
                ),
            ),
        )
    )
    registry.add(
        Command(
            name="alerts",
            help=RESERVED["alerts"][0],
            handler=alerts_command,
            subcommands=(
                Command(
                    name="add",
                    help=N_("Save a search; new matching offers are sent to you"),
                    handler=alerts_add_command,
                    params=(
                        Param(
                            "query", N_("Words to look for"), kind=ParamKind.TEXT, max_length=200
                        ),
                    ),
                    options=(
                        kind,
                        country,
                        sector,
                        language,
                        Param(
                            "every",
                            N_("immediate or weekly"),
                            kind=ParamKind.CHOICE,
                            choices=("immediate", "weekly"),
                        ),
                    ),
                ),
                Command(
                    name="delete",
                    help=N_("Delete one of your alerts"),
                    handler=alerts_delete_command,
                    params=(_number("alert", N_("The alert's number")),),
                ),
            ),
        )
    )
    registry.action("offers.page")(page_action)
    registry.action("offers.company")(company_action)
    registry.action(cards.VIEW)(view_action)
    registry.action(cards.REPORT)(report_action)
    registry.action("offers.unpublish", permission=Permission.GLOBAL_ADMIN)(unpublish_action)
    registry.action("offers.represent")(represent_action)
    registry.action(cards.VERIFY, permission=Permission.COUNTRY_ADMIN)(verify_action)
    registry.action(cards.REFUSE, permission=Permission.COUNTRY_ADMIN)(refuse_action)
    registry.action(forms.SAVE, permission=Permission.REPRESENTATIVE)(save_action)
    registry.action(cards.EDIT, permission=Permission.REPRESENTATIVE)(edit_action)
    registry.action(cards.CLOSE, permission=Permission.REPRESENTATIVE)(close_action)
    registry.action(cards.REPOST, permission=Permission.REPRESENTATIVE)(repost_action)
    registry.action("alerts.save")(alerts_save_action)
    registry.action("alerts.delete")(alerts_delete_action)
