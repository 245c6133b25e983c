"""Platform locale tags (Telegram, Slack, Discord) land on the right catalog."""

from __future__ import annotations

import pytest

from core.i18n import normalize_locale, use_locale


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("ar", "ar"),
        ("ar-EG", "ar"),
        ("ar_MA", "ar"),
        ("zh", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh_Hans", "zh_Hans"),
        ("zh-hans", "zh_Hans"),  # Telegram sends lower case
        ("zh-Hans-CN", "zh_Hans"),
        ("zh-SG", "zh_Hans"),
        # No Traditional catalog: Simplified is readable for Traditional readers, English is
        # not necessarily; a member who prefers English says so with /lang.
        ("zh-TW", "zh_Hans"),
        ("zh-Hant", "zh_Hans"),
        ("pt-BR", "pt_BR"),
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("es", "es"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("es-MX", "es"),
        ("de", "de"),
        ("de-AT", "de"),
        ("de-CH", "de"),
        ("it", "it"),
        ("it-CH", "it"),
        ("vi", "vi"),
        ("vi-VN", "vi"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr-CA", "fr"),
        ("ja", None),
        ("ko", None),
    ],
)
def test_platform_tags_map_onto_our_catalogs(tag: str, expected: str | None) -> None:
    assert normalize_locale(tag) == expected


def test_a_chinese_session_speaks_simplified_chinese() -> None:
    from core.i18n import gettext

    with use_locale("zh-CN") as chosen:
        assert chosen == "zh_Hans"
        assert gettext("Next") == "下一页"
