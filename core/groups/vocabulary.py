"""Group kinds, visibilities and limits with translatable labels; names by language."""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import N_, current_locale, gettext
from .domain import GroupKind, GroupVisibility

__all__ = [
    "DESCRIPTION_MAX",
    "INVITE_MAX",
    "KIND_LABELS",
    "NAME_MAX",
    "REASON_MAX",
    "VISIBILITY_LABELS",
    "kind_label",
    "localized",
    "visibility_label",
]

NAME_MAX = 80
DESCRIPTION_MAX = 1000
INVITE_MAX = 300
REASON_MAX = 500

KIND_LABELS: dict[GroupKind, str] = {
    GroupKind.SECTOR: N_("Economic sector"),
    GroupKind.CULTURE: N_("French culture"),
    GroupKind.REGION: N_("Region"),
    GroupKind.SCHOOL: N_("School"),
    GroupKind.OTHER: N_("Other"),
}

VISIBILITY_LABELS: dict[GroupVisibility, str] = {
    GroupVisibility.OPEN: N_("Open: anyone can join"),
    GroupVisibility.CLOSED: N_("Closed: moderators approve who joins"),
}


def kind_label(kind: GroupKind | str) -> str:
    return gettext(KIND_LABELS[GroupKind(kind)])


def visibility_label(visibility: GroupVisibility | str) -> str:
    return gettext(VISIBILITY_LABELS[GroupVisibility(visibility)])


def localized(values: Mapping[str, str], locale: str | None = None) -> str:
    """The text in the reader's language, else its base language, English, French, or the
    first one given."""
    if not values:
        return ""
    tag = locale or current_locale()
    for candidate in (tag, tag.split("_", 1)[0], "en", "fr"):
        if values.get(candidate):
            return values[candidate]
    return next(iter(values.values()))
