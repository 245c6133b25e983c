"""Loading the gettext catalogs from ``locales/``."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "messages"


def locales_dir() -> Path:
    """The project's ``locales/`` folder: beside ``core/`` in a checkout or an editable
    install, else where a wheel installs it (``<prefix>/share/france-alumni/locales``)."""
    beside = Path(__file__).resolve().parents[2] / "locales"
    if beside.is_dir():
        return beside
    return Path(sys.prefix) / "share" / "france-alumni" / "locales"


class Catalogs:
    """Compiled translations per locale, loaded lazily and cached."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._cache: dict[str, NullTranslations] = {}
        self._available: tuple[str, ...] | None = None
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        return self._root

    def available(self) -> tuple[str, ...]:
        """Locales with a catalog, plus English (the source language), sorted.

        Read from disk once: every request normalizes its locale against this list."""
        if self._available is None:
            found = {p.parent.parent.name for p in self._root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
            found.add("en")
            self._available = tuple(sorted(found))
        return self._available

    def translations(self, locale: str) -> NullTranslations:
        cached = self._cache.get(locale)
        if cached is not None:
            return cached
        with self._lock:
            if locale not in self._cache:
                self._cache[locale] = self._load(locale)
            return self._cache[locale]

    def _load(self, locale: str) -> NullTranslations:
        po_path = self._root / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.is_file():
            return NullTranslations()
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(fp=buffer, domain=DOMAIN)


catalogs = Catalogs(locales_dir())
