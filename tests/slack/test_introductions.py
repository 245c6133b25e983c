"""An introduction on Slack end to end: Ana finds Zoë, asks through the directory button
and the modal; the request reaches Zoë through the outbox and the Slack sender; Zoë accepts
with the message's button; each learns how to reach the other on Slack."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from bots.slack import SlackSender
from core.bootstrap import App
from core.clock import FakeClock
from core.db.models import Introduction, Member, OutboxMessage, PlatformAccount
from core.delivery.worker import Worker
from core.demo.data import DEMO_EMAIL, ZOE_EMAIL
from core.domain import Platform
from core.i18n import gettext, use_locale

from .conftest import SlackServer
from .fake_slack import BOT_TOKEN, TEAM_ID, FakeSlack
from .signing import block_actions_payload, view_submission_payload

ANA = "U0ANA0001"
ZOE = "U0ZOE0001"


async def _slack_account(app: App, email: str, user_id: str, display_name: str) -> None:
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == email))
        assert member_id is not None
        session.add(
            PlatformAccount(
                platform=Platform.SLACK,
                workspace=TEAM_ID,
                user_id=user_id,
                member_id=member_id,
                display_name=display_name,
            )
        )


async def deliver_outbox(app: App, clock: FakeClock, sender: SlackSender) -> int:
    """What a Slack sender process does: drain the outbox through chat.postMessage."""

    async def sleep(seconds: float) -> None:
        clock.advance(dt.timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)

    worker = Worker(
        app.db, sender, worker_id="slack-1", clock=clock, now=lambda: clock.now().timestamp(),
        sleep=sleep,
    )  # fmt: skip
    for _ in range(5):
        if not await worker.run_once():
            break
    return worker.stats.sent


def _buttons(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    blocks = _json(params.get("blocks") or [])
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _to(user_id: str) -> Any:
    return lambda call: call.params.get("channel") == user_id


async def test_ana_asks_zoe_for_an_introduction_zoe_accepts_and_both_get_handles(
    seeded: App, clock: FakeClock, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    await _slack_account(seeded, DEMO_EMAIL, ANA, "ana.souza")
    await _slack_account(seeded, ZOE_EMAIL, ZOE, "zoe.nguyen")
    sender = SlackSender(seeded, token=BOT_TOKEN, api_url=fake_slack.api_url)

    # Ana finds Zoë and presses the card's button: the request modal opens
    await slack.command("search zoe nguyen", user_id=ANA)
    [found] = await fake_slack.wait_for("response")
    ask = _buttons(found.params)["Ask for an introduction"]
    await slack.interact(
        block_actions_payload(
            {"action_id": ask["action_id"], "value": ask["value"]},
            response_url=fake_slack.response_url("ask"),
            user_id=ANA,
        )
    )
    [opened] = await fake_slack.wait_for("views.open")
    view = _json(opened.params["view"])
    assert view["title"]["text"].startswith("Introduction to")
    status, ack = await slack.interact(
        view_submission_payload(
            view,
            {"message": {"type": "plain_text_input", "value": "We both studied in Palaiseau."}},
            user_id=ANA,
        )
    )
    assert (status, ack) == (200, "")
    [sent] = await fake_slack.wait_for("chat.postMessage", where=_to(ANA))
    assert sent.params["text"].startswith("Your request was sent to Zoë Nguyễn.")
    assert fake_slack.called("chat.postMessage") == [sent]  # Zoë hears nothing yet: outbox

    # The Slack sender delivers the request to Zoë, with its buttons
    assert await deliver_outbox(seeded, clock, sender) == 1
    [request] = await fake_slack.wait_for("chat.postMessage", where=_to(ZOE))
    with use_locale("vi"):  # Zoë's language
        asked = gettext("{name} would like to be introduced to you.", name="Ana Beatriz Conceição")
        accept_label = gettext("Accept")
        you_accepted = gettext("You accepted. Reach {name} here:", name="Ana Beatriz Conceição")
    assert request.params["text"].startswith(asked)
    assert "We both studied in Palaiseau." in request.params["text"]
    assert "ana.souza" not in json.dumps(request.params)  # no handle before she accepts
    accept = _buttons(request.params)[accept_label]

    # Zoë accepts from her direct message with the bot
    await slack.interact(
        block_actions_payload(
            {"action_id": accept["action_id"], "value": accept["value"]},
            response_url=fake_slack.response_url("accept"),
            user_id=ZOE,
            channel_id="D0ZOE0001",
        )
    )
    [accepted] = await fake_slack.wait_for("response", where=lambda c: c.target == "accept")
    assert accepted.params["text"].startswith(you_accepted)
    assert "Slack: ana.souza" in accepted.params["text"]

    # ... and the Slack sender tells Ana how to reach Zoë
    assert await deliver_outbox(seeded, clock, sender) == 1
    answer = (await fake_slack.wait_for("chat.postMessage", 2, where=_to(ANA)))[1]
    assert "Zoë Nguyễn accepted your introduction request." in answer.params["text"]
    assert "Slack: zoe.nguyen" in answer.params["text"]

    async with seeded.db.sessions() as session:
        [introduction] = (await session.scalars(select(Introduction))).all()
        states = set((await session.scalars(select(OutboxMessage.state))).all())
    assert introduction.state == "accepted"
    assert introduction.message == "We both studied in Palaiseau."
    assert states == {"sent"}
