"""Synthetic alumni for benchmarks: many distinct names, in several scripts, with diacritics."""

from __future__ import annotations

import random
from collections.abc import Iterator

from babel import Locale

LATIN = [
    "an",
    "ba",
    "be",
    "bi",
    "ca",
    "cé",
    "da",
    "dé",
    "do",
    "el",
    "fa",
    "fe",
    "ga",
    "gi",
    "ha",
    "hé",
    "i",
    "ja",
    "jo",
    "ka",
    "ki",
    "la",
    "lé",
    "li",
    "lu",
    "ma",
    "mé",
    "mi",
    "mo",
    "na",
    "né",
    "ni",
    "no",
    "nu",
    "o",
    "pa",
    "pé",
    "ra",
    "ré",
    "ri",
    "ro",
    "sa",
    "sé",
    "si",
    "so",
    "ta",
    "té",
    "ti",
    "to",
    "u",
    "va",
    "vi",
    "ya",
    "za",
    "zo",
    "ção",
    "ñe",
    "ğu",
    "ły",
    "ễn",
    "ướ",
    "ng",
    "uy",
    "ộc",
    "ân",
    "ür",
    "ös",
    "ås",
    "ø",
    "ž",
    "š",
    "č",
    "ć",
    "ń",
]
CYRILLIC = [
    "ан",
    "бо",
    "ва",
    "ге",
    "да",
    "ев",
    "жа",
    "за",
    "ив",
    "ка",
    "ла",
    "ми",
    "на",
    "ол",
    "пе",
    "ра",
    "св",
    "та",
    "ус",
    "фе",
    "ха",
    "ца",
    "че",
    "ша",
    "юр",
    "яс",
]
ARABIC = ["أح", "مد", "فا", "طم", "ة", "يو", "سف", "نو", "ر", "عل", "ي", "سا", "رة", "كر", "يم"]
HAN = list("王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高伟芳娜敏静磊洋艳杰婷军勇")

INSTITUTION_WORDS = [
    "Université",
    "École",
    "Institut",
    "Sciences Po",
    "Polytechnique",
    "Normale",
    "Supérieure",
    "Lyon",
    "Paris",
    "Saclay",
    "Bordeaux",
    "Grenoble",
    "Lille",
    "Toulouse",
    "Nantes",
    "Rennes",
    "Strasbourg",
    "Montpellier",
    "Marseille",
    "Nice",
    "Dijon",
    "Tours",
    "Caen",
    "Rouen",
    "Metz",
]
FIELDS = [
    "Economics",
    "Law",
    "Physics",
    "Chemistry",
    "Computer science",
    "Management",
    "Architecture",
    "Medicine",
    "Political science",
    "Mathematics",
    "Literature",
]
SECTORS = [
    "finance",
    "energy",
    "aerospace",
    "luxury",
    "agrifood",
    "health",
    "digital",
    "education",
    "culture",
    "tourism",
    "engineering",
    "law",
    "research",
    "consulting",
]


def countries(n: int = 150) -> list[str]:
    codes = sorted(
        c
        for c in Locale("en").territories
        if len(c) == 2 and c.isalpha() and c not in ("ZZ", "EU", "UN", "EZ", "QO", "XA", "XB", "XK")
    )
    return codes[:n]


def institutions(n: int = 300, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < n:
        names.add(" ".join(rng.sample(INSTITUTION_WORDS, 3)))
    return sorted(names)


def _word(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.78:
        word = "".join(rng.choice(LATIN) for _ in range(rng.randint(2, 4)))
        return word[0].upper() + word[1:]
    if roll < 0.88:
        word = "".join(rng.choice(CYRILLIC) for _ in range(rng.randint(2, 3)))
        return word[0].upper() + word[1:]
    if roll < 0.95:
        return "".join(rng.choice(ARABIC) for _ in range(rng.randint(2, 3)))
    return "".join(rng.choice(HAN) for _ in range(rng.randint(1, 2)))


def people(n: int, seed: int = 42) -> Iterator[dict[str, str]]:
    """CSV rows in the import format; 90 % consent to the directory."""
    rng = random.Random(seed)
    country_codes = countries()
    schools = institutions()
    for i in range(n):
        name = f"{_word(rng)} {_word(rng)}"
        yield {
            "full_name": name,
            "email": f"p{i}@bench.example",
            "country": rng.choice(country_codes),
            "city": _word(rng),
            "institution": rng.choice(schools),
            "degree": rng.choice(["master", "licence", "doctorat"]),
            "field": rng.choice(FIELDS),
            "graduation_year": str(rng.randint(1980, 2026)),
            "sector": rng.choice(SECTORS),
            "languages": "fr;en",
            "directory_consent": "yes" if rng.random() < 0.9 else "no",
        }
