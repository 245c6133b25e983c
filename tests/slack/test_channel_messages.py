"""Messages in Slack channels, through Bolt's real event path (signed Events API callbacks):
a mapped channel's messages, edits and deletions reach the group's other channels; the
bot's own copies, other bots and service messages never loop back; a direct message gets
the hint; Slack's markup becomes plain text for the other platforms."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select, update

from bots.slack.render import plain_text
from core.bootstrap import App
from core.chat import Reply
from core.db.models import OutboxMessage
from core.groups.relay import WORD_JOINER
from tests.groups.conftest import People, create_group, map_everywhere, people, say  # noqa: F401

from .conftest import SlackServer, _listeners_done
from .fake_slack import BOT_ID, FakeSlack
from .signing import event_body, sign

CHANNEL = "C0TECH"
_events = itertools.count(1)


async def _event(slack: SlackServer, event: dict[str, Any]) -> None:
    body = event_body({"channel": CHANNEL, "channel_type": "channel", **event})
    body = body.replace('"Ev0001"', f'"Ev{next(_events):04d}"')  # one id per delivery
    status, _ = await slack.post(body, sign(body, content_type="application/json"))
    assert status == 200
    await _listeners_done()


async def _queued(app: App, kind: str = "relay") -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return list(rows.all())


@pytest.fixture
async def bridged(app: App, people: People) -> App:  # noqa: F811
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    await map_everywhere(app, people.owner, "tech-brasil")
    return app


async def test_a_channel_message_is_relayed_to_telegram_and_discord_as_plain_text(
    bridged: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    fake_slack.names["UZOE"] = "Zoë"
    text = "Hi <@UZOE> &amp; all: see <https://example.org/meetup|the meetup> &lt;3"
    await _event(slack, {"type": "message", "user": "UANA", "text": text, "ts": "1700.000100"})
    rows = await _queued(bridged)
    assert sorted(r.platform for r in rows) == ["discord", "telegram"]
    for row in rows:
        assert Reply.from_dict(row.reply).text == (
            f"Ana Souza (Slack): Hi @{WORD_JOINER}Zoë & all: "  # a mention, but it pings nobody
            "see the meetup (https://example.org/meetup) <3"
        )


async def test_the_bots_own_copies_other_bots_and_service_messages_are_not_relayed(
    bridged: App, slack: SlackServer
) -> None:
    for event in (
        {"type": "message", "bot_id": BOT_ID, "text": "Li (Telegram): hi", "ts": "1.1"},
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B0OTHER",
            "text": "x",
            "ts": "1.2",
        },
        {
            "type": "message",
            "subtype": "channel_join",
            "user": "UANA",
            "text": "joined",
            "ts": "1.3",
        },
        {"type": "message", "user": "UANA", "text": "   ", "ts": "1.4"},
    ):
        await _event(slack, event)
    assert await _queued(bridged) == []


async def test_a_thread_reply_is_relayed_as_a_reply_to_the_threads_message(
    bridged: App, slack: SlackServer
) -> None:
    await _event(slack, {"type": "message", "user": "UANA", "text": "Who comes?", "ts": "5.1"})
    await _event(
        slack,
        {"type": "message", "user": "UZOE", "text": "Me!", "ts": "5.2", "thread_ts": "5.1"},
    )
    rows = await _queued(bridged)
    assert len(rows) == 4
    answers = [r for r in rows if "Me!" in Reply.from_dict(r.reply).text]
    assert {r.reply["relay"]["source"]["message_id"] for r in answers} == {"5.2"}
    async with bridged.db.sessions() as session:
        from core.db.models import GroupRelay

        relays = {r.source_message_id: r for r in await session.scalars(select(GroupRelay))}
    assert relays["5.2"].reply_to_id == relays["5.1"].id


async def test_edits_and_deletions_in_slack_follow_the_copies(
    bridged: App, slack: SlackServer
) -> None:
    await _event(slack, {"type": "message", "user": "UANA", "text": "Meetup at 7", "ts": "7.1"})
    async with bridged.db.sessions.begin() as session:  # the senders delivered the copies
        for n, copy in enumerate(await _queued(bridged)):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == copy.id)
                .values(state="sent", platform_message_id=f"sent-{n}")
            )
    unchanged = {"user": "UANA", "text": "Meetup at 7", "ts": "7.1"}
    await _event(  # an unfurl: same text, nothing to follow
        slack,
        {
            "type": "message",
            "subtype": "message_changed",
            "event_ts": "7.2",
            "message": {**unchanged, "attachments": [{"title": "x"}]},
            "previous_message": unchanged,
        },
    )
    assert await _queued(bridged, "relay_edit") == []
    await _event(
        slack,
        {
            "type": "message",
            "subtype": "message_changed",
            "event_ts": "7.3",
            "message": {"user": "UANA", "text": "Meetup at 8", "ts": "7.1"},
            "previous_message": unchanged,
        },
    )
    edits = await _queued(bridged, "relay_edit")
    assert sorted(e.platform for e in edits) == ["discord", "telegram"]
    assert {Reply.from_dict(e.reply).text for e in edits} == {"Ana Souza (Slack): Meetup at 8"}
    await _event(
        slack,
        {
            "type": "message",
            "subtype": "message_deleted",
            "deleted_ts": "7.1",
            "previous_message": {"user": "UANA", "text": "Meetup at 8", "ts": "7.1"},
        },
    )
    assert sorted(d.platform for d in await _queued(bridged, "relay_delete")) == [
        "discord",
        "telegram",
    ]


async def test_a_direct_message_gets_the_hint_in_the_users_language(
    bridged: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    fake_slack.locales["UANA"] = "pt-BR"
    await say(bridged, "ana", "/lang en")  # a saved choice wins over Slack's locale
    await _event(
        slack,
        {"type": "message", "user": "UANA", "text": "hello?", "ts": "9.1", "channel": "D0ANA",
         "channel_type": "im"},
    )  # fmt: skip
    [posted] = await fake_slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "UANA"
    assert "/alumni help" in posted.params["text"]
    assert await _queued(bridged) == []


def test_slack_markup_becomes_what_readers_saw() -> None:
    assert plain_text("<!channel> &lt;b&gt;") == "@channel <b>"
    assert plain_text("<!subteam^S1|@devs> <#C1|general>") == "@@devs #general"
    assert plain_text("<mailto:a@b.org|a@b.org> <https://x.org>") == "a@b.org https://x.org"
    assert plain_text("<@U1>", {"U1": "Ana"}) == "@Ana" and plain_text("<@U2>") == "@U2"
