"""Messages in a Telegram group through python-telegram-bot's real polling path: a mapped
group's messages carry their id into the relay, replies stay replies, edits follow the
copies, photos and documents cross as a marker and their caption, and bots are not
relayed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from core.bootstrap import App
from core.chat import Reply
from core.db.models import GroupRelay, Member, OutboxMessage, PlatformAccount
from core.domain import Platform
from tests.groups.conftest import (  # noqa: F401 - people is a fixture
    CHANNELS,
    People,
    create_group,
    map_everywhere,
    people,
    queued,
    say,
    settled,
)

from .conftest import RunningBot
from .fake_bot_api import FakeBotApi

ANA = 5001
GROUP_CHAT = int(CHANNELS[Platform.TELEGRAM][1])


@pytest.fixture
async def bridged(app: App, people: People) -> App:  # noqa: F811
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.full_name == "Ana Souza"))
        session.add(
            PlatformAccount(platform=Platform.TELEGRAM, user_id=str(ANA), member_id=member_id)
        )
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    await map_everywhere(app, people.owner, "tech-brasil")
    return app


async def test_group_messages_replies_and_edits_reach_slack_and_discord(
    bridged: App, polling_bot: RunningBot, fake_api: FakeBotApi
) -> None:
    first = await fake_api.push_message("Who comes on Friday?", user_id=ANA, chat_id=GROUP_CHAT)
    await settled(bridged, "relay", 2)
    answer = fake_api.message_update("Me!", user_id=ANA, chat_id=GROUP_CHAT)
    answer["message"]["reply_to_message"] = first["message"]
    await fake_api.push(answer)
    await settled(bridged, "relay", 4)
    async with bridged.db.sessions() as session:
        relays = {r.text: r for r in await session.scalars(select(GroupRelay))}
        copies = list(await session.scalars(select(OutboxMessage)))
    assert relays["Me!"].reply_to_id == relays["Who comes on Friday?"].id
    assert relays["Who comes on Friday?"].source_message_id == str(first["message"]["message_id"])
    assert {Reply.from_dict(c.reply).text for c in copies if c.kind == "relay"} == {
        "Ana Souza (Telegram): Who comes on Friday?",
        "Ana Souza (Telegram): Me!",
    }
    assert fake_api.sent_texts(GROUP_CHAT) == []  # nothing echoes in the source group

    async with bridged.db.sessions.begin() as session:  # the senders delivered the copies
        await session.execute(
            update(OutboxMessage).values(state="sent", platform_message_id=OutboxMessage.key)
        )
    edited = {
        **first["message"],
        "text": "Who comes on Saturday?",
        "edit_date": int(dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()),
    }
    await fake_api.push({"update_id": 10_000, "edited_message": edited})
    await settled(bridged, "relay_edit", 2)


async def test_messages_of_bots_in_the_group_are_not_relayed(
    bridged: App, polling_bot: RunningBot, fake_api: FakeBotApi
) -> None:
    robot = fake_api.user(7007, is_bot=True)
    await fake_api.push(
        fake_api.message_update("beep", user_id=7007, chat_id=GROUP_CHAT, user=robot)
    )
    await fake_api.push_message("a marker, relayed", user_id=ANA, chat_id=GROUP_CHAT)
    await settled(bridged, "relay", 2)  # updates are handled in order: only the marker
    async with bridged.db.sessions() as session:
        texts = {r.text for r in await session.scalars(select(GroupRelay))}
    assert texts == {"a marker, relayed"}


async def test_photos_and_documents_are_relayed_as_a_marker_and_their_caption(
    bridged: App, polling_bot: RunningBot, fake_api: FakeBotApi
) -> None:
    photo = fake_api.message_update("", user_id=ANA, chat_id=GROUP_CHAT)
    del photo["message"]["text"]
    photo["message"]["photo"] = [
        {"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}
    ]
    photo["message"]["caption"] = "Our <b>stand</b> at the fair"
    await fake_api.push(photo)
    document = fake_api.message_update("", user_id=ANA, chat_id=GROUP_CHAT)
    del document["message"]["text"]
    document["message"]["document"] = {
        "file_id": "d1", "file_unique_id": "ud1", "file_name": "slides.pdf"
    }  # fmt: skip
    await fake_api.push(document)
    await settled(bridged, "relay", 4)
    async with bridged.db.sessions() as session:
        texts = {
            Reply.from_dict(c.reply).text for c in await session.scalars(select(OutboxMessage))
        }
    assert texts == {
        "Ana Souza (Telegram): 📷 Our <b>stand</b> at the fair",  # plain: escaped when sent
        "Ana Souza (Telegram): 📎 slides.pdf",
    }

    async with bridged.db.sessions.begin() as session:  # the senders delivered the copies
        await session.execute(
            update(OutboxMessage).values(state="sent", platform_message_id=OutboxMessage.key)
        )
    edited = {
        **photo["message"],
        "caption": "Our stand at the fair, hall B",
        "edit_date": int(dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()),
    }
    await fake_api.push({"update_id": 10_000, "edited_message": edited})
    await settled(bridged, "relay_edit", 2)
    async with bridged.db.sessions() as session:
        edits = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "relay_edit")
        )
        assert {Reply.from_dict(e.reply).text for e in edits} == {
            "Ana Souza (Telegram): 📷 Our stand at the fair, hall B"
        }
