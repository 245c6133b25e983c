"""The group creation form: a name and a description per language, kind, country, visibility."""

from __future__ import annotations

from collections.abc import Mapping

from ..chat.forms import validate_form
from ..chat.parser import resolve_country
from ..chat.replies import Form, FormField, FormFieldKind
from ..errors import UserError
from ..i18n import N_, gettext, language_name
from .domain import GroupKind, GroupVisibility
from .groups import GroupInput
from .vocabulary import DESCRIPTION_MAX, NAME_MAX, kind_label, visibility_label

__all__ = ["CREATE", "group_form", "group_input", "languages_for"]

CREATE = "groups.create"
_KNOWN = ("fr", "en", "ar", "de", "es", "it", "pt_BR", "vi", "zh_Hans")


def languages_for(locale: str) -> list[str]:
    """The creator's language first, then French and English."""
    return list(dict.fromkeys([locale if locale in _KNOWN else "en", "fr", "en"]))


def group_form(languages: list[str]) -> Form:
    fields: list[FormField] = []
    for index, lang in enumerate(languages):
        language = language_name(lang)
        fields.append(
            FormField(
                f"name_{lang}",
                gettext("Name ({language})", language=language),
                required=index == 0,
                max_length=NAME_MAX,
            )
        )
        fields.append(
            FormField(
                f"description_{lang}",
                gettext("Description ({language})", language=language),
                kind=FormFieldKind.LONG_TEXT,
                required=index == 0,
                max_length=DESCRIPTION_MAX,
            )
        )
    fields.append(
        FormField(
            "kind",
            gettext("Kind of group"),
            kind=FormFieldKind.CHOICE,
            choices=tuple((k.value, kind_label(k)) for k in GroupKind),
        )
    )
    fields.append(
        FormField(
            "country",
            gettext("Country"),
            required=False,
            max_length=60,
            placeholder=gettext("Skip it for a group open to every country"),
        )
    )
    fields.append(
        FormField(
            "visibility",
            gettext("Who can join"),
            kind=FormFieldKind.CHOICE,
            choices=tuple((v.value, visibility_label(v)) for v in GroupVisibility),
        )
    )
    return Form(
        action=CREATE,
        title=gettext("Create a group"),
        submit_label=gettext("Create"),
        payload=",".join(languages),
        fields=tuple(fields),
    )


def group_input(payload: str, raw: Mapping[str, str | None]) -> GroupInput:
    languages = [lang for lang in payload.split(",") if lang in _KNOWN]
    if not languages:
        raise UserError(N_("This form is no longer valid. Send the command again."))
    values = validate_form(group_form(languages), raw)
    country = None
    if values.get("country"):
        country = resolve_country(values["country"])
        if country is None:
            raise UserError(
                N_("Unknown country {value}. Use a country name or a two-letter code such as BR."),
                value=values["country"],
            )
    names = {lang: values[f"name_{lang}"] for lang in languages if values.get(f"name_{lang}")}
    descriptions = {
        lang: values[f"description_{lang}"]
        for lang in languages
        if values.get(f"description_{lang}")
    }
    return GroupInput(
        names=names,
        descriptions=descriptions,
        kind=GroupKind(values["kind"]),
        country_code=country,
        visibility=GroupVisibility(values["visibility"]),
    )
