"""The full offer form (a modal on Slack and Discord, step by step elsewhere)."""

from __future__ import annotations

from collections.abc import Mapping

from ..chat.forms import validate_form
from ..chat.replies import Form, FormField, FormFieldKind
from ..db.models import Offer
from ..i18n import format_date, gettext
from .domain import OfferKind
from .vocabulary import (
    APPLY_MAX,
    CITY_MAX,
    CONTRACT_MAX,
    DESCRIPTION_MAX,
    SECTORS,
    TITLE_MAX,
    kind_label,
)

__all__ = ["SAVE", "offer_form", "offer_values"]

SAVE = "offers.save"
YES, NO = "yes", "no"


def offer_form(
    payload: str, current: Offer | None = None, given: Mapping[str, str] | None = None
) -> Form:
    """``payload``: "new:ORGANISATION_ID" or "edit:OFFER_ID". Editing, every field is
    optional and an empty answer keeps the current value."""
    editing = current is not None
    given = dict(given or {})

    def now(value: object) -> str:
        return gettext("Now: {value}", value=value) if editing and value else ""

    def initial(name: str, value: object = None) -> str:
        return given.get(name) or (str(value) if editing and value else "")

    return Form(
        action=SAVE,
        title=gettext("Edit the offer") if editing else gettext("Post an offer"),
        submit_label=gettext("Save") if editing else gettext("Publish"),
        payload=payload,
        fields=(
            FormField(
                "kind",
                gettext("Kind of offer"),
                kind=FormFieldKind.CHOICE,
                required=not editing,
                choices=tuple((k.value, kind_label(k)) for k in OfferKind),
                initial=initial("kind", current.kind if current else None),
            ),
            FormField(
                "title",
                gettext("Title"),
                required=not editing,
                max_length=TITLE_MAX,
                placeholder=now(current.title if current else None),
                initial=initial("title", current.title if current else None),
            ),
            FormField(
                "country",
                gettext("Country"),
                required=False,
                max_length=60,
                placeholder=now(current.country_code if current else None)
                or gettext("The organisation's country if you skip it"),
                initial=initial("country", current.country_code if current else None),
            ),
            FormField(
                "city",
                gettext("City"),
                required=False,
                max_length=CITY_MAX,
                placeholder=now(current.city if current else None),
                initial=initial("city", current.city if current else None),
            ),
            FormField(
                "remote",
                gettext("Can it be done remotely?"),
                kind=FormFieldKind.CHOICE,
                required=False,
                choices=((YES, gettext("Yes")), (NO, gettext("No"))),
            ),
            FormField(
                "sector",
                gettext("Sector"),
                kind=FormFieldKind.CHOICE,
                required=False,
                choices=tuple((k, gettext(v)) for k, v in SECTORS.items()),
                initial=initial("sector", current.sector if current else None),
            ),
            FormField(
                "languages",
                gettext("Languages required, separated by commas"),
                required=False,
                max_length=200,
                placeholder=now(", ".join(current.languages) if current else None),
                initial=initial("languages", ", ".join(current.languages) if current else None),
            ),
            FormField(
                "contract",
                gettext("Contract (duration, type, pay)"),
                required=False,
                max_length=CONTRACT_MAX,
                placeholder=now(current.contract if current else None),
                initial=initial("contract", current.contract if current else None),
            ),
            FormField(
                "description",
                gettext("Description"),
                kind=FormFieldKind.LONG_TEXT,
                required=False,
                max_length=DESCRIPTION_MAX,
                initial=initial("description", current.description if current else None),
            ),
            FormField(
                "apply",
                gettext("How to apply: a web address or an e-mail"),
                required=False,
                max_length=APPLY_MAX,
                placeholder=now((current.apply_url or current.apply_email) if current else None),
                initial=initial(
                    "apply", (current.apply_url or current.apply_email) if current else None
                ),
            ),
            FormField(
                "expires",
                gettext("Online until (YYYY-MM-DD)"),
                kind=FormFieldKind.DATE,
                required=False,
                max_length=10,
                placeholder=now(format_date(current.expires_at.date()) if current else None)
                or gettext("30 days if you skip it"),
                initial=given.get("expires", ""),
            ),
        ),
    )


def offer_values(form: Form, raw: Mapping[str, str | None]) -> dict[str, str]:
    """A submission checked field by field (lengths, choices, dates)."""
    values = validate_form(form, raw)
    if values.get("remote") == NO:
        values["remote"] = "no"
    return values
