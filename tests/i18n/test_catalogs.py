"""Every catalog is complete, consistent with the code and compiles; check() finds faults."""

from __future__ import annotations

import gettext as stdlib_gettext
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from core.i18n import catalogs, tools


def test_every_catalog_is_translated_with_matching_placeholders_and_compiles() -> None:
    problems = tools.check()
    assert problems == [], "\n".join(problems)


def test_every_supported_language_has_a_catalog() -> None:
    assert set(tools.LOCALES) <= set(catalogs.available())
    for locale in tools.LOCALES:
        assert tools.catalog_path(locale).is_file(), locale


@pytest.mark.parametrize("locale", tools.LOCALES)
def test_plural_forms_header_is_the_languages_rule(locale: str) -> None:
    with tools.catalog_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    expected = {"ar": 6, "zh_Hans": 1, "vi": 1}.get(locale, 2)
    assert catalog.num_plurals == expected
    assert catalog.plural_forms.replace(" ", "") == tools.PLURAL_FORMS[locale].replace(" ", "")


def test_english_catalog_is_the_source_text() -> None:
    with tools.catalog_path("en").open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert message.string == message.id
        elif message.id:
            assert tuple(message.string) == tuple(message.id)


# -- the tooling on a scratch catalog tree -----------------------------------------------------


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)


def _template(*messages: str | tuple[str, str]) -> Catalog:
    template = Catalog(project=tools.PROJECT)
    for msgid in messages:
        template.add(msgid, flags=("python-brace-format",) if "{" in str(msgid) else ())
    return template


def _translated(locale: str, entries: dict[str | tuple[str, str], object]) -> Catalog:
    catalog = Catalog(locale=locale, project=tools.PROJECT)
    catalog.mime_headers = [
        *((k, v) for k, v in catalog.mime_headers if k != "Plural-Forms"),
        ("Plural-Forms", tools.PLURAL_FORMS[locale]),
    ]
    for msgid, string in entries.items():
        catalog.add(msgid, string)
    return catalog


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    root = tmp_path / "locales"
    _write(
        tools.template_path(root),
        _template("Next", "Welcome, {name}!", "Page {page}", ("{count} member", "{count} members")),
    )
    return root


def test_check_reports_untranslated_fuzzy_and_placeholder_faults(scratch: Path) -> None:
    catalog = _translated(
        "de",
        {
            "Next": "",
            "Welcome, {name}!": "Willkommen, {nom}!",
            "Page {page}": "Seite {page",
            ("{count} member", "{count} members"): ("{count} Mitglied", ""),
        },
    )
    catalog.get("Next").flags.add("fuzzy")
    _write(tools.catalog_path("de", scratch), catalog)

    problems = "\n".join(tools.check(scratch))

    assert "de: 'Next': fuzzy" in problems
    assert "placeholder missing: name" in problems
    assert "placeholder not in the msgid: nom" in problems
    assert "'Page {page}': malformed placeholder" in problems
    assert "'{count} member': lacks plural forms 1 (of 2)" in problems


def test_check_reports_plural_entries_lacking_forms_and_a_wrong_header(scratch: Path) -> None:
    catalog = _translated(
        "ar",
        {
            "Next": "التالي",
            "Welcome, {name}!": "مرحبًا يا {name}!",
            "Page {page}": "الصفحة {page}",
            ("{count} member", "{count} members"): ("لا أعضاء", "عضو واحد", "عضوان"),
        },
    )
    catalog.mime_headers = [("Plural-Forms", "nplurals=3; plural=(n==0 ? 0 : n==1 ? 1 : 2);")]
    _write(tools.catalog_path("ar", scratch), catalog)

    problems = "\n".join(tools.check(scratch))

    assert "ar: Plural-Forms is" in problems
    catalog.mime_headers = [("Plural-Forms", tools.PLURAL_FORMS["ar"])]
    _write(tools.catalog_path("ar", scratch), catalog)
    assert "'{count} member': lacks plural forms 3, 4, 5 (of 6)" in "\n".join(tools.check(scratch))


def test_check_reports_catalogs_out_of_step_with_the_template(scratch: Path) -> None:
    _write(
        tools.catalog_path("it", scratch),
        _translated("it", {"Next": "Avanti", "Gone": "Sparito"}),
    )
    problems = "\n".join(tools.check(scratch))
    assert "it: 'Welcome, {name}!': missing (run `alumni i18n update`)" in problems
    assert "it: 'Gone': not in messages.pot any more" in problems
    assert "es: no catalog" in problems


def test_update_keeps_translations_leaves_new_entries_empty_and_fills_english(
    scratch: Path,
) -> None:
    _write(tools.catalog_path("it", scratch), _translated("it", {"Next": "Avanti"}))

    tools.update(["it", "en", "ar"], root=scratch)

    with tools.catalog_path("it", scratch).open("rb") as fh:
        italian = read_po(fh, locale="it")
    assert italian.get("Next").string == "Avanti"
    assert italian.get("Welcome, {name}!").string == ""
    assert not italian.get("Welcome, {name}!").fuzzy
    with tools.catalog_path("en", scratch).open("rb") as fh:
        english = read_po(fh, locale="en")
    assert english.get("Welcome, {name}!").string == "Welcome, {name}!"
    assert tuple(english.get("{count} member").string) == ("{count} member", "{count} members")
    with tools.catalog_path("ar", scratch).open("rb") as fh:
        arabic = read_po(fh, locale="ar")
    assert arabic.num_plurals == 6
    assert len(arabic.get("{count} member").string) == 6


def test_compile_writes_mo_files_that_gettext_reads(scratch: Path) -> None:
    _write(
        tools.catalog_path("fr", scratch),
        _translated(
            "fr",
            {
                "Next": "Suivant",
                ("{count} member", "{count} members"): ("{count} membre", "{count} membres"),
            },
        ),
    )
    written = tools.compile(scratch)
    assert written == [tools.catalog_path("fr", scratch).with_suffix(".mo")]
    with written[0].open("rb") as fh:
        translations = stdlib_gettext.GNUTranslations(fh)
    assert translations.gettext("Next") == "Suivant"
    assert translations.ngettext("{count} member", "{count} members", 0) == "{count} membre"
    assert translations.ngettext("{count} member", "{count} members", 2) == "{count} membres"
