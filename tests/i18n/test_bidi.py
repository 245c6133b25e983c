"""Right-to-left: user text is isolated so mixed scripts do not scramble a reply."""

from __future__ import annotations

import unicodedata

import pytest

from core.i18n import gettext, use_locale
from core.i18n.bidi import FSI, PDI, contains_rtl, is_rtl, isolate, isolate_for, strip_controls


def test_isolate_wraps_user_text_in_first_strong_isolate_and_pop() -> None:
    assert isolate("Zoé Nguyễn") == "\u2068Zoé Nguyễn\u2069"
    assert isolate("محمد") == f"{FSI}محمد{PDI}"


def test_isolate_leaves_empty_text_empty() -> None:
    assert isolate("") == ""


def test_isolate_removes_overrides_a_name_could_use_to_reverse_the_reply() -> None:
    spoof = "Ali\u202eevil\u202c"
    assert isolate(spoof) == f"{FSI}Alievil{PDI}"
    assert strip_controls("a\u2066b\u2067c\u2068d\u2069e\u202af\u202bg\u202dh") == "abcdefgh"


def test_isolated_names_stay_balanced_inside_an_arabic_reply() -> None:
    with use_locale("ar"):
        text = gettext("Welcome, {name}!", name=isolate("Marie Curie"))
    assert text.count(FSI) == text.count(PDI) == 1
    assert text.index(FSI) < text.index("Marie Curie") < text.index(PDI)


RTL_TAGS = ["ar", "ar-EG", "ar_MA", "he", "fa"]
LTR_TAGS = ["fr", "en", "zh_Hans", "vi", "xx-bogus"]


@pytest.mark.parametrize(
    ("locale", "rtl"), [*((t, True) for t in RTL_TAGS), *((t, False) for t in LTR_TAGS)]
)
def test_is_rtl_follows_cldr(locale: str, rtl: bool) -> None:
    assert is_rtl(locale) is rtl


def test_is_rtl_defaults_to_the_request_locale() -> None:
    with use_locale("ar"):
        assert is_rtl()
    with use_locale("fr"):
        assert not is_rtl()


def test_contains_rtl_spots_arabic_and_hebrew_letters_only() -> None:
    assert contains_rtl("Rabat - الرباط")
    assert contains_rtl("שלום")
    assert not contains_rtl("Zoé 2019 ©")


def test_isolate_for_wraps_in_arabic_sessions_and_rtl_names_only() -> None:
    assert isolate_for("Zoé", "ar") == f"{FSI}Zoé{PDI}"
    assert isolate_for("محمد", "fr") == f"{FSI}محمد{PDI}"
    assert isolate_for("Zoé", "fr") == "Zoé"


def test_contains_rtl_agrees_with_the_bidi_class_of_every_code_point() -> None:
    """Letters below Hebrew's block are skipped without a lookup: none of them is R or AL."""
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates are not characters
        char = chr(code)
        expected = unicodedata.bidirectional(char) in ("R", "AL")
        assert contains_rtl(f"Zoë {char} 2019") is expected, hex(code)
