"""Translations and CLDR formatting, with the locale carried per request.

The current locale lives in a ``ContextVar`` set for each incoming command (see
``use_locale``); nothing installs one language for the whole process. Catalogs are the
``.po`` files under ``locales/<lang>/LC_MESSAGES/messages.po``, compiled in memory on first
use, so a fresh checkout works without a build step.
"""

from __future__ import annotations

from ._catalogs import Catalogs, catalogs, locales_dir
from ._format import (
    country_name,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    format_time,
    language_name,
    time_zone_name,
    weekday_name,
)
from ._locale import (
    DEFAULT_LOCALE,
    current_locale,
    default_locale,
    gettext,
    ngettext,
    normalize_locale,
    set_default_locale,
    use_locale,
)
from .bidi import contains_rtl, is_rtl, isolate, isolate_for
from .collation import collated, collation_key


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it (translated later, per request)."""
    return msgid


_ = gettext

__all__ = [
    "DEFAULT_LOCALE",
    "N_",
    "Catalogs",
    "_",
    "catalogs",
    "collated",
    "collation_key",
    "contains_rtl",
    "country_name",
    "current_locale",
    "default_locale",
    "format_date",
    "format_datetime",
    "format_number",
    "format_percent",
    "format_time",
    "gettext",
    "is_rtl",
    "isolate",
    "isolate_for",
    "language_name",
    "locales_dir",
    "ngettext",
    "normalize_locale",
    "set_default_locale",
    "time_zone_name",
    "use_locale",
    "weekday_name",
]
