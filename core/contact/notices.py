"""What the inbox sends, as platform-neutral replies built in each reader's language."""

from __future__ import annotations

import datetime as dt

from ..chat.replies import Button, ButtonStyle, Reply
from ..i18n import format_date, gettext, isolate_for

__all__ = [
    "ACCEPT",
    "ANSWER",
    "BLOCK",
    "DECLINE",
    "MUTE",
    "REPORT",
    "accepted_notice",
    "answered_notice",
    "declined_notice",
    "expired_notice",
    "handling_buttons",
    "institution_notice",
    "request_notice",
    "taken_notice",
]

ACCEPT = "contact.accept"
ANSWER = "contact.answer"
DECLINE = "contact.decline"
BLOCK = "contact.block"
REPORT = "contact.report"
MUTE = "institution.mute"


def handling_buttons(request_id: int) -> tuple[Button, ...]:
    payload = str(request_id)
    return (
        Button(gettext("Accept"), action=ACCEPT, payload=payload, style=ButtonStyle.PRIMARY),
        Button(gettext("Answer"), action=ANSWER, payload=payload),
        Button(gettext("Decline"), action=DECLINE, payload=payload),
        Button(gettext("Block"), action=BLOCK, payload=payload, style=ButtonStyle.DANGER),
        Button(gettext("Report"), action=REPORT, payload=payload),
    )


def request_notice(
    request_id: int,
    organisation: str,
    member: str,
    city: str | None,
    message: str,
    offer_title: str | None,
) -> Reply:
    """To each representative: who writes, about what, and the buttons to take it."""
    lines = [
        gettext(
            "{name} writes to {organisation} (request #{id}).",
            name=isolate_for(member),
            organisation=isolate_for(organisation),
            id=request_id,
        )
    ]
    if city:
        lines.append(gettext("They live in {city}.", city=isolate_for(city)))
    if offer_title:
        lines.append(gettext("About the offer “{title}”.", title=isolate_for(offer_title)))
    if message:
        lines.append(gettext("Their message: {message}", message=isolate_for(message)))
    lines.append(
        gettext(
            "Any representative of {organisation} may take it. If you accept, you both "
            "receive each other's contact.",
            organisation=isolate_for(organisation),
        )
    )
    return Reply(text="\n".join(lines), buttons=handling_buttons(request_id))


def taken_notice(request_id: int, member: str, handler: str) -> Reply:
    """To the other representatives: someone took it."""
    return Reply(
        text=gettext(
            "The request #{id} from {name} was handled by {handler}.",
            id=request_id,
            name=isolate_for(member),
            handler=isolate_for(handler),
        )
    )


def accepted_notice(organisation: str, handler: str, contacts: list[str]) -> Reply:
    lines = [
        gettext(
            "{organisation} accepted your request: {name} is your contact.",
            organisation=isolate_for(organisation),
            name=isolate_for(handler),
        ),
        gettext("Reach them here:"),
    ]
    lines.extend(contacts or [gettext("(no chat account linked yet)")])
    return Reply(text="\n".join(lines))


def answered_notice(organisation: str, handler: str, answer: str) -> Reply:
    return Reply(
        text=gettext(
            "{name} answered for {organisation}: {answer}",
            name=isolate_for(handler),
            organisation=isolate_for(organisation),
            answer=isolate_for(answer),
        )
    )


def declined_notice(organisation: str) -> Reply:
    return Reply(
        text=gettext(
            "{organisation} cannot follow up on your request.",
            organisation=isolate_for(organisation),
        )
    )


def expired_notice(organisation: str, sent: dt.datetime) -> Reply:
    return Reply(
        text=gettext(
            "Your request to {organisation} of {date} expired without an answer. "
            "You may write again with /contact.",
            organisation=isolate_for(organisation),
            date=format_date(sent.date()),
        )
    )


def institution_notice(institution: str, slug: str, text: str) -> Reply:
    return Reply(
        text="\n".join(
            [
                gettext(
                    "{institution} writes to its former students:",
                    institution=isolate_for(institution),
                ),
                text,
            ]
        ),
        buttons=(
            Button(
                gettext("No more messages from {institution}", institution=institution),
                action=MUTE,
                payload=slug,
            ),
        ),
    )
