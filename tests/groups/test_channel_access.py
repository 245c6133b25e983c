"""Members who leave a group, or are removed or banned from it, are taken out of its mapped
channels where the platform allows it, through the outbox; members who join have what a
removal left lifted. Each platform's sender against its fake; refusals fail one message,
logged and counted, and crash nothing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bots.discord import DiscordSender
from bots.slack import SlackSender
from bots.telegram import TelegramSender
from core.bootstrap import App
from core.chat import Reply
from core.clock import FakeClock
from core.db.models import Group, OutboxMessage, PlatformAccount
from core.delivery import Target
from core.delivery.senders import Delivery, Outcome
from core.delivery.worker import Worker
from core.domain import Platform
from core.groups.access import MEMBERSHIP_KIND, ChannelAction, ChannelMembership
from tests.discord.conftest import _restore_discord_endpoints, fake_discord  # noqa: F401
from tests.discord.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from tests.discord.fake_discord import FakeDiscord
from tests.slack.conftest import fake_slack  # noqa: F401
from tests.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.slack.fake_slack import FakeSlack
from tests.telegram.conftest import fake_api  # noqa: F401
from tests.telegram.fake_bot_api import BOT_TOKEN as TELEGRAM_TOKEN
from tests.telegram.fake_bot_api import FakeBotApi

from .conftest import CHANNELS, People, create_group, map_everywhere, people, press, say, user_id

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

_ = people  # a fixture
TELEGRAM_GROUP = -100200300
OVERWRITE = "/channels/{channel_id}/permissions/{target}"


@pytest.fixture
async def group(app: App, people: People) -> App:
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await map_everywhere(app, people.owner, "tech-brasil")
    await say(app, people.member, "/join tech-brasil")
    return app


async def _queued(app: App) -> list[OutboxMessage]:
    async with app.db.sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == MEMBERSHIP_KIND)
            .order_by(OutboxMessage.id)
        )
        return list(rows.all())


def _instructions(rows: list[OutboxMessage]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (r.platform.value, r.chat_id, r.reply["membership"]["action"], _who(r)) for r in rows
    )


def _who(row: OutboxMessage) -> str:
    return str(row.reply["membership"]["user_id"])


def _on_each_platform(action: str, person: str) -> list[tuple[str, str, str, str]]:
    return sorted(
        (platform.value, chat_id, action, user_id(platform, person))
        for platform, (_workspace, chat_id) in CHANNELS.items()
    )


# --- what is queued --------------------------------------------------------------------------
async def test_joining_queues_an_admission_to_each_mapped_channel(
    group: App, people: People
) -> None:
    assert _instructions(await _queued(group)) == _on_each_platform("admit", people.member)


async def test_leaving_queues_a_removal_from_each_channel_and_once_per_membership(
    group: App, people: People, clock: FakeClock
) -> None:
    await say(group, people.member, "/leave tech-brasil")
    removals = [r for r in await _queued(group) if r.reply["membership"]["action"] == "remove"]
    assert _instructions(removals) == _on_each_platform("remove", people.member)

    async with group.db.sessions.begin() as session:  # the senders carried them out
        await session.execute(update(OutboxMessage).values(state="sent"))
    clock.advance(dt.timedelta(milliseconds=1))
    await say(group, people.member, "/join tech-brasil")  # a new membership, removed anew
    await say(group, people.member, "/leave tech-brasil")
    removals = [r for r in await _queued(group) if r.reply["membership"]["action"] == "remove"]
    assert len(removals) == 6
    assert len({r.key for r in removals}) == 6


async def test_rejoining_withdraws_a_removal_still_waiting_so_it_cannot_go_out_after(
    group: App, people: People, clock: FakeClock
) -> None:
    async with group.db.sessions.begin() as session:
        await session.execute(delete(OutboxMessage))
    await say(group, people.member, "/leave tech-brasil")  # the removals wait (a 5xx, say)
    clock.advance(dt.timedelta(milliseconds=1))
    await say(group, people.member, "/join tech-brasil")
    assert _instructions(await _queued(group)) == _on_each_platform("admit", people.member)


async def test_a_member_without_an_account_on_a_platform_gets_nothing_queued_there(
    group: App, people: People
) -> None:
    async with group.db.sessions.begin() as session:
        await session.execute(
            delete(PlatformAccount).where(
                PlatformAccount.user_id.in_(
                    [
                        user_id(Platform.SLACK, people.member),
                        user_id(Platform.DISCORD, people.member),
                    ]
                )
            )
        )
        await session.execute(delete(OutboxMessage))
    await say(group, people.member, "/leave tech-brasil")
    assert _instructions(await _queued(group)) == [
        ("telegram", CHANNELS[Platform.TELEGRAM][1], "remove", user_id(Platform.TELEGRAM, "ana"))
    ]


async def test_a_ban_queues_a_ban_in_each_channel(group: App, people: People) -> None:
    async with group.db.sessions.begin() as session:
        await session.execute(delete(OutboxMessage))
    [reply] = await say(group, people.owner, "/groups ban tech-brasil Ana Souza")
    assert not reply.error, reply.text
    assert _instructions(await _queued(group)) == _on_each_platform("ban", people.member)


async def test_a_withdrawn_request_queues_nothing_and_an_approval_admits(
    app: App, people: People
) -> None:
    await create_group(app, people.owner, "Closed club", "c", visibility="closed")
    await map_everywhere(app, people.owner, "closed-club")
    await say(app, people.other, "/join closed-club")  # a request: in no channel yet
    await say(app, people.other, "/leave closed-club")
    assert await _queued(app) == []

    await say(app, people.other, "/join closed-club")  # asked again, and approved: admitted
    async with app.db.sessions() as session:
        group_id = await session.scalar(select(Group.id).where(Group.slug == "closed-club"))
        member_id = await session.scalar(
            select(PlatformAccount.member_id).where(
                PlatformAccount.user_id == user_id(Platform.CONSOLE, people.other)
            )
        )
    [reply] = await press(app, people.owner, "groups.approve", f"{group_id}:{member_id}")
    assert not reply.error, reply.text
    assert _instructions(await _queued(app)) == _on_each_platform("admit", people.other)


# --- what each platform is told ------------------------------------------------------------
def _change(platform: Platform, chat_id: str, action: ChannelAction, who: str) -> Delivery:
    workspace = {"telegram": "", "slack": "T0ALUMNI", "discord": "1100000000000000003"}
    return Delivery(
        id=1,
        key=f"{MEMBERSHIP_KIND}:{action}:1:1:1:0",
        target=Target(platform, chat_id, workspace[platform.value]),
        reply=Reply(),
        attempt=1,
        kind=MEMBERSHIP_KIND,
        extras={"membership": {"action": action.value, "user_id": who, "group_id": 1}},
    )


def test_a_plain_message_carries_no_channel_instruction() -> None:
    plain = Delivery(id=1, key="k", target=Target(Platform.SLACK, "C1"), reply=Reply(), attempt=1)
    assert ChannelMembership.of(plain) is None


@pytest.fixture
async def telegram(app: App, fake_api: FakeBotApi) -> AsyncIterator[TelegramSender]:  # noqa: F811
    sender = TelegramSender(app, token=TELEGRAM_TOKEN, api_url=fake_api.api_url)
    yield sender
    await sender.close()


async def test_telegram_bans_for_a_ban_and_bans_then_unbans_for_a_removal(
    fake_api: FakeBotApi,  # noqa: F811
    telegram: TelegramSender,
) -> None:
    chat = str(TELEGRAM_GROUP)
    banned = await telegram.send(_change(Platform.TELEGRAM, chat, ChannelAction.BAN, "42"))
    assert banned.outcome is Outcome.SENT
    assert (TELEGRAM_GROUP, 42) in fake_api.banned
    assert fake_api.calls_to("unbanChatMember") == []

    removed = await telegram.send(_change(Platform.TELEGRAM, chat, ChannelAction.REMOVE, "43"))
    assert removed.outcome is Outcome.SENT
    assert [c.method for c in fake_api.calls if c.params.get("user_id") == 43] == [
        "banChatMember",
        "unbanChatMember",
    ]
    [unban] = fake_api.calls_to("unbanChatMember")
    assert unban.params["only_if_banned"] is True
    assert (TELEGRAM_GROUP, 43) not in fake_api.banned  # out, and free to come back


async def test_telegram_without_admin_rights_fails_the_removal_logged_and_counted(
    app: App,
    clock: FakeClock,
    fake_api: FakeBotApi,  # noqa: F811
    telegram: TelegramSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_api.fail(
        "banChatMember",
        400,
        description="Bad Request: not enough rights to restrict/ban chat member",
    )
    await _enqueue(app, _change(Platform.TELEGRAM, str(TELEGRAM_GROUP), ChannelAction.BAN, "42"))
    caplog.set_level(logging.WARNING)
    worker = _worker(app, clock, telegram)
    assert await worker.run_once() == 1
    assert worker.stats.failed == 1
    [row] = await _queued(app)
    assert row.state == "failed" and "not enough rights" in (row.last_error or "").lower()
    assert "cannot ban a group member" in caplog.text


@pytest.fixture
async def slack_sender(app: App, fake_slack: FakeSlack) -> SlackSender:  # noqa: F811
    return SlackSender(app, token=SLACK_TOKEN, api_url=fake_slack.api_url)


async def test_slack_kicks_from_the_channel_and_invites_back_already_done_is_done(
    fake_slack: FakeSlack,  # noqa: F811
    slack_sender: SlackSender,
) -> None:
    kicked = await slack_sender.send(_change(Platform.SLACK, "C0TECH", ChannelAction.BAN, "UANA"))
    assert kicked.outcome is Outcome.SENT
    [kick] = fake_slack.called("conversations.kick")
    assert kick.params == {"channel": "C0TECH", "user": "UANA"}

    fake_slack.fail_next("conversations.kick", status=200, error="not_in_channel")
    again = await slack_sender.send(_change(Platform.SLACK, "C0TECH", ChannelAction.REMOVE, "UANA"))
    assert again.outcome is Outcome.SENT

    invited = await slack_sender.send(
        _change(Platform.SLACK, "C0TECH", ChannelAction.ADMIT, "UANA")
    )
    assert invited.outcome is Outcome.SENT
    [invite] = fake_slack.called("conversations.invite")
    assert invite.params == {"channel": "C0TECH", "users": "UANA"}


async def test_slack_without_the_scope_fails_the_removal_and_a_429_waits(
    fake_slack: FakeSlack,  # noqa: F811
    slack_sender: SlackSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    fake_slack.fail_next("conversations.kick", status=200, error="missing_scope")
    refused = await slack_sender.send(_change(Platform.SLACK, "C0TECH", ChannelAction.BAN, "U1"))
    assert refused.outcome is Outcome.FAILED and "missing_scope" in refused.detail
    assert "cannot ban a channel member" in caplog.text
    fake_slack.fail_next("conversations.kick", status=429, retry_after=3)
    limited = await slack_sender.send(_change(Platform.SLACK, "C0TECH", ChannelAction.BAN, "U1"))
    assert limited.outcome is Outcome.RATE_LIMITED and limited.retry_after == 3


@pytest.fixture
async def discord_sender(
    app: App,
    fake_discord: FakeDiscord,  # noqa: F811
) -> AsyncIterator[DiscordSender]:
    sender = DiscordSender(app, token=DISCORD_TOKEN, api_url=fake_discord.api_url)
    yield sender
    await sender.close()


async def test_discord_denies_the_channel_with_a_member_overwrite_and_lifts_it_on_joining(
    fake_discord: FakeDiscord,  # noqa: F811
    discord_sender: DiscordSender,
) -> None:
    channel, member = "1100000000000000004", "1200000000000000555"
    left = await discord_sender.send(
        _change(Platform.DISCORD, channel, ChannelAction.REMOVE, member)
    )
    assert left.outcome is Outcome.SENT
    [put] = fake_discord.calls_to("PUT", OVERWRITE)
    assert put.path.endswith(f"/channels/{channel}/permissions/{member}")
    assert put.body == {"id": member, "allow": "0", "deny": str(1 << 10), "type": 1}

    back = await discord_sender.send(
        _change(Platform.DISCORD, channel, ChannelAction.ADMIT, member)
    )
    assert back.outcome is Outcome.SENT
    assert (channel, member) not in fake_discord.overwrites
    never_removed = await discord_sender.send(
        _change(Platform.DISCORD, channel, ChannelAction.ADMIT, "1200000000000000556")
    )
    assert never_removed.outcome is Outcome.SENT  # no overwrite to lift (404): nothing to do


async def test_discord_without_manage_permissions_fails_the_removal_logged(
    fake_discord: FakeDiscord,  # noqa: F811
    discord_sender: DiscordSender,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    fake_discord.fail("PUT", OVERWRITE, 403, code=50013)
    refused = await discord_sender.send(
        _change(Platform.DISCORD, "1100000000000000004", ChannelAction.BAN, "1200000000000000555")
    )
    assert refused.outcome is Outcome.FAILED and "50013" in refused.detail
    assert "cannot ban a channel member" in caplog.text
    fake_discord.fail("PUT", OVERWRITE, 404, code=10003)
    gone = await discord_sender.send(
        _change(Platform.DISCORD, "1100000000000000004", ChannelAction.BAN, "1200000000000000555")
    )
    assert gone.outcome is Outcome.UNREACHABLE


# --- helpers ---------------------------------------------------------------------------------
async def _enqueue(app: App, delivery: Delivery) -> None:
    from core.delivery import enqueue

    async with app.db.sessions.begin() as session:
        await enqueue(
            session,
            key=delivery.key,
            kind=delivery.kind,
            target=delivery.target,
            reply=delivery.reply,
            now=app.clock.now(),
            extras=dict(delivery.extras),
        )


def _worker(app: App, clock: FakeClock, sender: Any) -> Worker:
    async def no_sleep(_seconds: float) -> None:
        return None

    return Worker(
        app.db,
        sender,
        worker_id="w1",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=no_sleep,
    )
