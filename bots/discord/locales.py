"""Our catalog locales mapped onto the locale codes Discord accepts in localizations."""

from __future__ import annotations

from collections.abc import Callable

from babel import Locale, UnknownLocaleError

from core.i18n import catalogs, use_locale

__all__ = ["DISCORD_LOCALES", "discord_locales_for", "localizations"]

# discord.Locale's values (discord.py 2.7); English is the default text, not a localization.
DISCORD_LOCALES = frozenset(
    {
        "bg", "zh-CN", "zh-TW", "hr", "cs", "id", "da", "nl", "fi", "fr", "de", "el", "hi",
        "hu", "it", "ja", "ko", "es-419", "lt", "no", "pl", "pt-BR", "ro", "ru", "es-ES",
        "sv-SE", "th", "tr", "uk", "vi",
    }
)  # fmt: skip
# Languages Discord only knows with a region, and the regions it has.
_REGIONS = {
    "es": ("es-ES", "es-419"),
    "pt": ("pt-BR",),
    "sv": ("sv-SE",),
    "nb": ("no",),
    "nn": ("no",),
    "zh": ("zh-CN",),
}
_SCRIPTS = {("zh", "Hans"): ("zh-CN",), ("zh", "Hant"): ("zh-TW",)}


def discord_locales_for(catalog: str) -> tuple[str, ...]:
    """``fr`` -> ("fr",), ``pt_BR`` -> ("pt-BR",), ``es`` -> ("es-ES", "es-419"), ``ar`` -> ()."""
    try:
        parsed = Locale.parse(catalog)
    except (ValueError, UnknownLocaleError):
        return ()
    if parsed.language == "en":
        return ()
    if parsed.territory:
        tag = f"{parsed.language}-{parsed.territory}"
        if tag in DISCORD_LOCALES:
            return (tag,)
    if parsed.script and (parsed.language, parsed.script) in _SCRIPTS:
        return _SCRIPTS[(parsed.language, parsed.script)]
    if parsed.language in DISCORD_LOCALES:
        return (parsed.language,)
    return _REGIONS.get(parsed.language, ())


def localizations(translate: Callable[[], str]) -> dict[str, str]:
    """``{discord_locale: text}``: ``translate()`` called once per supported catalog locale.

    A more specific catalog (``pt_BR``) wins over a language-only one (``pt``).
    """
    found: dict[str, str] = {}
    for catalog in sorted(catalogs.available(), key=lambda name: ("_" in name, name)):
        for code in discord_locales_for(catalog):
            with use_locale(catalog):
                found[code] = translate()
    return dict(sorted(found.items()))
