"""Only requests Slack signed, recently and once, reach a listener; buttons carry tokens."""

from __future__ import annotations

import asyncio
import time

from .conftest import SlackServer
from .fake_slack import FakeSlack
from .signing import block_actions_payload, sign, slash_command_body


async def test_a_forged_signature_is_refused_before_anything_runs(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    body = slash_command_body("help", response_url=fake_slack.response_url())
    status, _ = await slack.post(body, sign(body, secret="not-the-secret"))
    assert status == 401
    assert fake_slack.calls == []  # not even auth.test


async def test_a_tampered_body_is_refused(slack: SlackServer, fake_slack: FakeSlack) -> None:
    body = slash_command_body("help", response_url=fake_slack.response_url())
    headers = sign(body)
    status, _ = await slack.post(body.replace("help", "search"), headers)
    assert status == 401
    assert fake_slack.calls == []


async def test_a_stale_timestamp_is_refused(slack: SlackServer, fake_slack: FakeSlack) -> None:
    body = slash_command_body("help", response_url=fake_slack.response_url())
    status, _ = await slack.post(body, sign(body, timestamp=int(time.time()) - 6 * 60))
    assert status == 401
    assert fake_slack.calls == []


async def test_a_missing_signature_is_refused(slack: SlackServer, fake_slack: FakeSlack) -> None:
    body = slash_command_body("help", response_url=fake_slack.response_url())
    status, _ = await slack.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    assert fake_slack.calls == []


async def test_a_replayed_request_is_refused_and_answered_once(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    body = slash_command_body("help", response_url=fake_slack.response_url("once"))
    headers = sign(body)
    first, _ = await slack.post(body, headers)
    again, _ = await slack.post(body, headers)
    assert (first, again) == (200, 401)
    await fake_slack.wait_for("response")
    await _settle()
    assert len(fake_slack.called("response")) == 1


async def test_a_tampered_button_value_is_refused_and_nothing_dispatched(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    status, _ = await slack.interact(
        block_actions_payload(
            {"action_id": "alumni:page:1", "value": "search.page|eyJ0ZXh0Ijoiem9lIn0"},
            response_url=fake_slack.response_url("press"),
        )
    )
    assert status == 200
    [answer] = await fake_slack.wait_for("response")
    assert answer.params["text"].endswith("This button is no longer valid. Send the command again.")
    assert answer.params["response_type"] == "ephemeral"
    assert answer.params["replace_original"] is False


async def test_a_forged_token_is_refused_in_the_users_language(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    fake_slack.locales["U0MEMBER"] = "fr-FR"
    await slack.interact(
        block_actions_payload(
            {"action_id": "alumni:btn:1", "value": "t:AAAAAAAAAAAAAAAAAAAAAA"},
            response_url=fake_slack.response_url(),
        )
    )
    [answer] = await fake_slack.wait_for("response")
    assert "Ce bouton n'est plus valable" in answer.params["text"]


async def _settle() -> None:
    await asyncio.sleep(0.05)
