"""The delivery engine's Slack sender against the fake Slack Web API: what reaches the
channel, and how each answer of Slack becomes an outcome for the Worker."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bots.slack import SlackSender
from core.bootstrap import App
from core.chat import Button, Card, Reply
from core.clock import FakeClock
from core.db.models import OutboxMessage
from core.delivery import Target, enqueue
from core.delivery.senders import Delivery, Outcome
from core.delivery.worker import Worker
from core.domain import Platform

from .fake_slack import BOT_TOKEN, TEAM_ID, FakeSlack

CHANNEL = "C0ALUMNI1"
USER = "U0ZOE0001"
POST = "chat.postMessage"


@pytest.fixture
async def sender(app: App, fake_slack: FakeSlack) -> AsyncIterator[SlackSender]:
    made = SlackSender(app, token=BOT_TOKEN, api_url=fake_slack.api_url)
    try:
        yield made
    finally:
        await made.close()


def delivery(reply: Reply, target: Target | None = None) -> Delivery:
    return Delivery(
        id=1,
        key="k:1",
        target=target or Target(Platform.SLACK, CHANNEL, TEAM_ID),
        reply=reply,
        attempt=1,
    )


def buttons(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def test_a_delivered_message_reaches_the_channel_as_blocks_with_its_buttons(
    app: App, fake_slack: FakeSlack, sender: SlackSender
) -> None:
    reply = Reply(
        text="Reunion <!channel> & /search",
        cards=(Card("Gala", buttons=(Button("RSVP", action="events.rsvp", payload="12"),)),),
    )
    result = await sender.send(delivery(reply))

    [call] = fake_slack.called(POST)
    assert call.params["channel"] == CHANNEL
    assert call.params["text"] == "Reunion &lt;!channel&gt; &amp; /alumni search"
    sections = " ".join(b["text"]["text"] for b in call.params["blocks"] if "text" in b)
    assert "&lt;!channel&gt;" in sections  # neutralised
    assert "*Gala*" in sections
    [button] = buttons(call.params)
    assert button["text"]["text"] == "RSVP"
    assert await app.callbacks.resolve(button["value"]) == ("events.rsvp", "12")
    assert result.outcome is Outcome.SENT
    assert result.platform_message_id and result.platform_message_id.endswith(".000100")


async def test_a_user_target_is_posted_to_the_user_id_which_opens_the_dm(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    target = Target.user(Platform.SLACK, USER, TEAM_ID)
    result = await sender.send(delivery(Reply(text="Hello"), target))
    [call] = fake_slack.called(POST)
    assert call.params["channel"] == USER
    assert result.outcome is Outcome.SENT
    assert not sender.is_group(target)
    assert sender.is_group(Target(Platform.SLACK, CHANNEL, TEAM_ID))


async def test_a_429_is_rate_limited_for_retry_after_seconds_and_not_retried_by_the_sdk(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    fake_slack.fail_next(POST, status=429, retry_after=7)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.RATE_LIMITED
    assert result.retry_after == 7.0
    assert [c.method for c in fake_slack.calls] == [f"{POST}!429"]  # the Worker retries


@pytest.mark.parametrize("status", [500, 503])
async def test_a_server_error_is_transient(
    fake_slack: FakeSlack, sender: SlackSender, status: int
) -> None:
    fake_slack.fail_next(POST, status=status)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.TRANSIENT
    assert fake_slack.called(POST) == []


async def test_a_connection_error_is_transient(app: App) -> None:
    closed = SlackSender(app, token=BOT_TOKEN, api_url="http://127.0.0.1:9/api/", timeout=2)
    result = await closed.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize(
    "error",
    [
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "account_inactive",
        "cannot_dm_bot",
    ],
)
async def test_a_gone_or_closed_channel_or_user_is_unreachable(
    fake_slack: FakeSlack, sender: SlackSender, error: str
) -> None:
    fake_slack.fail_next(POST, status=200, error=error)
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.UNREACHABLE
    assert error in result.detail


async def test_another_error_fails_with_slacks_error_code(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    fake_slack.fail_next(POST, status=200, error="invalid_blocks")
    result = await sender.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.FAILED
    assert "invalid_blocks" in result.detail


async def test_a_refused_token_is_transient_not_a_verdict_on_the_message(
    app: App, fake_slack: FakeSlack
) -> None:
    wrong = SlackSender(app, token="xoxb-wrong", api_url=fake_slack.api_url)
    result = await wrong.send(delivery(Reply(text="Hello")))
    assert result.outcome is Outcome.TRANSIENT
    assert "invalid_auth" in result.detail
    assert "xoxb" not in result.detail


async def test_a_worker_delivers_two_queued_messages_end_to_end(
    app: App, clock: FakeClock, fake_slack: FakeSlack, sender: SlackSender
) -> None:
    async with app.db.sessions.begin() as session:
        for key, target, text in [
            ("news:1", Target.user(Platform.SLACK, USER, TEAM_ID), "Welcome to the network"),
            ("news:2", Target(Platform.SLACK, CHANNEL, TEAM_ID), "Gala on Friday"),
        ]:
            await enqueue(
                session,
                key=key,
                kind="test",
                target=target,
                reply=Reply(text=text),
                now=clock.now(),
            )

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    worker = Worker(
        app.db,
        sender,
        worker_id="w1",
        clock=clock,
        now=lambda: clock.now().timestamp(),
        sleep=sleep,
    )
    for _ in range(5):
        if not await worker.run_once():
            break

    posted = {c.params["channel"]: c.params["text"] for c in fake_slack.called(POST)}
    assert posted == {USER: "Welcome to the network", CHANNEL: "Gala on Friday"}
    async with app.db.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.key, OutboxMessage.state, OutboxMessage.platform_message_id)
            )
        ).all()
    assert sorted((r.key, r.state) for r in rows) == [("news:1", "sent"), ("news:2", "sent")]
    assert all(r.platform_message_id for r in rows)
    assert worker.stats.sent == 2


async def test_an_edit_replaces_the_message_in_the_users_dm_instead_of_posting(
    fake_slack: FakeSlack, sender: SlackSender
) -> None:
    edit = Delivery(
        id=2,
        key="broadcast-progress:7:120",
        target=Target.user(Platform.SLACK, USER, TEAM_ID),
        reply=Reply(text="120 / 500 sent, 2 unreachable <!here>"),
        attempt=1,
        edit_of="1700000000.000100",
    )
    result = await sender.send(edit)

    assert fake_slack.called(POST) == []
    [update] = fake_slack.called("chat.update")
    assert update.params["channel"] == "D" + USER[1:]  # the DM conversations.open gave
    assert update.params["ts"] == "1700000000.000100"
    assert update.params["text"] == "120 / 500 sent, 2 unreachable &lt;!here&gt;"
    assert result.outcome is Outcome.SENT
    assert result.platform_message_id == "1700000000.000100"
