"""Events, reminders and forms as platform-neutral replies, in the current locale."""

from __future__ import annotations

import datetime as dt

from ..chat.replies import Button, ButtonStyle, Card, Field, Form, FormField, FormFieldKind, Reply
from ..db.models import Chapter, Event
from ..i18n import country_name, current_locale, format_datetime, gettext, language_name
from .events import DESCRIPTION_MAX, TITLE_MAX, RsvpStatus

__all__ = [
    "RSVP",
    "event_card",
    "event_form",
    "in_language",
    "promoted_notice",
    "reminder",
    "when",
]

RSVP = "events.rsvp"
ICS = "events.ics"
SAVE = "events.save"
SUMMARY_LENGTH = 280


def in_language(texts: dict[str, str], fallback: tuple[str, ...] = ()) -> str:
    """The text in the reader's language, else English, French, the chapter's, any."""
    if not texts:
        return ""
    locale = current_locale()
    for lang in (locale, locale.split("_", 1)[0], "en", "fr", *fallback):
        if texts.get(lang):
            return texts[lang]
    return next(iter(texts.values()))


def when(event: Event) -> str:
    start = format_datetime(event.starts_at, tz=event.time_zone, format="medium")
    end = format_datetime(event.ends_at, tz=event.time_zone, format="short")
    return f"{start} – {end} ({event.time_zone})"


def status_label(status: RsvpStatus) -> str:
    labels = {
        RsvpStatus.GOING: gettext("Going"),
        RsvpStatus.MAYBE: gettext("Maybe"),
        RsvpStatus.NOT_GOING: gettext("Not going"),
        RsvpStatus.WAITING: gettext("On the waiting list"),
    }
    return labels[status]


def event_card(
    event: Event, going: int, *, full: bool = False, mine: RsvpStatus | None = None
) -> Card:
    description = in_language(event.descriptions)
    if not full and len(description) > SUMMARY_LENGTH:
        description = description[: SUMMARY_LENGTH - 1] + "…"
    fields = [Field(gettext("When"), when(event), inline=False)]
    if event.place:
        fields.append(Field(gettext("Where"), event.place))
    if event.online_url:
        fields.append(Field(gettext("Online"), event.online_url))
    fields.append(Field(gettext("Organiser"), event.organiser))
    if event.capacity is not None:
        places = gettext("{going} / {capacity}", going=going, capacity=event.capacity)
    else:
        places = str(going)
    fields.append(Field(gettext("Going"), places))
    if mine is not None:
        fields.append(Field(gettext("Your answer"), status_label(mine)))
    payload = str(event.id)
    return Card(
        title=in_language(event.titles),
        subtitle=f"#{event.id} · {country_name(event.country_code)}",
        body=description,
        fields=tuple(fields),
        buttons=(
            Button(
                gettext("Going"),
                action=RSVP,
                payload=f"{payload}:going",
                style=ButtonStyle.PRIMARY,
            ),
            Button(gettext("Maybe"), action=RSVP, payload=f"{payload}:maybe"),
            Button(gettext("Not going"), action=RSVP, payload=f"{payload}:not_going"),
            Button(gettext("Add to calendar"), action=ICS, payload=payload),
        ),
        url=event.online_url,
    )


def promoted_notice(event: Event) -> Reply:
    return Reply(
        text=gettext(
            "A place opened up: you are now going to “{title}” ({when}).",
            title=in_language(event.titles),
            when=when(event),
        )
    )


def reminder(event: Event, day: bool) -> Reply:
    text = (
        gettext(
            "Reminder: “{title}” is tomorrow, {when}.",
            title=in_language(event.titles),
            when=when(event),
        )
        if day
        else gettext(
            "Reminder: “{title}” starts in one hour, {when}.",
            title=in_language(event.titles),
            when=when(event),
        )
    )
    return Reply(text=text, cards=(event_card(event, 0, mine=RsvpStatus.GOING),))


def event_form(chapter: Chapter, now: dt.datetime) -> Form:
    """One title and description per chapter language (the first required), then place,
    link, times, zone and capacity."""
    fields: list[FormField] = []
    for i, lang in enumerate(chapter.languages):
        fields.append(
            FormField(
                f"title_{lang}",
                gettext("Title ({language})", language=language_name(lang)),
                required=i == 0,
                max_length=TITLE_MAX,
            )
        )
    for lang in chapter.languages:
        fields.append(
            FormField(
                f"description_{lang}",
                gettext("Description ({language})", language=language_name(lang)),
                kind=FormFieldKind.LONG_TEXT,
                required=False,
                max_length=DESCRIPTION_MAX,
            )
        )
    example = format_example(now)
    fields.extend(
        (
            FormField("place", gettext("Place"), required=False, max_length=300),
            FormField(
                "online",
                gettext("Online link"),
                kind=FormFieldKind.URL,
                required=False,
                max_length=300,
            ),
            FormField("start", gettext("Start"), max_length=16, placeholder=example),
            FormField("end", gettext("End"), required=False, max_length=16, placeholder="21:00"),
            FormField(
                "timezone",
                gettext("Time zone"),
                required=False,
                max_length=64,
                placeholder=chapter.time_zone,
            ),
            FormField(
                "capacity",
                gettext("Capacity"),
                kind=FormFieldKind.NUMBER,
                required=False,
                max_length=6,
            ),
        )
    )
    return Form(
        action=SAVE,
        title=gettext("New event in {country}", country=country_name(chapter.country_code)),
        fields=tuple(fields),
        submit_label=gettext("Create"),
        payload=chapter.country_code,
    )


def format_example(now: dt.datetime) -> str:
    return (now + dt.timedelta(days=14)).strftime("%Y-%m-%d 19:00")
