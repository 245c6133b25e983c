"""The embassy desk of a chapter: where the French embassy is, when it is open (in the
chapter's local time), which languages it speaks, and links to its consular services and
Campus France office. Country admins keep it; members read it with ``/embassy``."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..chat.context import Actor
from ..chat.replies import Button, ButtonStyle, Card, Field, Form, FormField, FormFieldKind
from ..db.models import Chapter, EmbassyDesk, Organisation
from ..directory.vocabulary import resolve_language
from ..errors import UserError
from ..events.chapters import DAYS, load_chapter, require_admin_of
from ..i18n import (
    N_,
    country_name,
    format_time,
    gettext,
    language_name,
    time_zone_name,
    weekday_name,
)
from ..offers.audit import audit
from .requests import embassy_of

__all__ = [
    "DeskView",
    "desk_card",
    "desk_form",
    "format_hours",
    "is_open",
    "load_desk",
    "parse_hours",
    "save_desk",
]

SAVE = "embassy.save"
CONTACT = "contact.organisation"
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?$")
# Input syntax (day and language codes), the same in every language.
_HOURS_EXAMPLE = "mon-fri 09:00-12:30 14:00-17:00; sat 10:00-12:00"
_LANGUAGES_EXAMPLE = "fr, en, pt"


@dataclass(frozen=True, slots=True)
class DeskView:
    """What the card shows, detached from the session."""

    country_code: str
    time_zone: str
    organisation: str
    slug: str
    address: str
    website: str | None
    consular_url: str | None
    campus_france_url: str | None
    hours: list[dict[str, Any]]
    languages: list[str]
    filled: bool


def _time(text: str) -> str:
    match = _TIME_RE.match(text.strip())
    if match is None or int(match.group(1)) > 24 or int(match.group(2) or 0) > 59:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute:
        raise ValueError(text)
    return f"{hour:02d}:{minute:02d}"


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(part)
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise ValueError(part)
        days.extend(d for d in range(start, end + 1) if d not in days)
    return days


def parse_hours(text: str) -> list[dict[str, Any]]:
    """``mon-fri 09:00-12:30 14:00-17:00; sat 10:00-12:00`` -> the stored form."""
    entries: list[dict[str, Any]] = []
    for segment in text.split(";"):
        words = segment.split()
        if not words:
            continue
        try:
            days = _days(words[0])
            ranges = []
            for word in words[1:]:
                opens, _, closes = word.partition("-")
                start, end = _time(opens), _time(closes)
                if end <= start:
                    raise ValueError(word)
                ranges.append([start, end])
            if not ranges:
                raise ValueError(segment)
        except ValueError:
            raise UserError(
                N_(
                    "Opening hours are days and times, such as: {example}. "
                    "This part is not understood: {part}"
                ),
                example=_HOURS_EXAMPLE,
                part=segment.strip()[:60],
            ) from None
        entries.append({"days": days, "ranges": ranges})
    return entries


def _hours_text(hours: list[dict[str, Any]]) -> str:
    """The stored form back as the text an admin types (the form's initial value)."""
    parts = []
    for entry in hours:
        days = entry["days"]
        contiguous = days == list(range(days[0], days[-1] + 1))
        spec = (
            f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
            if contiguous and len(days) > 1
            else ",".join(DAYS[d] for d in days)
        )
        parts.append(" ".join([spec, *(f"{a}-{b}" for a, b in entry["ranges"])]))
    return "; ".join(parts)


def _clock(value: str) -> dt.time:
    hour, minute = (int(p) for p in value.split(":"))
    return dt.time(23, 59) if hour == 24 else dt.time(hour, minute)


def format_hours(hours: list[dict[str, Any]]) -> list[str]:
    """One line per entry, day names and times in the reader's language."""
    lines = []
    for entry in hours:
        days = entry["days"]
        contiguous = days == list(range(days[0], days[-1] + 1))
        if contiguous and len(days) > 2:
            label = f"{weekday_name(days[0])} – {weekday_name(days[-1])}"
        else:
            label = ", ".join(weekday_name(d) for d in days)
        spans = ", ".join(
            f"{format_time(_clock(a))} – {format_time(_clock(b))}" for a, b in entry["ranges"]
        )
        lines.append(f"{label}: {spans}")
    return lines


def is_open(hours: list[dict[str, Any]], local: dt.datetime) -> bool:
    now = f"{local.hour:02d}:{local.minute:02d}"
    return any(
        local.weekday() in entry["days"] and a <= now < b
        for entry in hours
        for a, b in entry["ranges"]
    )


async def load_desk(session: AsyncSession, country_code: str) -> DeskView:
    chapter = await load_chapter(session, country_code)
    embassy = await embassy_of(session, chapter.country_code)
    desk = await session.get(EmbassyDesk, chapter.country_code)
    return DeskView(
        country_code=chapter.country_code,
        time_zone=chapter.time_zone,
        organisation=embassy.name,
        slug=embassy.slug,
        address=desk.address if desk else "",
        website=(desk.website if desk else None) or embassy.website,
        consular_url=desk.consular_url if desk else None,
        campus_france_url=desk.campus_france_url if desk else None,
        hours=list(desk.hours) if desk else [],
        languages=list(desk.languages) if desk else list(chapter.languages),
        filled=desk is not None,
    )


def desk_card(view: DeskView, now: dt.datetime) -> Card:
    """The embassy's card in the reader's language; hours in the chapter's local time."""
    fields: list[Field] = []
    if view.address:
        fields.append(Field(gettext("Address"), view.address, inline=False))
    zone = time_zone_name(view.time_zone)
    if view.hours:
        fields.append(
            Field(
                gettext("Opening hours ({zone})", zone=zone),
                "\n".join(format_hours(view.hours)),
                inline=False,
            )
        )
        local = now.astimezone(zoneinfo.ZoneInfo(view.time_zone))
        state = gettext("open now") if is_open(view.hours, local) else gettext("closed now")
        fields.append(
            Field(gettext("Local time"), f"{format_time(now, tz=view.time_zone)} · {state}")
        )
    if view.languages:
        fields.append(
            Field(gettext("Languages spoken"), ", ".join(language_name(c) for c in view.languages))
        )
    links = (
        (gettext("Website"), view.website),
        (gettext("Consular services"), view.consular_url),
        (gettext("Campus France"), view.campus_france_url),
    )
    fields.extend(Field(label, url, inline=False) for label, url in links if url)
    buttons = [Button(label, url=url) for label, url in links if url]
    buttons.append(
        Button(
            gettext("Write to the embassy"),
            action=CONTACT,
            payload=view.slug,
            style=ButtonStyle.PRIMARY,
        )
    )
    body = "" if view.filled else gettext("The embassy's desk is not filled in yet.")
    return Card(
        title=view.organisation,
        subtitle=country_name(view.country_code),
        body=body,
        fields=tuple(fields),
        buttons=tuple(buttons),
        url=view.website,
    )


def desk_form(view: DeskView) -> Form:
    return Form(
        action=SAVE,
        payload=view.country_code,
        title=gettext("Embassy desk: {country}", country=country_name(view.country_code)),
        submit_label=gettext("Save"),
        fields=(
            FormField(
                "address",
                gettext("Address"),
                kind=FormFieldKind.LONG_TEXT,
                max_length=500,
                initial=view.address,
            ),
            FormField(
                "website",
                gettext("Website"),
                kind=FormFieldKind.URL,
                required=False,
                max_length=300,
                initial=view.website or "",
            ),
            FormField(
                "consular",
                gettext("Consular services (web address)"),
                kind=FormFieldKind.URL,
                required=False,
                max_length=300,
                initial=view.consular_url or "",
            ),
            FormField(
                "campus_france",
                gettext("Campus France office (web address)"),
                kind=FormFieldKind.URL,
                required=False,
                max_length=300,
                initial=view.campus_france_url or "",
            ),
            FormField(
                "hours",
                gettext("Opening hours, local time"),
                required=False,
                max_length=300,
                placeholder=_HOURS_EXAMPLE,
                initial=_hours_text(view.hours),
            ),
            FormField(
                "languages",
                gettext("Languages spoken, separated by commas"),
                required=False,
                max_length=80,
                placeholder=_LANGUAGES_EXAMPLE,
                initial=", ".join(view.languages),
            ),
        ),
    )


async def save_desk(
    session: AsyncSession,
    actor: Actor,
    country_code: str,
    values: Mapping[str, str],
    *,
    now: dt.datetime,
) -> EmbassyDesk:
    """Write the desk from the form's (validated) values; the country's admins only."""
    code = country_code.upper()
    admin_id = require_admin_of(actor, code)
    chapter: Chapter = await load_chapter(session, code)
    hours = parse_hours(values.get("hours", ""))
    languages: list[str] = []
    for word in values.get("languages", "").split(","):
        if not word.strip():
            continue
        language = resolve_language(word)
        if language is None:
            raise UserError(N_("Unknown language {value}."), value=word.strip())
        if language not in languages:
            languages.append(language)
    desk = await session.get(EmbassyDesk, chapter.country_code)
    if desk is None:
        desk = EmbassyDesk(country_code=chapter.country_code)
        session.add(desk)
    desk.address = values.get("address", "").strip()
    desk.website = values.get("website") or None
    desk.consular_url = values.get("consular") or None
    desk.campus_france_url = values.get("campus_france") or None
    desk.hours = hours
    desk.languages = languages or list(chapter.languages)
    desk.updated_by_id = admin_id
    desk.updated_at = now
    embassy: Organisation = await embassy_of(session, chapter.country_code)
    await session.flush()
    await audit(
        session,
        actor_id=admin_id,
        action="embassy.desk",
        subject="chapter",
        subject_id=0,
        organisation_id=embassy.id,
        now=now,
        country=chapter.country_code,
    )
    return desk
