"""Offer kinds and limits, with translatable labels; sectors are the directory's."""

from __future__ import annotations

from ..directory.vocabulary import SECTORS, sector_label
from ..domain import fold
from ..i18n import N_, gettext
from .domain import OfferKind

__all__ = [
    "DESCRIPTION_MAX",
    "KIND_LABELS",
    "SECTORS",
    "TITLE_MAX",
    "kind_label",
    "resolve_kind",
    "resolve_sector",
    "sector_label",
]

TITLE_MAX = 120
CITY_MAX = 120
CONTRACT_MAX = 80
DESCRIPTION_MAX = 3000  # fits a Slack section, a Discord embed and a Telegram message
APPLY_MAX = 300
NOTE_MAX = 500

KIND_LABELS: dict[OfferKind, str] = {
    OfferKind.JOB: N_("Job"),
    OfferKind.INTERNSHIP: N_("Internship"),
    OfferKind.VIE: N_("VIE (international volunteering in a company)"),
    OfferKind.VOLUNTEERING: N_("Volunteering"),
    OfferKind.TRAINING: N_("Training programme"),
}


def kind_label(kind: OfferKind | str) -> str:
    try:
        return gettext(KIND_LABELS[OfferKind(kind)])
    except ValueError:
        return str(kind)


def resolve_kind(text: str) -> OfferKind | None:
    """ "internship", "Internship", "stage" (in a French session) -> OfferKind.INTERNSHIP."""
    wanted = fold(text)
    for kind, label in KIND_LABELS.items():
        if wanted in (kind.value, fold(label), fold(gettext(label))):
            return kind
    return None


def resolve_sector(text: str) -> str | None:
    """A sector key from its key or its label in English or the asker's language."""
    wanted = fold(text)
    for key, label in SECTORS.items():
        if wanted in (fold(key), fold(label), fold(gettext(label))):
            return key
    return None
