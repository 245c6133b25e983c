"""Offers, organisations and notices as platform-neutral cards, in the current locale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..chat.replies import Button, ButtonStyle, Card, Field, Reply
from ..db.models import Offer, Organisation
from ..i18n import country_name, current_locale, format_date, gettext, language_name, ngettext
from .domain import OfferKind, OfferState
from .vocabulary import kind_label, sector_label

__all__ = [
    "OfferSummary",
    "alert_message",
    "decision_notice",
    "offer_card",
    "organisation_card",
    "report_notice",
    "request_notice",
    "unpublished_notice",
]

VIEW = "offers.view"
REPORT = "offers.report"
VERIFY = "offers.verify"
REFUSE = "offers.refuse"
EDIT = "offers.edit"
CLOSE = "offers.close"
REPOST = "offers.repost"
# Declared by core.contact: a member writes to the organisation (about this offer).
CONTACT_OFFER = "contact.offer"
CONTACT_ORGANISATION = "contact.organisation"
SUMMARY_LENGTH = 280


@dataclass(frozen=True, slots=True)
class OfferSummary:
    """What a card shows, detached from the session (built in each reader's language)."""

    id: int
    kind: OfferKind
    title: str
    organisation: str
    country_code: str
    city: str | None
    remote: bool
    sector: str | None
    languages: tuple[str, ...]
    contract: str | None
    description: str
    apply_url: str | None
    apply_email: str | None
    expires_at: dt.datetime
    state: OfferState

    @classmethod
    def of(cls, offer: Offer, organisation: str) -> OfferSummary:
        return cls(
            id=offer.id,
            kind=OfferKind(offer.kind),
            title=offer.title,
            organisation=organisation,
            country_code=offer.country_code,
            city=offer.city,
            remote=offer.remote,
            sector=offer.sector,
            languages=tuple(offer.languages or ()),
            contract=offer.contract,
            description=offer.description,
            apply_url=offer.apply_url,
            apply_email=offer.apply_email,
            expires_at=offer.expires_at,
            state=OfferState(offer.state),
        )


def _place(o: OfferSummary) -> str:
    place = ", ".join(p for p in (o.city, country_name(o.country_code)) if p)
    return gettext("{place} or remote", place=place) if o.remote else place


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


def offer_card(
    o: OfferSummary, *, full: bool = False, manage: bool = False, views: int | None = None
) -> Card:
    """A search result (summary) or the full offer; ``manage`` adds the representative's
    buttons, ``views`` the number of members who opened it."""
    fields = [Field(gettext("Where"), _place(o))]
    if o.sector:
        fields.append(Field(gettext("Sector"), sector_label(o.sector)))
    if o.contract:
        fields.append(Field(gettext("Contract"), o.contract))
    if o.languages:
        fields.append(Field(gettext("Languages"), ", ".join(language_name(c) for c in o.languages)))
    fields.append(Field(gettext("Until"), format_date(o.expires_at.date())))
    if o.apply_email:
        fields.append(Field(gettext("Apply by e-mail"), o.apply_email, inline=False))
    if views is not None:
        fields.append(
            Field(gettext("Opened by"), ngettext("{count} member", "{count} members", views))
        )
    if o.state is not OfferState.OPEN:
        state = {
            OfferState.CLOSED: gettext("closed"),
            OfferState.UNPUBLISHED: gettext("unpublished by the moderators"),
        }[o.state]
        fields.append(Field(gettext("Status"), state))
    buttons: list[Button] = []
    if o.apply_url:
        buttons.append(Button(gettext("Apply"), url=o.apply_url, style=ButtonStyle.PRIMARY))
    if manage:
        buttons.append(Button(gettext("Edit"), action=EDIT, payload=str(o.id)))
        if o.state is OfferState.OPEN:
            buttons.append(Button(gettext("Close"), action=CLOSE, payload=str(o.id)))
        if o.state is not OfferState.UNPUBLISHED:
            buttons.append(Button(gettext("Repost"), action=REPOST, payload=str(o.id)))
    else:
        if not full:
            buttons.append(Button(gettext("Details"), action=VIEW, payload=str(o.id)))
        buttons.append(Button(gettext("Contact"), action=CONTACT_OFFER, payload=str(o.id)))
        buttons.append(Button(gettext("Report"), action=REPORT, payload=str(o.id)))
    return Card(
        title=o.title,
        subtitle=f"{kind_label(o.kind)} · {o.organisation} · #{o.id}",
        body=o.description if full else _short(o.description),
        fields=tuple(fields),
        buttons=tuple(buttons),
        url=o.apply_url,
    )


def organisation_card(organisation: Organisation, countries: list[str], open_offers: int) -> Card:
    """The organisation's page: its description in the reader's language, else French,
    English or whatever it has."""
    descriptions = organisation.descriptions or {}
    language = current_locale().split("_")[0]
    body = next(
        (
            descriptions[lang]
            for lang in (current_locale(), language, "fr", "en", *sorted(descriptions))
            if descriptions.get(lang)
        ),
        "",
    )
    fields = []
    if organisation.sector:
        fields.append(Field(gettext("Sector"), sector_label(organisation.sector)))
    if countries:
        fields.append(Field(gettext("Countries"), ", ".join(country_name(c) for c in countries)))
    if organisation.website:
        fields.append(Field(gettext("Website"), organisation.website, inline=False))
    fields.append(Field(gettext("Open offers"), str(open_offers)))
    buttons = [
        Button(gettext("Offers"), action="offers.company", payload=organisation.slug),
        Button(gettext("Contact"), action=CONTACT_ORGANISATION, payload=organisation.slug),
        Button(gettext("I represent it"), action="offers.represent", payload=organisation.slug),
    ]
    return Card(
        title=organisation.name,
        subtitle=organisation.slug,
        body=body,
        fields=tuple(fields),
        buttons=tuple(buttons),
        url=organisation.website,
    )


def alert_message(o: OfferSummary) -> Reply:
    return Reply(
        text=gettext("A new offer matches one of your alerts (/alerts to manage them):"),
        cards=(offer_card(o),),
    )


def unpublished_notice(title: str, reason: str) -> Reply:
    text = gettext("The moderators unpublished your offer “{title}”.", title=title)
    if reason:
        text += "\n" + gettext("Reason: {reason}", reason=reason)
    return Reply(text=text)


def report_notice(offer_id: int, title: str, reason: str) -> Reply:
    text = gettext("A member reported the offer #{id} “{title}”.", id=offer_id, title=title)
    if reason:
        text += "\n" + gettext("Reason: {reason}", reason=reason)
    return Reply(
        text=text,
        buttons=(
            Button(gettext("Details"), action=VIEW, payload=str(offer_id)),
            Button(
                gettext("Unpublish"),
                action="offers.unpublish",
                payload=str(offer_id),
                style=ButtonStyle.DANGER,
            ),
        ),
    )


def request_notice(request_id: int, organisation: str, member: str, note: str) -> Reply:
    text = gettext(
        "{member} asks to represent {organisation} (request #{id}).",
        member=member,
        organisation=organisation,
        id=request_id,
    )
    if note:
        text += "\n" + note
    return Reply(
        text=text,
        buttons=(
            Button(
                gettext("Verify"), action=VERIFY, payload=str(request_id), style=ButtonStyle.PRIMARY
            ),
            Button(
                gettext("Refuse"), action=REFUSE, payload=str(request_id), style=ButtonStyle.DANGER
            ),
        ),
    )


def decision_notice(organisation: str, verified: bool, reason: str) -> Reply:
    if verified:
        return Reply(
            text=gettext(
                "You are now a verified representative of {organisation}: "
                "/offer post publishes its offers.",
                organisation=organisation,
            )
        )
    text = gettext(
        "Your request to represent {organisation} was refused.", organisation=organisation
    )
    if reason:
        text += "\n" + gettext("Reason: {reason}", reason=reason)
    return Reply(text=text)
