"""Right-to-left text: keep people's names and cities from scrambling an Arabic reply.

A Latin name inside an Arabic sentence (or an Arabic name followed by a number in an English
one) is reordered by the Unicode bidirectional algorithm together with its neighbours:
"محمد Zoé Nguyen, 2019" can come out with the year or the punctuation on the wrong side.
Wrapping each piece of user-provided text in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE
(U+2068 ... U+2069) makes it a self-contained island whose direction comes from its own first
strong letter, and it cannot disturb the sentence around it. The marks are invisible on
Telegram, Slack and Discord.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from ._locale import current_locale

__all__ = ["FSI", "PDI", "contains_rtl", "is_rtl", "isolate", "isolate_for", "strip_controls"]

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE

# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI). In user text they
# are either noise or an attempt to reverse the text around them (RLO spoofing).
_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def strip_controls(text: str) -> str:
    """``text`` without bidi embedding, override and isolate characters."""
    return text.translate(_CONTROLS)


def isolate(text: str) -> str:
    """Wrap user-provided text (a name, a city) in FSI ... PDI so it cannot scramble the line.

    Bidi controls inside ``text`` are removed first, so a name cannot leave an override open
    (U+202E) that reverses the rest of the reply. Empty text stays empty.
    """
    cleaned = strip_controls(text)
    return f"{FSI}{cleaned}{PDI}" if cleaned else cleaned


# Every right-to-left letter lies at or above Hebrew's block: below it, nothing to look up.
_FROM_HEBREW = re.compile("[\u0590-\U0010ffff]")


def contains_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Arabic, Hebrew, Syriac, Thaana...)."""
    return any(
        unicodedata.bidirectional(found.group()) in ("R", "AL")
        for found in _FROM_HEBREW.finditer(text)
    )


def is_rtl(locale: str | None = None) -> bool:
    """Whether ``locale`` (default: the request's) is written right to left, per CLDR."""
    return _right_to_left((locale or current_locale()).replace("-", "_"))


@lru_cache(maxsize=256)
def _right_to_left(tag: str) -> bool:
    try:
        return str(Locale.parse(tag).text_direction) == "rtl"
    except (ValueError, TypeError, UnknownLocaleError):
        return False


def isolate_for(text: str, locale: str | None = None) -> str:
    """Isolate ``text`` where it matters: in a right-to-left reply, or when ``text`` itself
    holds right-to-left letters (an Arabic name in a French reply). Otherwise leave it as is,
    so plain Latin replies stay byte-for-byte what they were."""
    if is_rtl(locale) or contains_rtl(text):
        return isolate(text)
    return strip_controls(text)
