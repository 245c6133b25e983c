"""Sorting people's and places' names the way readers expect, not by code point.

Code-point order puts "Émile" after "Zoé" and every accented or non-Latin name after all
plain Latin ones. The Unicode Collation Algorithm (with its default table, the root order
CLDR tailors for each language) compares base letters first, then accents, then case, and
orders scripts consistently: "Ángel, Anh, Çelik, Dang, Đặng, Émile, Eve".

pyuca is pure Python (no ICU to compile), so it carries the root order only; a language's
tailoring (Spanish "ñ" after "n", Swedish "å" after "z") is not applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pyuca import Collator

__all__ = ["collated", "collation_key"]

T = TypeVar("T")


@lru_cache(maxsize=1)
def _collator() -> Collator:
    return Collator()  # reads the default table once (about 0.1 s)


@lru_cache(maxsize=16384)
def collation_key(text: str) -> tuple[int, ...]:
    """A key that sorts ``text`` in the Unicode root collation order."""
    key: tuple[int, ...] = _collator().sort_key(text)
    return key


def collated(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """``items`` sorted by the collation of their ``name``; equal names keep their order."""
    return sorted(items, key=lambda item: collation_key(name(item)))
