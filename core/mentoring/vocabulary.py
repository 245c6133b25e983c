"""The fixed choices of mentoring: topics and cadences, with translatable labels."""

from __future__ import annotations

from ..directory.vocabulary import resolve_language
from ..domain import fold
from ..errors import UserError
from ..i18n import N_, gettext

__all__ = [
    "CADENCES",
    "TOPICS",
    "cadence_label",
    "parse_languages",
    "parse_topics",
    "topic_label",
]

# key -> label; the keys are what members type: /mentor find visas
TOPICS: dict[str, str] = {
    "school": N_("Choosing a school"),
    "visas": N_("Visas and housing"),
    "field": N_("A field of study"),
    "sector": N_("A sector"),
    "france": N_("Careers in France"),
    "home": N_("Careers back home"),
}

CADENCES: dict[str, str] = {
    "weekly": N_("Every week"),
    "biweekly": N_("Every two weeks"),
    "monthly": N_("Every month"),
}


def topic_label(key: str) -> str:
    return gettext(TOPICS[key]) if key in TOPICS else key


def cadence_label(key: str) -> str:
    return gettext(CADENCES[key]) if key in CADENCES else key


def _choices() -> str:
    return ", ".join(f"{key} ({topic_label(key)})" for key in TOPICS)


def parse_topics(text: str) -> list[str]:
    """ "visas, school" or the translated labels -> ["visas", "school"]; at least one."""
    labels = {fold(gettext(label)): key for key, label in TOPICS.items()}
    labels.update({fold(label): key for key, label in TOPICS.items()})
    found: list[str] = []
    for part in text.replace(";", ",").split(","):
        word = part.strip()
        if not word:
            continue
        key = word.lower() if word.lower() in TOPICS else labels.get(fold(word))
        if key is None:
            raise UserError(
                N_("Unknown topic {value}. Choose among: {choices}."),
                value=word,
                choices=_choices(),
            )
        if key not in found:
            found.append(key)
    if not found:
        raise UserError(N_("Choose at least one topic among: {choices}."), choices=_choices())
    return found


def parse_languages(text: str) -> list[str]:
    found: list[str] = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        code = resolve_language(part.strip())
        if code is None:
            raise UserError(N_("Unknown language {value}."), value=part.strip())
        if code not in found:
            found.append(code)
    return found
