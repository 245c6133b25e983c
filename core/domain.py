"""Vocabulary shared by every part of the core. Standard library only."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from functools import lru_cache

__all__ = ["OrganisationKind", "Platform", "Role", "Visibility", "fold"]


class Platform(StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    SLACK = "slack"
    DISCORD = "discord"


class Role(StrEnum):
    """What a member may do beyond being a member.

    ``member`` is implied by having a profile; grants add the others, scoped to an
    organisation (representative) or a country (country admin).
    """

    MEMBER = "member"
    REPRESENTATIVE = "representative"
    COUNTRY_ADMIN = "country_admin"
    GLOBAL_ADMIN = "global_admin"


class Visibility(StrEnum):
    LISTED = "listed"  # in directory search; contact on request
    HIDDEN = "hidden"  # not in search


class OrganisationKind(StrEnum):
    COMPANY = "company"
    INSTITUTION = "institution"
    PUBLIC_BODY = "public_body"


def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Zoë Nguyễn" -> "zoe nguyen", "École" -> "ecole".

    Letters that do not decompose (ø, ł, đ, ß) are mapped by hand; non-Latin scripts are kept
    (case-folded), so "Иван" and "王伟" stay searchable in their own script.
    """
    return " ".join(_fold_word(word) for word in text.split())


@lru_cache(maxsize=100_000)
def _fold_word(word: str) -> str:
    """Words repeat (names, cities, schools): each is folded once."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_SPECIAL).split())


_SPECIAL = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ß": "ss"}
)
