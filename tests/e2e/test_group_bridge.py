"""Issue #4, done when: one group mapped on a Telegram group, a Slack channel and a Discord
channel, bridged by the three real adapters at once (python-telegram-bot polling the fake Bot
API, Bolt taking signed Events API callbacks, discord.py on the fake gateway) and the real
delivery Worker with the three senders. Messages, replies and edits cross every way; a banned
member's messages do not, and their accounts are taken out of the three channels; nobody is
pinged and no markup comes through."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from bots.discord import DiscordSender
from bots.slack import SlackSender
from bots.telegram import TelegramSender
from core.bootstrap import App
from core.chat import ChatKind, Incoming
from core.db.models import Member, OutboxMessage, PlatformAccount, RoleGrant
from core.delivery.limits import PlatformLimits
from core.delivery.worker import Worker
from core.directory.countries import ensure_countries
from core.domain import Platform, fold
from core.groups.relay import WORD_JOINER
from tests.discord.conftest import _restore_discord_endpoints, fake_discord, start_bot  # noqa: F401
from tests.discord.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from tests.discord.fake_discord import CHANNEL_ID as DISCORD_CHANNEL
from tests.discord.fake_discord import GUILD_ID, FakeDiscord, wait_for
from tests.slack.conftest import SlackServer, _listeners_done, fake_slack, slack  # noqa: F401
from tests.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.signing import event_body, sign
from tests.telegram.conftest import fake_api, polling_bot  # noqa: F401
from tests.telegram.fake_bot_api import BOT_TOKEN as TELEGRAM_TOKEN
from tests.telegram.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TELEGRAM_GROUP = -1002003004005
SLACK_CHANNEL = "C0TECH"
UNLIMITED = PlatformLimits(per_second=10_000)  # pacing is tested elsewhere; this is the bridge


@dataclass(frozen=True)
class Person:
    name: str
    telegram: int
    slack: str
    discord: str


ZOE = Person("Zoë Nguyễn", 5001, "UZOE", "1200000000000000101")
ANA = Person("Ana Souza", 5002, "UANA", "1200000000000000102")
LI = Person("Li Wei", 5003, "ULI", "1200000000000000103")


async def _add(app: App, person: Person, *, admin: bool = False) -> None:
    from core.domain import Role

    async with app.db.sessions.begin() as session:
        await ensure_countries(session, ["BR"])
        member = Member(
            full_name=person.name,
            name_key=fold(person.name),
            country_code="BR",
            preferred_language="en",
            search_document="",
        )
        session.add(member)
        await session.flush()
        for platform, workspace, user_id in (
            (Platform.CONSOLE, "", person.slack.lower()),
            (Platform.TELEGRAM, "", str(person.telegram)),
            (Platform.SLACK, TEAM_ID, person.slack),
            (Platform.DISCORD, GUILD_ID, person.discord),
        ):
            session.add(
                PlatformAccount(
                    platform=platform, workspace=workspace, user_id=user_id, member_id=member.id
                )
            )
        if admin:
            session.add(RoleGrant(member_id=member.id, role=Role.GLOBAL_ADMIN))


async def _console(app: App, person: Person, text: str, **kw: Any) -> None:
    [reply] = await app.dispatcher.handle(
        Incoming(platform=Platform.CONSOLE, user_id=person.slack.lower(), text=text, **kw)
    )
    assert not reply.error, reply.text


@pytest.fixture
async def bridged(app: App) -> App:
    for person in (ZOE, ANA, LI):
        await _add(app, person)
    await _console(
        app,
        ZOE,
        "",
        action="groups.create",
        payload="en",
        form_values={
            "name_en": "Tech Brasil",
            "description_en": "Tech",
            "kind": "sector",
            "country": "",
            "visibility": "open",
        },
    )
    await _console(app, ANA, "/join tech-brasil")
    await _console(app, LI, "/join tech-brasil")
    for platform, workspace, chat_id, user_id in (
        (Platform.TELEGRAM, "", str(TELEGRAM_GROUP), str(ZOE.telegram)),
        (Platform.SLACK, TEAM_ID, SLACK_CHANNEL, ZOE.slack),
        (Platform.DISCORD, GUILD_ID, DISCORD_CHANNEL, ZOE.discord),
    ):
        [reply] = await app.dispatcher.handle(
            Incoming(
                platform=platform,
                workspace=workspace,
                user_id=user_id,
                chat_id=chat_id,
                chat_kind=ChatKind.GROUP,
                text=f"/groups map tech-brasil link:https://{platform.value}.example/join",
            )
        )
        assert not reply.error, reply.text
    async with app.db.sessions.begin() as session:  # joining queued admissions: not our topic
        await session.execute(OutboxMessage.__table__.delete())
    return app


@dataclass
class Bridge:
    """The three platforms as their users see them, and the bot's calls to each."""

    app: App
    telegram: FakeBotApi
    slack_api: FakeSlack
    slack: SlackServer
    discord: FakeDiscord
    _events: itertools.count[int]
    _updates: itertools.count[int]

    # --- people act -------------------------------------------------------------------------
    async def on_telegram(
        self, who: Person, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any]:
        update = self.telegram.message_update(text, user_id=who.telegram, chat_id=TELEGRAM_GROUP)
        update["message"]["from"]["first_name"] = who.name
        if reply_to is not None:
            update["message"]["reply_to_message"] = self.telegram.messages[
                (TELEGRAM_GROUP, reply_to)
            ]
        await self.telegram.push(update)
        return dict(update["message"])

    async def edit_on_telegram(self, message: dict[str, Any], text: str) -> None:
        edited = {**message, "text": text, "edit_date": int(time.time())}
        await self.telegram.push({"update_id": next(self._updates), "edited_message": edited})

    async def on_slack(self, event: dict[str, Any]) -> None:
        body = event_body({"channel": SLACK_CHANNEL, "channel_type": "channel", **event})
        body = body.replace('"Ev0001"', f'"Ev{next(self._events):04d}"')
        status, _ = await self.slack.post(body, sign(body, content_type="application/json"))
        assert status == 200
        await _listeners_done()

    async def say_on_slack(self, who: Person, text: str, ts: str, thread: str = "") -> None:
        event = {"type": "message", "user": who.slack, "text": text, "ts": ts}
        await self.on_slack({**event, "thread_ts": thread} if thread else event)

    # --- what reached each platform ---------------------------------------------------------
    def telegram_copies(self) -> list[dict[str, Any]]:
        return [
            c.params for c in self.telegram.calls_to("sendMessage")
            if c.params["chat_id"] == TELEGRAM_GROUP
        ]  # fmt: skip

    def slack_copies(self) -> list[dict[str, Any]]:
        return list(self.slack_api.posted)

    def discord_copies(self) -> list[dict[str, Any]]:
        return self.discord.messages_in(DISCORD_CHANNEL)

    async def until(self, condition: Callable[[], object]) -> None:
        await wait_for(condition, within=10)
        await _drained(self.app)


async def _drained(app: App) -> None:
    """Until every outbox message is delivered or given up (and its result recorded)."""

    async def open_count() -> int:
        async with app.db.sessions() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.state.in_(("pending", "sending")))
            )
        return int(found or 0)

    for _ in range(1000):
        if await open_count() == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox did not drain")


@pytest.fixture
async def bridge(
    bridged: App,
    fake_api: FakeBotApi,  # noqa: F811
    polling_bot: object,  # noqa: F811
    fake_slack: FakeSlack,  # noqa: F811
    slack: SlackServer,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
) -> AsyncIterator[Bridge]:
    bot = await start_bot(bridged, fake_discord)
    senders = [
        TelegramSender(bridged, token=TELEGRAM_TOKEN, api_url=fake_api.api_url),
        SlackSender(bridged, token=SLACK_TOKEN, api_url=fake_slack.api_url),
        DiscordSender(bridged, token=DISCORD_TOKEN, api_url=fake_discord.api_url),
    ]
    stop = asyncio.Event()
    workers = []
    for sender in senders:
        sender.limits = UNLIMITED
        worker = Worker(
            bridged.db,
            sender,
            worker_id=f"e2e-{sender.platform.value}",
            clock=bridged.clock,
            now=time.monotonic,
            sleep=asyncio.sleep,
        )
        workers.append(asyncio.create_task(worker.run(stop, idle=0.01)))
    try:
        yield Bridge(
            bridged,
            fake_api,
            fake_slack,
            slack,
            fake_discord,
            itertools.count(1),
            itertools.count(50_000),
        )
    finally:
        stop.set()
        await asyncio.gather(*workers)
        for sender in senders:
            await sender.close()
        await bot.close()


def _one(items: list[dict[str, Any]], needle: str, key: str) -> dict[str, Any]:
    found = [item for item in items if needle in str(item.get(key, ""))]
    assert len(found) == 1, (needle, [item.get(key) for item in items])
    return found[0]


def _telegram_copy(bridge: Bridge, needle: str) -> dict[str, Any]:
    """The message the bot posted in the Telegram group whose text holds ``needle``."""
    [found] = [
        m for (chat, _), m in bridge.telegram.messages.items()
        if chat == TELEGRAM_GROUP and needle in m.get("text", "")
    ]  # fmt: skip
    return found


async def test_one_group_on_three_platforms_carries_messages_replies_edits_and_bans(
    bridge: Bridge,
) -> None:
    tg, sl, dc = bridge.telegram_copies, bridge.slack_copies, bridge.discord_copies

    # 1. One message from each platform reaches the two others, once, named and placed.
    ana_tg = await bridge.on_telegram(ANA, "Hello from <b>Telegram</b> @everyone")
    await bridge.say_on_slack(ZOE, "<!channel> Meetup on *Friday* <@ULI>", ts="1700.000100")
    li_dc = await bridge.discord.guild_message(
        "Hi from Discord @here <@&1> ||spoiler||", user_id=LI.discord
    )
    await bridge.until(lambda: len(tg()) == 2 and len(sl()) == 2 and len(dc()) == 2)

    tg_from_slack = _one(tg(), "Zoë Nguyễn (Slack)", "text")
    _one(tg(), "Li Wei (Discord)", "text")
    sl_from_telegram = _one(sl(), "Ana Souza (Telegram)", "text")
    sl_from_discord = _one(sl(), "Li Wei (Discord)", "text")
    dc_from_telegram = _one(dc(), "Ana Souza (Telegram)", "content")
    dc_from_slack = _one(dc(), "Zoë Nguyễn (Slack)", "content")
    assert {c["channel"] for c in sl()} == {SLACK_CHANNEL}
    # nothing came back to its origin
    assert not any("(Telegram)" in c["text"] for c in tg())
    assert not any("(Slack)" in c["text"] for c in sl())
    assert not any("(Discord)" in m["content"] for m in dc())

    # hostile markup stays text, and nobody is pinged
    assert "&lt;b&gt;Telegram&lt;/b&gt;" in sl_from_telegram["text"]
    assert "<b>Telegram</b>" in dc_from_telegram["content"]  # HTML is mere text on Discord
    assert f"@{WORD_JOINER}everyone" in sl_from_telegram["text"]
    assert f"@{WORD_JOINER}channel" in tg_from_slack["text"]
    assert "*Friday*" not in dc_from_slack["content"]  # Discord Markdown escaped
    for copies in (tg(), sl(), dc()):
        seen = repr(copies)  # the word joiner shows as \u2060: a mention left whole would not
        for mention in ("@everyone", "@here", "@channel", "<!channel>", "<@&1>", "<@ULI>"):
            assert mention not in seen, (mention, seen)
    posts = bridge.discord.calls_to("POST", "/channels/{channel_id}/messages")
    assert posts and all(c.body["allowed_mentions"] == {"parse": []} for c in posts)

    # 2. A reply stays a reply on every platform: from Slack (a thread) ...
    await bridge.say_on_slack(ZOE, "Welcome Ana!", ts="1700.000200", thread=sl_from_telegram["ts"])
    await bridge.until(lambda: len(tg()) == 3 and len(dc()) == 3)
    assert (
        _one(tg(), "Welcome Ana!", "text")["reply_parameters"]["message_id"]
        == (ana_tg["message_id"])
    )
    answer_dc = _one(dc(), "Welcome Ana!", "content")
    assert answer_dc["message_reference"]["message_id"] == dc_from_telegram["id"]

    # ... from Telegram (answering a copy) ...
    li_copy_tg = _telegram_copy(bridge, "Hi from Discord")
    await bridge.on_telegram(ANA, "Nice to meet you Li", reply_to=li_copy_tg["message_id"])
    await bridge.until(lambda: len(sl()) == 3 and len(dc()) == 4)
    assert _one(sl(), "Nice to meet you Li", "text")["thread_ts"] == sl_from_discord["ts"]
    answer_dc = _one(dc(), "Nice to meet you Li", "content")
    assert answer_dc["message_reference"]["message_id"] == li_dc

    # ... and from Discord.
    await bridge.discord.guild_message(
        "Count me in", user_id=LI.discord, reply_to=dc_from_slack["id"]
    )
    await bridge.until(lambda: len(tg()) == 4 and len(sl()) == 4)
    zoe_copy_tg = _telegram_copy(bridge, "Meetup on")
    assert (
        _one(tg(), "Count me in", "text")["reply_parameters"]["message_id"]
        == (zoe_copy_tg["message_id"])
    )
    assert _one(sl(), "Count me in", "text")["thread_ts"] == "1700.000100"

    # 3. An edit follows on every platform: from Telegram ...
    patch = "/channels/{channel_id}/messages/{message_id}"
    await bridge.edit_on_telegram(ana_tg, "Hello from Telegram, edited")
    await bridge.until(
        lambda: bridge.slack_api.called("chat.update") and bridge.discord.calls_to("PATCH", patch)
    )
    [update] = bridge.slack_api.called("chat.update")
    assert update.params["ts"] == sl_from_telegram["ts"]
    assert update.params["channel"] == SLACK_CHANNEL
    assert "Ana Souza (Telegram): Hello from Telegram, edited" in update.params["text"]
    [edited] = [m for m in dc() if m["id"] == dc_from_telegram["id"]]
    assert "Hello from Telegram, edited" in edited["content"]

    # ... from Slack and from Discord.
    await bridge.on_slack(
        {
            "type": "message",
            "subtype": "message_changed",
            "event_ts": "1700.000900",
            "message": {"user": ZOE.slack, "text": "Meetup on Saturday", "ts": "1700.000100"},
            "previous_message": {"user": ZOE.slack, "text": "x", "ts": "1700.000100"},
        }
    )
    await bridge.discord.guild_message_update(li_dc, "Hi from Discord, edited", user_id=LI.discord)
    await bridge.until(lambda: len(bridge.telegram.calls_to("editMessageText")) == 2)
    edits = {
        c.params["message_id"]: c.params["text"]
        for c in bridge.telegram.calls_to("editMessageText")
    }
    assert "Meetup on Saturday" in edits[zoe_copy_tg["message_id"]]
    assert "Hi from Discord, edited" in edits[li_copy_tg["message_id"]]
    assert [c.params["ts"] for c in bridge.slack_api.called("chat.update")][1:] == [
        sl_from_discord["ts"]
    ]
    assert any("Meetup on Saturday" in m["content"] for m in dc())

    # 4. A banned member is taken out of the three channels, and no longer relayed.
    await _console(bridge.app, ZOE, f"/groups ban tech-brasil {LI.name}")
    await bridge.until(lambda: bridge.slack_api.called("conversations.kick"))
    assert (TELEGRAM_GROUP, LI.telegram) in bridge.telegram.banned
    assert bridge.telegram.calls_to("unbanChatMember") == []  # a ban keeps them out
    [kick] = bridge.slack_api.called("conversations.kick")
    assert kick.params == {"channel": SLACK_CHANNEL, "user": LI.slack}
    overwrite = bridge.discord.overwrites[(DISCORD_CHANNEL, LI.discord)]
    assert overwrite["type"] == 1 and int(overwrite["deny"]) & (1 << 10)

    counts = (len(tg()), len(sl()))
    await bridge.discord.guild_message("I am still here", user_id=LI.discord)
    await bridge.discord.guild_message("a marker after the ban", user_id=ANA.discord)
    await bridge.until(lambda: (len(tg()), len(sl())) == (counts[0] + 1, counts[1] + 1))
    assert "I am still here" not in repr(tg()) + repr(sl())

    # In all, each message crossed once to each other channel.
    assert (len(tg()), len(sl()), len(dc())) == (5, 5, 4)
