"""Locale per request, catalogs from locales/, and CLDR names."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.domain import fold
from core.i18n import (
    catalogs,
    country_name,
    current_locale,
    format_datetime,
    gettext,
    normalize_locale,
    use_locale,
)


def test_french_catalog_translates() -> None:
    with use_locale("fr"):
        assert gettext("Next") == "Suivant"
    assert gettext("Next") == "Next"


def test_placeholders_are_filled_after_translation() -> None:
    with use_locale("fr"):
        assert gettext("Page {page}", page=3) == "Page 3"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("fr_FR", "fr"),
        ("en-GB", "en"),
        ("xx", None),
        ("", None),
        (None, None),
        ("../../etc", None),
    ],
)
def test_platform_locale_tags_map_onto_catalogs(tag: str | None, expected: str | None) -> None:
    assert normalize_locale(tag) == expected


def test_unknown_locale_falls_back_to_english() -> None:
    with use_locale("tlh") as chosen:
        assert chosen == "en"


async def test_concurrent_requests_keep_their_own_language() -> None:
    async def speak(locale: str) -> str:
        with use_locale(locale):
            await asyncio.sleep(0)
            return gettext("Next")

    results = await asyncio.gather(*(speak(loc) for loc in ["fr", "en"] * 20))
    assert results == ["Suivant", "Next"] * 20
    assert current_locale() == "en"


def test_country_names_come_from_cldr_in_the_current_language() -> None:
    with use_locale("fr"):
        assert country_name("BR") == "Brésil"
    assert country_name("BR") == "Brazil"
    assert country_name("QQ") == "QQ"


def test_datetimes_are_shown_in_the_given_time_zone() -> None:
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    with use_locale("fr"):
        shown = format_datetime(moment, tz="America/Sao_Paulo", format="short")
    assert "09:00" in shown


def test_english_is_always_available() -> None:
    assert "en" in catalogs.available()
    assert "fr" in catalogs.available()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Zoë Nguyễn", "zoe nguyen"),
        ("École Polytechnique", "ecole polytechnique"),
        ("Łukasz Wiśniewska", "lukasz wisniewska"),
        ("  Ünal   ÇELİK ", "unal celik"),
        ("Иван", "иван"),
        ("王伟", "王伟"),
    ],
)
def test_fold_is_accent_and_case_insensitive(text: str, key: str) -> None:
    assert fold(text) == key
