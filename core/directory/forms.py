"""The onboarding and profile forms, built in the asker's language."""

from __future__ import annotations

from typing import Any

from ..chat.forms import validate_form
from ..chat.parser import resolve_country
from ..chat.replies import Form, FormField, FormFieldKind
from ..errors import UserError
from ..i18n import N_, catalogs, gettext, language_name, use_locale
from .members import Profile, ProfileInput
from .vocabulary import DEGREES, SECTORS, resolve_language

__all__ = ["edit_form", "onboarding_form", "profile_changes", "profile_input"]

ONBOARD = "directory.onboard"
SAVE = "directory.save"
YES, NO = "yes", "no"


def _language_choices() -> tuple[tuple[str, str], ...]:
    choices = []
    for code in catalogs.available():
        with use_locale(code):
            native = language_name(code)
        choices.append((code, native))
    return tuple(choices)


def _fields(profile: Profile | None) -> tuple[FormField, ...]:
    editing = profile is not None

    def now(value: Any) -> str:
        return gettext("Now: {value}", value=value) if editing and value else ""

    study = profile.studies[0] if profile and profile.studies else (None, None, None, None)
    return (
        FormField(
            "full_name",
            gettext("Your full name"),
            required=not editing,
            max_length=200,
            placeholder=now(profile.full_name if profile else None),
        ),
        FormField(
            "country",
            gettext("Country where you live"),
            required=not editing,
            max_length=60,
            placeholder=now(profile.country_code if profile else None)
            or gettext("A name or a code such as BR"),
        ),
        FormField(
            "city",
            gettext("City"),
            required=False,
            max_length=120,
            placeholder=now(profile.city if profile else None),
        ),
        FormField(
            "institution",
            gettext("French institution you attended"),
            required=False,
            max_length=200,
            placeholder=now(study[0]),
        ),
        FormField(
            "degree",
            gettext("Degree"),
            kind=FormFieldKind.CHOICE,
            required=False,
            choices=tuple((k, gettext(v)) for k, v in DEGREES.items()),
        ),
        FormField(
            "field",
            gettext("Field of study"),
            required=False,
            max_length=120,
            placeholder=now(study[2]),
        ),
        FormField(
            "graduation_year",
            gettext("Graduation year"),
            kind=FormFieldKind.NUMBER,
            required=False,
            max_length=4,
            placeholder=now(study[3]),
        ),
        FormField(
            "sector",
            gettext("Sector you work in"),
            kind=FormFieldKind.CHOICE,
            required=False,
            choices=tuple((k, gettext(v)) for k, v in SECTORS.items()),
        ),
        FormField(
            "languages",
            gettext("Languages you speak, separated by commas"),
            required=False,
            max_length=200,
            placeholder=now(", ".join(profile.languages) if profile else None),
        ),
        FormField(
            "bot_language",
            gettext("Language the bot should speak to you"),
            kind=FormFieldKind.CHOICE,
            required=False,
            choices=_language_choices(),
        ),
        FormField(
            "consent",
            gettext(
                "Appear in the alumni directory? Members can then find you by name, school or "
                "city and ask for an introduction; your contact details are shared only if you "
                "accept a request."
            ),
            kind=FormFieldKind.CHOICE,
            required=not editing,
            choices=((YES, gettext("Yes, list me")), (NO, gettext("No, keep me hidden"))),
        ),
    )


def onboarding_form() -> Form:
    return Form(
        action=ONBOARD,
        title=gettext("Join the France Alumni network"),
        fields=_fields(None),
        submit_label=gettext("Join"),
    )


def edit_form(profile: Profile) -> Form:
    return Form(
        action=SAVE,
        title=gettext("Edit your profile"),
        fields=_fields(profile),
        submit_label=gettext("Save"),
    )


def _parsed(values: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if values.get("country"):
        code = resolve_country(values["country"])
        if code is None:
            raise UserError(
                N_("Unknown country {value}. Use a country name or a two-letter code such as BR."),
                value=values["country"],
            )
        out["country_code"] = code
    if values.get("languages"):
        codes = []
        for item in values["languages"].replace(";", ",").split(","):
            if not item.strip():
                continue
            code = resolve_language(item)
            if code is None:
                raise UserError(N_("Unknown language {value}."), value=item.strip())
            codes.append(code)
        out["languages"] = list(dict.fromkeys(codes))
    if values.get("graduation_year"):
        year = int(values["graduation_year"])
        if not 1900 <= year <= 2100:
            raise UserError(
                N_("{param} must be between {low} and {high}."),
                param=gettext("Graduation year"),
                low=1900,
                high=2100,
            )
        out["graduation_year"] = year
    for name in ("full_name", "city", "institution", "degree", "field", "sector"):
        if values.get(name):
            out[name] = values[name]
    if values.get("bot_language"):
        out["preferred_language"] = values["bot_language"]
    if values.get("consent"):
        out["directory_consent"] = values["consent"] == YES
    return out


def profile_input(raw: dict[str, str]) -> ProfileInput:
    values = _parsed(validate_form(onboarding_form(), raw))
    return ProfileInput(
        full_name=values["full_name"],
        country_code=values.get("country_code"),
        city=values.get("city"),
        institution=values.get("institution"),
        degree=values.get("degree"),
        field=values.get("field"),
        graduation_year=values.get("graduation_year"),
        sector=values.get("sector"),
        languages=tuple(values.get("languages", ())),
        preferred_language=values.get("preferred_language"),
        directory_consent=bool(values.get("directory_consent")),
    )


def profile_changes(profile: Profile, raw: dict[str, str]) -> dict[str, Any]:
    """Only the fields the member filled in change."""
    return _parsed(validate_form(edit_form(profile), raw))
