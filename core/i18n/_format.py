"""Dates, numbers, country and language names from CLDR, in the current locale."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from ._locale import current_locale


def _locale() -> Locale:
    return _parsed(current_locale())


@lru_cache(maxsize=64)
def _parsed(tag: str) -> Locale:
    """Parsing a tag costs a CLDR lookup each time: a reply's cards ask for it per card."""
    return Locale.parse(tag)


def country_name(code: str) -> str:
    """The country's name in the current locale; the code itself if CLDR does not know it."""
    name = _locale().territories.get(code.upper())
    return str(name) if name else code.upper()


def language_name(code: str) -> str:
    """A language's name in the current locale (``pt_BR`` -> "portugais (Brésil)")."""
    try:
        return Locale.parse(code).get_display_name(_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def format_number(value: float, *, decimals: int | None = None) -> str:
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=_locale())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=_locale())


def format_date(value: dt.date, *, format: str = "medium") -> str:
    return babel_dates.format_date(value, format=format, locale=_locale())


def format_datetime(value: dt.datetime, *, tz: str | None = None, format: str = "medium") -> str:
    """Format a UTC datetime in the time zone ``tz`` (IANA name) for the current locale."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    tzinfo = babel_dates.get_timezone(tz) if tz else dt.UTC
    return babel_dates.format_datetime(value, format=format, tzinfo=tzinfo, locale=_locale())


def format_time(
    value: dt.time | dt.datetime, *, tz: str | None = None, format: str = "short"
) -> str:
    """A time of day for the current locale ("9:00 AM", "09:00"); a datetime is first moved
    to the time zone ``tz`` (IANA name)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        tzinfo = babel_dates.get_timezone(tz) if tz else dt.UTC
        return babel_dates.format_time(value, format=format, tzinfo=tzinfo, locale=_locale())
    return babel_dates.format_time(value, format=format, locale=_locale())


def time_zone_name(tz: str) -> str:
    """The zone as people say it in the current locale: "Portugal (Lisbon) Time"."""
    return str(babel_dates.get_timezone_location(babel_dates.get_timezone(tz), locale=_locale()))


def weekday_name(day: int) -> str:
    """Monday is 0, as in ``datetime.date.weekday()``."""
    return str(babel_dates.get_day_names("wide", locale=_locale())[day])


def format_percent(value: float) -> str:
    """A share (0.25) as a percentage in the current locale ("25 %" in French)."""
    return babel_numbers.format_percent(value, locale=_locale())
