"""Hostile input: arbitrary unicode, control characters, 100 kB texts, every platform's markup,
mention syntax, SQL and full-text operators, zero-width and right-to-left override characters,
sent to every command as a member would type it: no crash, always an answer; and each
platform's renderer shows such text literally, pinging nobody."""

from __future__ import annotations

import json
import logging
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from bots.discord.render import render_message as discord_message
from bots.slack.render import render_message as slack_message
from bots.telegram.render import render_reply as telegram_reply
from core.bootstrap import App
from core.chat import Reply
from core.chat.replies import Card, Field
from core.db.models import Member
from core.demo.data import DEMO_EMAIL
from tests.helpers import account_for, say

PIECES = [
    "@everyone", "@here", "@\u200beveryone", "\uff20everyone", "<!channel>", "<!here>",
    "<!everyone>", "<@U123>", "<@&123>", "<@!42>", "<#C123>", "<https://x.test|click>",
    "<b>", "</i>", "<a href='javascript:x'>", "&amp;", "&#60;", "*bold*", "_it_", "`c`", "```",
    "~~s~~", "||sp||", "> quote", "[x](https://e.test)", "' OR 1=1 --", "'; DROP TABLE members;",
    '"', "NEAR(a b)", "a* OR b", "AND", "NOT", "^", "-x", "col:val", "%", "_", "\\", "\\\\",
    "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u2069", "\x00", "\x1b[31m",
    "\x7f", "\n", "\r\n", "\t", "\u0085", "\u2028", "😀", "👨‍👩‍👧", "é", "ﷺ", "𝕏",
]  # fmt: skip

hostile = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=12).map("".join),
)

INTERNAL_ERROR = "command failed"  # what the dispatcher logs when a command crashes


def _commands(app: App) -> list[str]:
    lines = []
    for command in app.registry:
        lines.append(command.name)
        lines.extend(f"{command.name} {sub.name}" for sub in command.subcommands)
    return sorted(lines)


def _answered(replies: list[Reply]) -> bool:
    return bool(replies) and all(r.text or r.cards or r.form or r.attachments for r in replies)


@pytest.fixture
async def member(seeded: App) -> str:
    """The demo member, reading Arabic: an untranslated answer shows at once."""
    async with seeded.db.sessions.begin() as session:
        await session.execute(
            update(Member).where(Member.email == DEMO_EMAIL).values(preferred_language="ar")
        )
    return await account_for(seeded, DEMO_EMAIL)


_ARABIC = re.compile(r"[\u0600-\u06ff]")


def _translated(replies: list[Reply]) -> bool:
    """Every refusal and explanation is in the member's language."""
    return all(_ARABIC.search(r.text) for r in replies if r.error)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_every_command_answers_any_text_without_crashing(
    seeded: App, member: str, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    command = data.draw(st.sampled_from(_commands(seeded)), label="command")
    text = data.draw(hostile, label="text")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        replies = await say(seeded, member, f"/{command} {text}")
    assert not [r for r in caplog.records if INTERNAL_ERROR in r.getMessage()]
    assert _answered(replies), (command, text)
    assert _translated(replies), (command, text, replies)


async def test_every_command_answers_a_100_kb_text(
    seeded: App, member: str, caplog: pytest.LogCaptureFixture
) -> None:
    huge = ("".join(PIECES) * 200)[:100_000]
    for command in _commands(seeded):
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            replies = await say(seeded, member, f"/{command} {huge}")
            answer = await say(seeded, member, huge, is_message=True)  # an open form's answer
        assert not [r for r in caplog.records if INTERNAL_ERROR in r.getMessage()], command
        assert _answered(replies) and _answered(answer), command
        assert _translated(replies) and _translated(answer), command


def _reply(text: str) -> Reply:
    return Reply(text=text, cards=(Card(title=text, body=text, fields=(Field(text, text),)),))


_TELEGRAM_TAG = re.compile(r"</?(b|i|u|s|code|pre|blockquote)>|<a href=\"[^\"<>]*\">|</a>")
_SLACK_PING = re.compile(r"<[!@#]")


@settings(max_examples=300, deadline=None)
@given(hostile.filter(str.strip))
def test_renderers_show_hostile_text_literally_and_ping_nobody(text: str) -> None:
    reply = _reply(text)
    for message in telegram_reply(reply, {}).messages:
        assert "<" not in _TELEGRAM_TAG.sub("", message.text)  # only the renderer's own tags
    rendered = slack_message(reply, {})
    slack = json.dumps([rendered.text, rendered.blocks], ensure_ascii=False)
    assert not _SLACK_PING.search(slack)
    discord = discord_message(reply, {})
    assert discord["allowed_mentions"] == {"parse": []}
    shown = json.dumps([discord["content"], discord["embeds"]], ensure_ascii=False)
    assert "@everyone" not in shown and "@here" not in shown
