"""Fixed choices offered in forms, with translatable labels."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError, localedata

from ..domain import fold
from ..i18n import N_, current_locale, gettext

__all__ = ["DEGREES", "SECTORS", "degree_label", "resolve_language", "sector_label"]

SECTORS: dict[str, str] = {
    "finance": N_("Finance"),
    "energy": N_("Energy"),
    "aerospace": N_("Aerospace"),
    "luxury": N_("Luxury and fashion"),
    "agrifood": N_("Agriculture and food"),
    "health": N_("Health"),
    "digital": N_("Digital and IT"),
    "education": N_("Education"),
    "culture": N_("Culture and media"),
    "tourism": N_("Tourism and hospitality"),
    "engineering": N_("Engineering and industry"),
    "law": N_("Law"),
    "public sector": N_("Public sector"),
    "research": N_("Research"),
    "consulting": N_("Consulting"),
    "other": N_("Other"),
}

DEGREES: dict[str, str] = {
    "licence": N_("Licence (bachelor)"),
    "master": N_("Master"),
    "doctorat": N_("Doctorate"),
    "engineer": N_("Engineering degree"),
    "mba": N_("MBA"),
    "exchange": N_("Exchange semester"),
    "other": N_("Other"),
}


def sector_label(key: str | None) -> str:
    if not key:
        return ""
    return gettext(SECTORS[key]) if key in SECTORS else key


def degree_label(key: str | None) -> str:
    if not key:
        return ""
    return gettext(DEGREES[key]) if key in DEGREES else key


@lru_cache(maxsize=1)
def _native_language_names() -> dict[str, str]:
    """Each language's name in itself ("português", "tiếng việt", "العربية") -> code."""
    index: dict[str, str] = {}
    for identifier in localedata.locale_identifiers():
        if "_" in identifier:
            continue
        try:
            name = Locale.parse(identifier).get_display_name(identifier)
        except (ValueError, UnknownLocaleError):
            continue
        if name:
            index.setdefault(fold(name), identifier)
    return index


@lru_cache(maxsize=16)
def _language_names(locale: str) -> dict[str, str]:
    return {fold(str(name)): str(code) for code, name in Locale.parse(locale).languages.items()}


def resolve_language(text: str) -> str | None:
    """ "pt", "Portuguese", "portugais", "português" -> "pt"; None when unknown."""
    value = text.strip()
    if not value or len(value) > 40:
        return None
    if value.replace("-", "").replace("_", "").isascii() and len(value) <= 8:
        try:
            parsed = Locale.parse(value.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            parsed = None
        if parsed is not None:
            return str(parsed)
    wanted = fold(value)
    for locale in dict.fromkeys((current_locale(), "en", "fr")):
        code = _language_names(locale).get(wanted)
        if code is not None:
            return code
    return _native_language_names().get(wanted)
