"""Catalog maintenance: extract, update, compile and check the gettext catalogs.

``extract()`` does what ``make i18n-extract`` does (same keywords, same mapping file, no
locations, sorted), ``update()`` merges the template into every locale's ``.po`` keeping the
translations, ``compile()`` writes ``.mo`` files for deployments that want them (the app
itself compiles in memory), and ``check()`` lists what is wrong with the catalogs. They back
``alumni i18n extract|update|compile|check``.
"""

from __future__ import annotations

import io
import string
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel.messages.catalog import DEFAULT_HEADER, Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

from ._catalogs import DOMAIN, locales_dir

__all__ = [
    "KEYWORDS",
    "LOCALES",
    "PLURAL_FORMS",
    "PROJECT",
    "catalog_path",
    "check",
    "compile",
    "extract",
    "placeholders",
    "project_root",
    "template_path",
    "update",
]

PROJECT = "France Alumni bots"

# The Makefile's ``-k`` options, added to babel's default keywords (``_``, ``gettext``...).
KEYWORDS: dict[str, Any] = {
    **DEFAULT_KEYWORDS,
    "N_": None,
    "UserError": None,
    "ParseError": None,
    "CountedUserError": (1, 2),
    "CountedParseError": (1, 2),
    "gettext": None,
    "ngettext": (1, 2),
}

# The GNU gettext plural rules of every language the network speaks. The Romance languages
# use the two forms translators and tools expect (CLDR's extra "many" form only differs for
# exact millions); Arabic has six, Chinese and Vietnamese one.
PLURAL_FORMS: dict[str, str] = {
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "ar": (
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
        ": n%100>=11 ? 4 : 5);"
    ),
    "zh_Hans": "nplurals=1; plural=0;",
    "es": "nplurals=2; plural=(n != 1);",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "it": "nplurals=2; plural=(n != 1);",
    "vi": "nplurals=1; plural=0;",
}

LOCALES: tuple[str, ...] = tuple(PLURAL_FORMS)
"""Every locale with a catalog; English is the source language (msgstr = msgid)."""

SOURCE_LOCALE = "en"
PO_WIDTH = 100


def project_root() -> Path:
    return locales_dir().parent


def template_path(root: Path | None = None) -> Path:
    return (root or locales_dir()) / f"{DOMAIN}.pot"


def catalog_path(locale: str, root: Path | None = None) -> Path:
    return (root or locales_dir()) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, locale: str | None = None) -> Any:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _write(path: Path, catalog: Any, *, width: int = PO_WIDTH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=width, ignore_obsolete=True, include_previous=False)
    path.write_bytes(buffer.getvalue())


def _catalog_locales(root: Path) -> list[str]:
    found = {p.parent.parent.name for p in root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found)


# -- extract ---------------------------------------------------------------------------------


def extract(output: Path | None = None, *, source: Path | None = None) -> Path:
    """Extract the marked strings of ``core/`` and ``bots/`` into the template (``.pot``).

    Same result as ``make i18n-extract``: the mapping of ``babel.cfg``, keywords ``N_``,
    ``UserError``, ``ParseError``, ``gettext``, ``ngettext:1,2``, ``CountedUserError:1,2``,
    ``CountedParseError:1,2``, no locations, sorted.
    """
    source = source or project_root()
    output = output or template_path()
    with (source / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")  # type: ignore[no-untyped-call]
    catalog = Catalog(project=PROJECT, header_comment=DEFAULT_HEADER, fuzzy=True)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(source), method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    output.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, no_location=True, sort_output=True)
    output.write_bytes(buffer.getvalue())
    return output


def template_ids(path: Path | None = None) -> set[str | tuple[str, ...]]:
    """The msgids of a template (a plural message counts as its (singular, plural) pair)."""
    return {_key(m.id) for m in _read(path or template_path()) if m.id}


def _key(msgid: Any) -> str | tuple[str, ...]:
    return msgid if isinstance(msgid, str) else tuple(msgid)


# -- update ----------------------------------------------------------------------------------


def _new_catalog(locale: str, template: Any) -> Any:
    catalog = Catalog(locale=locale, project=PROJECT, fuzzy=False)
    catalog.mime_headers = [
        *((k, v) for k, v in catalog.mime_headers if k != "Plural-Forms"),
        ("Plural-Forms", PLURAL_FORMS[locale]),
    ]
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def update(locales: Iterable[str] | None = None, *, root: Path | None = None) -> list[Path]:
    """Merge the template into each locale's catalog; new entries are left untranslated.

    Translations of msgids that left the template are dropped, nothing is fuzzy-matched.
    English, the source language, gets msgstr = msgid. A locale of ``LOCALES`` without a
    catalog gets a new one with its plural rule.
    """
    root = root or locales_dir()
    wanted = sorted(set(locales) if locales is not None else {*LOCALES, *_catalog_locales(root)})
    written = []
    for locale in wanted:
        path = catalog_path(locale, root)
        # Read afresh for each locale: Catalog.update() adopts the template's new Message
        # objects, so a shared template would carry one locale's strings into the next.
        template = _read(template_path(root))
        if path.is_file():
            catalog = _read(path, locale)
            catalog.update(template, no_fuzzy_matching=True)
        elif locale in PLURAL_FORMS:
            catalog = _new_catalog(locale, template)
        else:
            raise ValueError(f"no catalog for {locale!r} and no plural rule to create one")
        if locale == SOURCE_LOCALE:
            _fill_source(catalog)
        _write(path, catalog)
        written.append(path)
    return written


def _fill_source(catalog: Any) -> None:
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            if not message.string:
                message.string = message.id
        else:
            forms = list(message.string) if isinstance(message.string, tuple) else []
            singular, plural = message.id[0], message.id[1]
            wanted = [singular] + [plural] * (catalog.num_plurals - 1)
            forms = (forms + [""] * len(wanted))[: len(wanted)]
            message.string = tuple(f or w for f, w in zip(forms, wanted, strict=True))
        message.flags.discard("fuzzy")


# -- compile ---------------------------------------------------------------------------------


def compile(root: Path | None = None) -> list[Path]:
    """Write ``messages.mo`` beside every ``messages.po`` (fuzzy entries left out)."""
    root = root or locales_dir()
    written = []
    for locale in _catalog_locales(root):
        po = catalog_path(locale, root)
        catalog = _read(po, locale)
        mo = po.with_suffix(".mo")
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        mo.write_bytes(buffer.getvalue())
        written.append(mo)
    return written


# -- check -----------------------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a format string (``{user.name}`` counts as ``user``).

    Raises ValueError for a malformed format string (a lone brace).
    """
    names = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(text):
        if field is None:
            continue
        names.add(field.split(".", 1)[0].split("[", 1)[0])
    return names


def _fmt(msgid: Any) -> str:
    text = msgid if isinstance(msgid, str) else msgid[0]
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _check_string(where: str, translated: str, required: set[str], allowed: set[str]) -> list[str]:
    try:
        fields = placeholders(translated)
    except ValueError as exc:
        return [f"{where}: malformed placeholder ({exc})"]
    problems = []
    if missing := required - fields:
        problems.append(f"{where}: placeholder missing: {', '.join(sorted(missing))}")
    if extra := fields - allowed:
        problems.append(f"{where}: placeholder not in the msgid: {', '.join(sorted(extra))}")
    if not problems:
        try:
            translated.format(**dict.fromkeys(fields, "x"))
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            problems.append(f"{where}: does not format ({exc})")
    return problems


def _check_message(locale: str, message: Any, num_plurals: int) -> list[str]:
    where = f"{locale}: {_fmt(message.id)}"
    if message.fuzzy:
        return [f"{where}: fuzzy"]
    plural = not isinstance(message.id, str)
    forms = (
        list(message.string)
        if isinstance(message.string, (tuple, list))
        else [message.string or ""]
    )
    if plural and len(forms) != num_plurals:
        return [f"{where}: has {len(forms)} plural forms, the language has {num_plurals}"]
    if not any(forms):
        return [f"{where}: untranslated"]
    if not all(forms):
        lacking = ", ".join(str(i) for i, form in enumerate(forms) if not form)
        return [f"{where}: lacks plural forms {lacking} (of {num_plurals})"]
    try:
        source = placeholders(message.id) if not plural else set()
        if plural:
            for part in message.id:
                source |= placeholders(part)
    except ValueError:
        return []  # the msgid is no format string; gettext() shows it as it is
    if not plural:
        return _check_string(where, forms[0], source, source)
    # ``{count}`` is the number itself: a form for exactly one or two may spell it out
    # ("عضو واحد", "عضوان") instead, unless the language has a single form for every count.
    problems = []
    required = source - {"count"}
    if num_plurals == 1:
        required = source
    for index, form in enumerate(forms):
        problems += _check_string(f"{where} [form {index}]", form, required, source | {"count"})
    return problems


def _check_compiles(locale: str, catalog: Any) -> list[str]:
    problems = [
        f"{locale}: {_fmt(message.id)}: {error}"
        for message, errors in catalog.check()
        for error in errors
    ]
    try:
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations = Translations(fp=buffer, domain=DOMAIN)
        translations.plural(2)  # the Plural-Forms expression evaluates
    except Exception as exc:  # any failure here is what check() reports
        problems.append(f"{locale}: the catalog does not compile ({exc})")
    return problems


def check(root: Path | None = None) -> list[str]:
    """Problems in the catalogs, one line each; an empty list means all is well.

    Reports entries that are untranslated or fuzzy, placeholders missing or extra against the
    msgid, malformed format strings, plural entries lacking forms, a wrong Plural-Forms
    header, catalogs that do not compile, and catalogs out of step with the template.
    """
    root = root or locales_dir()
    problems: list[str] = []
    template_file = template_path(root)
    try:
        expected = template_ids(template_file)
    except Exception as exc:  # unreadable template: nothing else can be checked
        return [f"{template_file.name}: cannot be read ({exc})"]
    for locale in _catalog_locales(root):
        path = catalog_path(locale, root)
        try:
            catalog = _read(path, locale)
        except Exception as exc:
            problems.append(f"{locale}: cannot be read ({exc})")
            continue
        rule = PLURAL_FORMS.get(locale)
        header = dict(catalog.mime_headers).get("Plural-Forms", "")
        if rule is not None and _squash(header) != _squash(rule):
            problems.append(f"{locale}: Plural-Forms is {header!r}, expected {rule!r}")
        present = {_key(m.id) for m in catalog if m.id}
        problems += [
            f"{locale}: {_fmt(msgid)}: missing (run `alumni i18n update`)"
            for msgid in sorted(expected - present, key=str)
        ]
        problems += [
            f"{locale}: {_fmt(msgid)}: not in {template_file.name} any more"
            for msgid in sorted(present - expected, key=str)
        ]
        for message in catalog:
            if message.id:
                problems += _check_message(locale, message, catalog.num_plurals)
        problems += _check_compiles(locale, catalog)
    for locale in LOCALES:
        if locale != SOURCE_LOCALE and not catalog_path(locale, root).is_file():
            problems.append(f"{locale}: no catalog (run `alumni i18n update`)")
    return problems


def _squash(rule: str) -> str:
    return "".join(rule.split()).rstrip(";")
