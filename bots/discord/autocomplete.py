"""Suggestions while a member types an option value (Discord autocomplete, at most 25)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

from core.domain import fold
from core.i18n import collation_key

__all__ = ["MAX_CHOICES", "country_choices", "suggestions"]

MAX_CHOICES = 25
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "UN", "EZ", "QO"})


@lru_cache(maxsize=64)
def _countries(locale: str) -> tuple[tuple[str, str, str], ...]:
    """(folded name, name, ISO code) in the locale, sorted by name."""
    try:
        parsed = Locale.parse(locale.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        parsed = Locale.parse("en")
    rows = [
        (fold(str(name)), str(name), code)
        for code, name in parsed.territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(rows, key=lambda row: collation_key(row[1])))


def country_choices(typed: str, locale: str | None) -> list[dict[str, str]]:
    """Countries whose name in ``locale`` (or ISO code) starts with what was typed.

    Names starting with the text come first, then names containing a word that does.
    """
    rows = _countries(locale or "en")
    key = fold(typed)
    if not key:
        chosen = list(rows)
    else:
        code = typed.strip().upper()
        exact = [r for r in rows if r[2] == code]
        starts = [r for r in rows if r[0].startswith(key) and r not in exact]
        words = [
            r
            for r in rows
            if r not in exact and r not in starts and any(w.startswith(key) for w in r[0].split())
        ]
        chosen = exact + starts + words
    return [{"name": name[:100], "value": code} for _, name, code in chosen[:MAX_CHOICES]]


def suggestions(kind: str | None, typed: str, locale: str | None) -> list[dict[str, str]]:
    """Choices for a parameter's ``autocomplete`` kind; only countries have a source so far."""
    if kind == "country":
        return country_choices(typed, locale)
    return []
