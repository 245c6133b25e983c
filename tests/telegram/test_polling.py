"""The real python-telegram-bot Application, long polling the fake Bot API."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from bots.telegram.runner import default_concurrency
from core.bootstrap import App
from core.chat import (
    Arguments,
    Audience,
    Command,
    CommandContext,
    Param,
    ParamKind,
    Permission,
    Reply,
)
from core.db.models import Member
from core.demo.data import DEMO_EMAIL
from core.directory.linking import CLAIM, issue_code
from core.i18n import catalogs, gettext, use_locale

from .conftest import RunningBot, link_telegram_account, start_polling_bot
from .fake_bot_api import BOT_USERNAME, Call, FakeBotApi, wait_for

MEMBER = 5001  # a Telegram user id
STRANGER = 5002
GROUP = -100777


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    """label -> callback_data of a sent message's inline keyboard."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


async def _next_send(fake: FakeBotApi, chat_id: int, after: int) -> Call:
    """The first sendMessage to ``chat_id`` beyond the first ``after`` ones."""
    await wait_for(lambda: len(_sends(fake, chat_id)) > after)
    return _sends(fake, chat_id)[after]


def _pager(message: dict[str, Any]) -> list[str]:
    """The callback data of the previous/next buttons (the ones that edit in place)."""
    return [data for data in _buttons(message).values() if data.startswith("p:")]


def _in_every_language(msgid: str) -> set[str]:
    found = set()
    for locale in catalogs.available():
        with use_locale(locale):
            found.add(gettext(msgid))
    return found


def _sends(fake: FakeBotApi, chat_id: int) -> list[Call]:
    return [c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == chat_id]


async def test_help_gets_one_html_message_listing_the_commands(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await fake_api.push_message("/help", user_id=STRANGER)
    sent = await _next_send(fake_api, STRANGER, 0)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"].startswith("Commands you can use:")
    assert "/privacy — " in sent.params["text"]
    assert sent.params["link_preview_options"] == {"is_disabled": True}


async def test_the_command_menu_is_set_in_english_by_default_and_in_french(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    menus = {c.params.get("language_code"): c.params for c in fake_api.calls_to("setMyCommands")}
    available = [c.name for c in app.registry if c.available]
    assert None in menus and "fr" in menus
    for params in menus.values():
        assert [c["command"] for c in params["commands"]] == available
    default = {c["command"]: c["description"] for c in menus[None]["commands"]}
    french = {c["command"]: c["description"] for c in menus["fr"]["commands"]}
    assert default["search"] == "Search the alumni directory"
    with use_locale("fr"):
        assert french["search"] == gettext("Search the alumni directory")
    assert french["search"] != default["search"]


async def test_a_linked_member_searching_zoe_nguyen_gets_her_card(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await link_telegram_account(seeded, DEMO_EMAIL, MEMBER)
    await fake_api.push_message("/search zoe nguyen", user_id=MEMBER)
    sent = await _next_send(fake_api, MEMBER, 0)
    assert "<b>Zoë Nguyễn</b>" in sent.params["text"]


async def test_a_claim_code_deep_link_links_the_account_then_search_works(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    async with seeded.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == DEMO_EMAIL))
        assert member_id is not None
        code = await issue_code(session, member_id, CLAIM, now=seeded.clock.now())
    await fake_api.push_message(f"/start {code}", user_id=MEMBER)
    await _next_send(fake_api, MEMBER, 0)
    await fake_api.push_message("/search zoe nguyen", user_id=MEMBER)
    sent = await _next_send(fake_api, MEMBER, 1)
    assert "<b>Zoë Nguyễn</b>" in sent.params["text"]


async def test_next_edits_the_search_results_in_place(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await link_telegram_account(seeded, DEMO_EMAIL, MEMBER)
    await fake_api.push_message("/search sector:digital", user_id=MEMBER)
    first = await _next_send(fake_api, MEMBER, 0)
    assert first.params["text"].endswith(" 1</i>")  # "Page 1", in the member's language
    page_one = fake_api.last_message(MEMBER)
    [next_data] = _pager(page_one)
    assert next_data.startswith(("p:s:", "p:t:")) and len(next_data.encode()) <= 64

    await fake_api.push_callback(next_data, user_id=MEMBER, message=page_one)
    await wait_for(lambda: fake_api.calls_to("editMessageText"))
    [edit] = fake_api.calls_to("editMessageText")
    assert edit.params["chat_id"] == MEMBER
    assert edit.params["message_id"] == page_one["message_id"]
    assert edit.params["text"].endswith(" 2</i>")
    [previous] = _pager(fake_api.last_message(MEMBER))  # the last page: no next
    assert previous.startswith(("p:s:", "p:t:")) and previous != next_data
    assert len(fake_api.calls_to("answerCallbackQuery")) == 1
    assert len(_sends(fake_api, MEMBER)) == 1  # edited, not sent again


async def test_a_forged_button_is_refused_and_nothing_else_is_sent(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await link_telegram_account(seeded, DEMO_EMAIL, MEMBER)
    await fake_api.push_callback("p:t:forgedforgedforgedforg", user_id=MEMBER)
    await wait_for(lambda: fake_api.calls_to("answerCallbackQuery"))
    [answer] = fake_api.calls_to("answerCallbackQuery")
    assert answer.params["text"] in _in_every_language(
        "This button is no longer valid. Send the command again."
    )
    assert answer.params["show_alert"] is True
    # updates are handled in order: once /help is answered, the press was fully handled
    await fake_api.push_message("/help", user_id=MEMBER)
    await _next_send(fake_api, MEMBER, 0)
    assert len(fake_api.calls_to("sendMessage")) == 1
    assert not fake_api.calls_to("editMessageText")


async def test_a_french_stranger_is_told_in_french_that_search_is_for_members(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await fake_api.push_message("/search x", user_id=STRANGER, language_code="fr")
    sent = await _next_send(fake_api, STRANGER, 0)
    assert "réservé aux membres" in sent.params["text"]
    assert sent.params["text"].startswith("⚠️ ")


async def test_a_private_reply_to_a_group_command_goes_to_the_private_chat(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await fake_api.push_message(f"/help@{BOT_USERNAME}", user_id=STRANGER, chat_id=GROUP)
    sent = await _next_send(fake_api, STRANGER, 0)
    assert sent.params["text"].startswith("Commands you can use:")
    assert _sends(fake_api, GROUP) == []


async def test_a_user_who_never_opened_the_bot_gets_a_hint_in_the_group(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    fake_api.fail("sendMessage", 403, chat_id=STRANGER)
    await fake_api.push_message("/help", user_id=STRANGER, chat_id=GROUP, language_code="fr")
    hint = await _next_send(fake_api, GROUP, 0)
    assert f"@{BOT_USERNAME}" in hint.params["text"]
    with use_locale("fr"):
        expected = gettext(
            "I cannot write to you privately yet: open a private chat with @{bot}, press "
            "Start, then send the command again.",
            bot=BOT_USERNAME,
        )
    assert hint.params["text"] == expected
    assert _sends(fake_api, STRANGER) == []


async def test_plain_text_in_a_private_chat_gets_a_hint_and_in_a_group_nothing(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await fake_api.push_message("hello there", user_id=STRANGER, chat_id=GROUP)
    await fake_api.push_message("hello", user_id=STRANGER)
    sent = await _next_send(fake_api, STRANGER, 0)
    assert sent.params["text"] == "I answer commands: send /help to see them."
    assert _sends(fake_api, GROUP) == []


async def test_an_unknown_command_in_a_private_chat_gets_the_core_answer(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await fake_api.push_message("/serch zoe", user_id=STRANGER)
    sent = await _next_send(fake_api, STRANGER, 0)
    assert "Did you mean /search?" in sent.params["text"]


async def test_onboarding_step_by_step_escapes_a_name_full_of_html(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    """/start asks one field per message; buttons skip; the member then finds themself."""
    evil = '<b>Eve</b> & <a href="x">'
    await fake_api.push_message("/start", user_id=STRANGER)
    await _next_send(fake_api, STRANGER, 1)  # the welcome, then the first question
    answers = [evil, "BR"]
    while True:
        count = len(_sends(fake_api, STRANGER))
        question = fake_api.last_message(STRANGER)
        buttons = _buttons(question)
        if answers:
            await fake_api.push_message(answers.pop(0), user_id=STRANGER)
        elif "Yes, list me" in buttons:
            await fake_api.push_callback(
                buttons["Yes, list me"], user_id=STRANGER, message=question
            )
            break
        else:
            assert "Skip" in buttons, question["text"]
            await fake_api.push_callback(buttons["Skip"], user_id=STRANGER, message=question)
        await _next_send(fake_api, STRANGER, count)
    welcome = await _next_send(fake_api, STRANGER, count)
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt;" in welcome.params["text"]

    await fake_api.push_message("/search eve", user_id=STRANGER)
    found = await _next_send(fake_api, STRANGER, count + 1)
    text = found.params["text"]
    assert "<b>&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;a href=&quot;x&quot;&gt;</b>" in text
    assert "<a " not in text and "<b>Eve" not in text


async def test_export_sends_the_data_as_a_document(
    seeded: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    await link_telegram_account(seeded, DEMO_EMAIL, MEMBER)
    await fake_api.push_message("/export", user_id=MEMBER)
    await wait_for(lambda: fake_api.calls_to("sendDocument"))
    [document] = fake_api.calls_to("sendDocument")
    assert document.params["chat_id"] == MEMBER
    assert document.params["document"]["filename"] == "france-alumni-data.json"
    assert document.params["document"]["content"].startswith(b"{")


async def test_any_command_of_the_registry_works_without_telegram_code(
    app: App, fake_api: FakeBotApi
) -> None:
    """A command declared in core only: it gets a handler, a menu entry, and public replies
    go to the group."""

    async def ping(_ctx: CommandContext, args: Arguments) -> Reply:
        return Reply(text=f"pong {args['text']}", audience=Audience.PUBLIC)

    app.registry.add(
        Command(
            name="testping",
            help="Answer pong",
            handler=ping,
            permission=Permission.ANYONE,
            params=(Param("text", "What to echo", kind=ParamKind.TEXT),),
        )
    )
    running = await start_polling_bot(app, fake_api)
    try:
        await fake_api.push_message("/testping a <b>", user_id=STRANGER, chat_id=GROUP)
        sent = await _next_send(fake_api, GROUP, 0)
    finally:
        await running.shutdown()
    assert sent.params["text"] == "pong a &lt;b&gt;"
    menus = fake_api.calls_to("setMyCommands")
    assert all("testping" in [c["command"] for c in m.params["commands"]] for m in menus)


async def test_a_slow_command_of_one_member_does_not_hold_up_another_member(
    app: App, fake_api: FakeBotApi
) -> None:
    """Chats are handled at the same time; one chat's updates still in the order they came."""
    released = asyncio.Event()

    async def slow(_ctx: CommandContext, _args: Arguments) -> Reply:
        await released.wait()
        return Reply(text="slow done")

    app.registry.add(
        Command(name="testslow", help="Wait", handler=slow, permission=Permission.ANYONE)
    )
    running = await start_polling_bot(app, fake_api, concurrency=4)
    try:
        await fake_api.push_message("/testslow", user_id=MEMBER)
        await fake_api.push_message("/help", user_id=MEMBER)  # waits behind /testslow
        await fake_api.push_message("/help", user_id=STRANGER)
        await _next_send(fake_api, STRANGER, 0)
        assert _sends(fake_api, MEMBER) == []
        released.set()
        await _next_send(fake_api, MEMBER, 1)
    finally:
        await running.shutdown()
    first, second = fake_api.sent_texts(MEMBER)
    assert first == "slow done"
    assert second.startswith("Commands you can use:")


async def test_sqlite_handles_one_chat_at_a_time_and_postgresql_several(
    app: App, is_postgres: bool
) -> None:
    """SQLite has one writer: concurrent updates there end in "database is locked"."""
    assert default_concurrency(app) == (32 if is_postgres else 1)
