"""Replies as Telegram messages: escaping, splitting, keyboards; and the command menu."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.telegram import (
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    keyboard,
    menu_commands,
    render_reply,
    split_html,
)
from core.bootstrap import build_registry
from core.chat import Attachment, Button, Card, Field, Pager, Reply
from core.chat.callbacks import TOKEN_PREFIX
from core.i18n import catalogs, gettext, use_locale

EVIL = '<b>Eve</b> & <a href="x">'
TOKEN = TOKEN_PREFIX + "A" * 22  # what CallbackStore.issue hands out: 24 characters


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _tags_balance(chunk: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([a-z]+)[^>]*>", chunk):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _entities_whole(chunk: str) -> bool:
    return all(re.match(r"&(#\d+|#x[0-9a-fA-F]+|[a-z]+);", chunk[i:]) for i in _amps(chunk))


def _amps(chunk: str) -> list[int]:
    return [m.start() for m in re.finditer("&", chunk)]


def _visible(chunk: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", chunk))


def _squeeze(text: str) -> str:
    """Without white space: a cut drops the line end or keeps the space it fell on."""
    return re.sub(r"\s", "", text)


# --- escaping ---------------------------------------------------------------------------------
def test_every_string_of_a_card_is_escaped() -> None:
    reply = Reply(
        text=EVIL,
        cards=(Card(title=EVIL, subtitle=EVIL, body=EVIL, fields=(Field(EVIL, EVIL),)),),
        pager=Pager(label=EVIL),
    )
    [message] = render_reply(reply, {}).messages
    escaped = "&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt;"
    assert message.text.count(escaped) == 7
    assert "<a" not in message.text and "<b>Eve" not in message.text
    assert f"<b>{escaped}</b>\n<i>{escaped}</i>\n{escaped}\n<b>{escaped}</b>: {escaped}" in (
        message.text
    )
    assert message.params["parse_mode"] == "HTML"


def test_a_card_title_links_only_to_web_addresses() -> None:
    safe = Card(title="Site", url="https://example.org/?a=1&b=2")
    unsafe = Card(title="Script", url="javascript:alert(1)")
    [message] = render_reply(Reply(cards=(safe, unsafe)), {}).messages
    assert '<a href="https://example.org/?a=1&amp;b=2"><b>Site</b></a>' in message.text
    assert "javascript" not in message.text


def test_an_error_is_marked() -> None:
    [message] = render_reply(Reply(text="No.", error=True), {}).messages
    assert message.text == "⚠️ No."


# --- splitting --------------------------------------------------------------------------------
def test_short_text_is_one_message() -> None:
    assert split_html("<b>a</b>\nb") == ["<b>a</b>\nb"]
    assert split_html("") == []


def test_a_long_reply_is_split_on_line_ends_under_4096() -> None:
    lines = [f"line {i:05d} " + "x" * 80 for i in range(200)]  # about 18,000 characters
    chunks = split_html("\n".join(lines))
    assert len(chunks) == 5
    assert all(_units(c) <= MAX_TEXT for c in chunks)
    assert "\n".join(chunks) == "\n".join(lines)  # cut exactly at line ends


def test_a_split_never_breaks_a_tag_or_an_entity_and_reopens_tags() -> None:
    body = "a &amp; b " * 1000  # one 10,000-character line inside <i>
    chunks = split_html(f"<b>Title</b>\n<i>{body}</i>")
    assert len(chunks) >= 3
    for chunk in chunks:
        assert _units(chunk) <= MAX_TEXT
        assert _tags_balance(chunk), chunk[:80]
        assert _entities_whole(chunk)
    assert chunks[1].startswith("<i>") and chunks[1].endswith("</i>")
    assert _squeeze("".join(_visible(c) for c in chunks)) == _squeeze(_visible(f"Title{body}"))


def test_splitting_counts_utf16_units_as_telegram_does() -> None:
    chunks = split_html("😀" * 3000)  # 6,000 UTF-16 units
    assert [_units(c) for c in chunks] == [4096, 1904]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "b", "i", "code"]),
            st.text(alphabet=st.sampled_from(list("ab <>&\"'é😀\n")), max_size=60),
        ),
        max_size=12,
    ),
    st.integers(min_value=40, max_value=120),
)
def test_any_escaped_text_splits_into_balanced_pieces_that_keep_every_character(
    parts: list[tuple[str, str]], limit: int
) -> None:
    source = "\n".join(
        f"<{tag}>{html.escape(text)}</{tag}>" if tag else html.escape(text) for tag, text in parts
    )
    chunks = split_html(source, limit)
    for chunk in chunks:
        assert _units(chunk) <= limit
        assert _tags_balance(chunk)
        assert _entities_whole(chunk)
        assert _visible(chunk).strip()
    assert _squeeze("".join(_visible(c) for c in chunks)) == _squeeze(_visible(source))


def test_the_keyboard_rides_on_the_last_piece() -> None:
    reply = Reply(text="\n".join("y" * 100 for _ in range(60)), buttons=(Button("Go", "a"),))
    messages = render_reply(reply, {("a", ""): TOKEN}).messages
    assert len(messages) == 2
    assert messages[0].reply_markup is None
    assert messages[1].reply_markup is not None


# --- keyboards --------------------------------------------------------------------------------
def test_buttons_become_an_inline_keyboard_with_the_pager_on_one_row() -> None:
    reply = Reply(
        text="Results",
        cards=(Card(title="A", buttons=(Button("Contact", "contact", "1"),)),),
        buttons=(Button("Site", url="https://example.org"), Button("More", "more", "x")),
        pager=Pager(
            label="Page 2",
            previous=Button("Previous", "search.page", "c1"),
            next=Button("Next", "search.page", "c3"),
        ),
    )
    tokens = {
        ("contact", "1"): TOKEN_PREFIX + "c" * 22,
        ("more", "x"): TOKEN_PREFIX + "m" * 22,
        ("search.page", "c1"): TOKEN_PREFIX + "p" * 22,
        ("search.page", "c3"): TOKEN_PREFIX + "n" * 22,
    }
    markup = keyboard(reply, tokens)
    assert markup is not None
    rows = markup.to_dict()["inline_keyboard"]
    assert rows == [
        [{"text": "Contact", "callback_data": tokens[("contact", "1")]}],
        [
            {"text": "Site", "url": "https://example.org"},
            {"text": "More", "callback_data": tokens[("more", "x")]},
        ],
        [
            {"text": "Previous", "callback_data": "p:" + tokens[("search.page", "c1")]},
            {"text": "Next", "callback_data": "p:" + tokens[("search.page", "c3")]},
        ],
    ]
    for row in rows:
        for button in row:
            assert len(button.get("callback_data", "").encode()) <= MAX_CALLBACK_DATA


def test_a_long_payload_still_travels_as_a_short_token() -> None:
    payload = "é" * 500
    reply = Reply(buttons=(Button("Go", "search.page", payload),))
    markup = keyboard(reply, {("search.page", payload): TOKEN})
    assert markup is not None
    [[button]] = markup.inline_keyboard
    assert button.callback_data == TOKEN
    assert payload not in str(markup.to_dict())


def test_a_button_label_is_plain_text_and_a_bad_link_is_dropped() -> None:
    reply = Reply(buttons=(Button(EVIL, "a"), Button("x", url="javascript:alert(1)")))
    markup = keyboard(reply, {("a", ""): TOKEN})
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [[EVIL]]


def test_a_reply_with_only_buttons_still_has_text() -> None:
    [message] = render_reply(Reply(buttons=(Button("Go", "a"),)), {("a", ""): TOKEN}).messages
    assert message.text == "…"


def test_attachments_become_documents() -> None:
    attachment = Attachment("data.json", b"{}", "application/json")
    rendered = render_reply(Reply(attachments=(attachment,)), {})
    assert rendered.messages == ()
    assert rendered.documents == (attachment,)


# --- the command menu -------------------------------------------------------------------------
def test_the_menu_has_a_default_and_one_list_per_language_with_available_commands() -> None:
    registry = build_registry()
    menus = menu_commands(registry)
    available = [c.name for c in registry if c.available]
    assert None in menus and "fr" in menus
    assert set(menus) - {None} <= {locale.split("_")[0] for locale in catalogs.available()}
    for commands in menus.values():
        assert [c.command for c in commands] == available
        assert all(re.fullmatch(r"[a-z0-9_]{1,32}", c.command) for c in commands)
        assert all(1 <= len(c.description) <= 256 for c in commands)
    with use_locale("fr"):
        french = {c.command: c.description for c in menus["fr"]}
        assert french["help"] == gettext("List the commands, or explain one")
    english = {c.command: c.description for c in menus[None]}
    assert english["help"] == "List the commands, or explain one"


@pytest.mark.parametrize("limit", [3, 5])
def test_a_limit_too_small_for_the_markup_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match="too small"):
        split_html("<b>abcdef</b>", limit)
