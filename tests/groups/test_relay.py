"""The bridge: one group mapped on Telegram, Slack and Discord (console-level Incomings with
each platform's ids). A message in any channel is queued once for each other channel, never
for its own; redeliveries, bans, edits, deletions, replies and mentions."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.bootstrap import App
from core.chat import ChatKind, Incoming, Reply
from core.db.models import GroupRelay, OutboxMessage
from core.domain import Platform
from core.groups.relay import (
    WORD_JOINER,
    Source,
    delivery_context,
    neutralise,
    relay_batch,
    relay_delete,
    relay_edit,
    relay_incoming,
)
from tests.groups.conftest import (
    CHANNELS,
    People,
    create_group,
    in_channel,
    map_everywhere,
    say,
)


@pytest.fixture
async def bridged(app: App, people: People) -> App:
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    await say(app, people.other, "/join tech-brasil")
    await map_everywhere(app, people.owner, "tech-brasil")
    return app


async def _post(
    app: App,
    platform: Platform,
    person: str,
    text: str,
    message_id: str,
    reply_to: str | None = None,
) -> list[Reply]:
    return await relay_incoming(
        app,
        in_channel(platform, person, text, is_message=True),
        message_id=message_id,
        reply_to=reply_to,
    )


async def _queued(app: App, kind: str = "relay") -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
        return list(rows.all())


def _where(row: OutboxMessage) -> Platform:
    return Platform(row.platform)


@pytest.mark.parametrize("source", list(CHANNELS))
async def test_a_message_in_any_channel_is_queued_once_for_each_other_channel(
    bridged: App, people: People, source: Platform
) -> None:
    replies = await _post(bridged, source, people.owner, "Olá! Who is at the meetup?", "m1")
    assert replies == []  # nothing answers in the source channel
    rows = await _queued(bridged)
    assert sorted(_where(r) for r in rows) == sorted(p for p in CHANNELS if p is not source)
    for row in rows:
        assert (row.workspace, row.chat_id) == CHANNELS[_where(row)]
        reply = Reply.from_dict(row.reply)
        label = {"telegram": "Telegram", "slack": "Slack", "discord": "Discord"}[source.value]
        assert reply.text == f"Zoë Nguyễn ({label}): Olá! Who is at the meetup?"
        assert reply.is_public
        assert row.reply["relay"]["source"]["message_id"] == "m1"


async def test_a_redelivered_update_is_relayed_once(bridged: App, people: People) -> None:
    await _post(bridged, Platform.TELEGRAM, people.member, "once", "42")
    await _post(bridged, Platform.TELEGRAM, people.member, "once", "42")
    assert len(await _queued(bridged)) == 2
    # the same id in another chat is another message
    await _post(bridged, Platform.SLACK, people.member, "once", "42")
    assert len(await _queued(bridged)) == 4
    async with bridged.db.sessions() as session:
        assert len((await session.scalars(select(GroupRelay.id))).all()) == 2


async def test_a_banned_members_messages_are_not_relayed(bridged: App, people: People) -> None:
    await _post(bridged, Platform.DISCORD, people.other, "before", "1")
    [banned] = await say(bridged, people.owner, "/groups ban tech-brasil li")
    assert not banned.error, banned.text
    await _post(bridged, Platform.DISCORD, people.other, "after", "2")
    await _post(bridged, Platform.SLACK, people.other, "elsewhere", "3")
    texts = [Reply.from_dict(r.reply).text for r in await _queued(bridged)]
    assert texts == ["Li Wei (Discord): before"] * 2
    edited = await relay_edit(
        bridged,
        in_channel(Platform.DISCORD, people.other, "edited", is_message=True),
        message_id="1",
    )
    assert edited == 0  # nor are a banned member's edits


async def test_people_without_a_profile_are_relayed_under_their_platform_name(
    bridged: App,
) -> None:
    incoming = in_channel(Platform.SLACK, "guest", "hi", is_message=True, display_name="Guest")
    await relay_incoming(bridged, incoming, message_id="1700000000.000100")
    texts = {Reply.from_dict(r.reply).text for r in await _queued(bridged)}
    assert texts == {"Guest (Slack): hi"}


async def test_unmapped_chats_commands_and_messages_without_an_id_are_not_relayed(
    bridged: App, people: People
) -> None:
    await relay_incoming(bridged, in_channel(Platform.SLACK, people.owner, "/help"), message_id="1")
    await relay_incoming(
        bridged, in_channel(Platform.SLACK, people.owner, "no id", is_message=True)
    )
    await relay_incoming(
        bridged, in_channel(Platform.SLACK, people.owner, "   ", is_message=True), message_id="2"
    )
    elsewhere = Incoming(
        platform=Platform.SLACK,
        user_id="UZOE",
        workspace="T0ALUMNI",
        chat_id="C0RANDOM",
        chat_kind=ChatKind.GROUP,
        text="hello",
        is_message=True,
    )
    await relay_incoming(bridged, elsewhere, message_id="3")
    assert await _queued(bridged) == []


async def test_an_edit_is_followed_on_every_copy_once(bridged: App, people: People) -> None:
    await _post(bridged, Platform.SLACK, people.member, "Meetup at 7", "1700000000.1")
    copies = await _queued(bridged)
    async with bridged.db.sessions.begin() as session:  # the senders delivered the copies
        for n, copy in enumerate(copies):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == copy.id)
                .values(state="sent", platform_message_id=f"sent-{n}")
            )
    edit = in_channel(Platform.SLACK, people.member, "Meetup at 8", is_message=True)
    assert await relay_edit(bridged, edit, message_id="1700000000.1", edit_id="e1") == 2
    assert await relay_edit(bridged, edit, message_id="1700000000.1", edit_id="e1") == 0
    edits = await _queued(bridged, "relay_edit")
    assert {_where(e) for e in edits} == {Platform.TELEGRAM, Platform.DISCORD}
    for edit_row in edits:
        assert Reply.from_dict(edit_row.reply).text == "Ana Souza (Slack): Meetup at 8"
        async with bridged.db.sessions() as session:
            context = await delivery_context(session, edit_row.key)
        assert context is not None and context.edit_of is not None
        assert context.edit_of.startswith("sent-")
    unknown = in_channel(Platform.SLACK, people.member, "x", is_message=True)
    assert await relay_edit(bridged, unknown, message_id="never-relayed") == 0

    assert await relay_delete(bridged, edit, message_id="1700000000.1") == 2
    assert len(await _queued(bridged, "relay_delete")) == 2


async def test_a_reply_stays_a_reply_on_every_platform(bridged: App, people: People) -> None:
    await _post(bridged, Platform.TELEGRAM, people.owner, "Question?", "100")
    copies = {_where(r): r for r in await _queued(bridged)}
    async with bridged.db.sessions.begin() as session:  # Slack got its copy: ts 1700.5
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == copies[Platform.SLACK].id)
            .values(state="sent", platform_message_id="1700.5")
        )
    # On Slack, Ana answers the relayed copy in its thread
    await _post(bridged, Platform.SLACK, people.member, "Answer!", "1700.9", reply_to="1700.5")
    answers = {
        _where(r): r for r in await _queued(bridged) if r.id not in {c.id for c in copies.values()}
    }
    assert set(answers) == {Platform.TELEGRAM, Platform.DISCORD}
    # Telegram: a reply to Zoë's original message 100
    assert answers[Platform.TELEGRAM].reply["relay"]["reply_to"] == {
        "key": None,
        "message_id": "100",
    }
    # Discord: a reply to the Discord copy, whose id the sender knows once it has sent it
    discord_ref = answers[Platform.DISCORD].reply["relay"]["reply_to"]
    assert discord_ref["key"] == copies[Platform.DISCORD].key
    async with bridged.db.sessions.begin() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == copies[Platform.DISCORD].id)
            .values(state="sent", platform_message_id="555")
        )
    async with bridged.db.sessions() as session:
        context = await delivery_context(session, answers[Platform.DISCORD].key)
        assert context is not None and context.reply_to == "555"
        plain = await delivery_context(session, "broadcast:1:1")
        assert plain is None
    async with bridged.db.sessions() as session:
        relays = (await session.scalars(select(GroupRelay).order_by(GroupRelay.id))).all()
    assert relays[1].reply_to_id == relays[0].id


@pytest.mark.parametrize(
    "hostile",
    [
        "@everyone free money",
        "@here look",
        "hey @channel",
        "<!channel> urgent",
        "<!here|here> and <!everyone>",
        "ping <@U024BE7LH> and <@!80351110224678912> and <@&165511591545143296>",
        "＠everyone fullwidth",
    ],
)
def test_mentions_are_neutralised(hostile: str) -> None:
    safe = neutralise(hostile)
    for dangerous in ("@everyone", "@here", "@channel", "<!", "<@"):
        assert dangerous not in safe
    assert safe.replace(WORD_JOINER, "") == hostile.replace("＠", "@")  # reads the same


def test_e_mail_addresses_and_plain_text_are_left_alone() -> None:
    assert neutralise("write to zoe@example.org, 3 < 4") == "write to zoe@example.org, 3 < 4"
    assert neutralise("x\u202egnp.exe") == "xgnp.exe"  # no bidi override survives


async def test_hostile_markup_and_mentions_are_relayed_harmless(
    bridged: App, people: People
) -> None:
    await _post(bridged, Platform.DISCORD, people.member, "@everyone <b>hi</b> <!channel>", "9")
    for row in await _queued(bridged):
        text = Reply.from_dict(row.reply).text
        assert "@everyone" not in text and "<!channel>" not in text
        assert "<b>hi</b>" in text  # plain text: each adapter escapes its own markup


async def test_a_reply_written_in_the_same_batch_as_its_message_stays_a_reply(
    bridged: App, people: People
) -> None:
    workspace, chat = CHANNELS[Platform.DISCORD]
    first, answer, other = (
        Source("discord", workspace, chat, "d1", "d-zoe", text="Who comes?"),
        Source("discord", workspace, chat, "d2", "d-ana", text="Me!", reply_to="d1"),
        Source("discord", workspace, chat, "d3", "d-li", text="Me too", reply_to="d1"),
    )
    async with bridged.db.sessions.begin() as session:  # one batch, as under load
        results = await relay_batch(session, [first, answer, other], now=bridged.clock.now())
    assert [r.queued for r in results] == [2, 2, 2]
    async with bridged.db.sessions() as session:
        relays = {r.source_message_id: r for r in await session.scalars(select(GroupRelay))}
    assert relays["d2"].reply_to_id == relays["d1"].id
    assert relays["d3"].reply_to_id == relays["d1"].id
