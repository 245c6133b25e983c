"""The request's locale and the gettext functions that read it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError

from ._catalogs import catalogs

DEFAULT_LOCALE = "en"  # the source language; the deployment's default may differ

_locale: ContextVar[str] = ContextVar("alumni_locale")
_default = [DEFAULT_LOCALE]


def default_locale() -> str:
    """The language spoken when nothing else is known (``ALUMNI_DEFAULT_LANGUAGE``)."""
    return _default[0]


def set_default_locale(value: str) -> str:
    """Make ``value`` (a supported language) the process's default; returns the catalog name.

    Raises ValueError for a language without a catalog."""
    chosen = normalize_locale(value)
    if chosen is None:
        raise ValueError(f"no catalog for the language {value!r}")
    _default[0] = chosen
    return chosen


def current_locale() -> str:
    return _locale.get(_default[0])


def normalize_locale(value: str | None) -> str | None:
    """Map a platform's locale tag (``pt-BR``, ``fr_FR``, ``zh-CN``) onto a supported catalog.

    Returns None when nothing in it is supported.
    """
    if not value:
        return None
    return _supported(value)


@lru_cache(maxsize=512)
def _supported(value: str) -> str | None:
    tag = value.strip().replace("-", "_")
    try:
        parsed = Locale.parse(tag)
    except (ValueError, UnknownLocaleError):
        return None
    available = catalogs.available()
    candidates = [str(parsed)]
    if parsed.territory:
        candidates.append(f"{parsed.language}_{parsed.territory}")
    if parsed.script:
        candidates.append(f"{parsed.language}_{parsed.script}")
    candidates.append(parsed.language)
    for candidate in candidates:
        if candidate in available:
            return candidate
    # pt_PT asks for Portuguese: a pt_BR catalog is better than English.
    for name in available:
        if name.split("_", 1)[0] == parsed.language:
            return name
    return None


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Translate everything inside the block into ``locale`` (or the default)."""
    chosen = normalize_locale(locale) or _default[0]
    token = _locale.set(chosen)
    try:
        yield chosen
    finally:
        _locale.reset(token)


def gettext(msgid: str, /, **params: Any) -> str:
    """Translate ``msgid`` into the current locale and fill its ``{named}`` placeholders."""
    text = catalogs.translations(current_locale()).gettext(msgid)
    return text.format(**params) if params else text


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """Plural-aware translation: the form for ``n`` in the current locale's plural rules.

    ``n`` is available to the message as ``{count}`` unless a ``count`` is given. Integer
    parameters are quantities here, so they are written with the locale's digit grouping
    ("1 234" in French, "1,234" in English)."""
    from ._format import format_number

    text = catalogs.translations(current_locale()).ngettext(singular, plural, n)
    values = {"count": n, **params}
    return text.format(
        **{
            key: format_number(value)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for key, value in values.items()
        }
    )
