"""Plural forms: each language's rule picks valid forms, and Arabic really has six."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from core.i18n import Catalogs, ngettext, tools, use_locale

ARABIC_SAMPLES = (0, 1, 2, 3, 11, 100)  # zero, one, two, few, many, other


def _catalog(locale: str) -> Catalog:
    with tools.catalog_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def test_arabic_rule_sends_0_1_2_3_11_100_to_six_different_forms() -> None:
    catalog = _catalog("ar")
    assert catalog.num_plurals == 6
    translations = Catalogs(tools.catalog_path("ar").parents[2]).translations("ar")
    assert [translations.plural(n) for n in ARABIC_SAMPLES] == [0, 1, 2, 3, 4, 5]
    assert translations.plural(103) == 3  # few again past the hundred
    assert translations.plural(111) == 4


def test_arabic_plural_messages_give_six_different_texts() -> None:
    catalog = _catalog("ar")
    plurals = [m for m in catalog if m.id and not isinstance(m.id, str)]
    translations = Catalogs(tools.catalog_path("ar").parents[2]).translations("ar")
    for message in plurals:
        singular, plural = message.id[0], message.id[1]
        texts = {translations.ngettext(singular, plural, n) for n in ARABIC_SAMPLES}
        assert len(texts) == 6, singular


def test_ngettext_follows_the_arabic_header_through_the_catalog_loader(tmp_path: Path) -> None:
    """A scratch Arabic catalog with the real header: the loader picks each of the six forms."""
    catalog = Catalog(locale="ar")
    catalog.mime_headers = [("Plural-Forms", tools.PLURAL_FORMS["ar"])]
    forms = ("لا أعضاء", "عضو واحد", "عضوان", "{n} أعضاء", "{n} عضوًا", "{n} عضو")
    catalog.add(("{n} member", "{n} members"), forms)
    path = tmp_path / "ar" / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)
    translations = Catalogs(tmp_path).translations("ar")
    got = [translations.ngettext("{n} member", "{n} members", n) for n in ARABIC_SAMPLES]
    assert got == list(forms)


@pytest.mark.parametrize("locale", tools.LOCALES)
def test_every_rule_gives_a_form_the_catalog_has_for_any_count(locale: str) -> None:
    translations = Catalogs(tools.catalog_path(locale).parents[2]).translations(locale)
    nplurals = _catalog(locale).num_plurals
    assert {translations.plural(n) for n in range(1201)} == set(range(nplurals))


@pytest.mark.parametrize(
    ("locale", "one", "many"),
    [("en", 1, 2), ("de", 1, 0), ("fr", 0, 2), ("pt_BR", 1, 2), ("es", 1, 0), ("it", 1, 0)],
)
def test_two_form_languages_put_the_boundary_where_grammar_does(
    locale: str, one: int, many: int
) -> None:
    translations = Catalogs(tools.catalog_path(locale).parents[2]).translations(locale)
    assert translations.plural(one) == 0
    assert translations.plural(many) == 1


def test_counted_error_picks_the_form_and_groups_digits_in_the_readers_language() -> None:
    from core.errors import CountedUserError

    error = CountedUserError(
        "Your message is too long ({count} character); the limit is {limit}.",
        "Your message is too long ({count} characters); the limit is {limit}.",
        12345,
        limit=2000,
    )
    with use_locale("en"):
        assert error.message == "Your message is too long (12,345 characters); the limit is 2,000."
    with use_locale("fr"):
        assert "12\u202f345 caractères" in error.message  # French groups with a narrow space
    with use_locale("ar"):
        assert "(12,345 حرفًا)" in error.message  # 12345 % 100 = 45: the "many" form


def test_one_member_and_many_members_read_differently_in_each_language() -> None:
    for locale in ("en", "fr", "de", "es", "it", "pt_BR"):
        with use_locale(locale):
            one = ngettext("{count} member", "{count} members", 1)
            many = ngettext("{count} member", "{count} members", 7)
        assert one.startswith("1") and many.startswith("7"), locale
        assert one[1:] != many[1:], locale
    with use_locale("ar"):
        texts = [ngettext("{count} member", "{count} members", n) for n in ARABIC_SAMPLES]
    assert texts[1] == "عضو واحد" and texts[2] == "عضوان"
    assert len(set(texts)) == 6
