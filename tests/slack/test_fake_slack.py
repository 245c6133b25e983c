"""The fake Slack Web API itself: authentication and the faults it injects."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from .fake_slack import BOT_TOKEN, FakeSlack


async def test_a_wrong_token_gets_invalid_auth(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as caught:
        await client.auth_test()
    assert caught.value.response["error"] == "invalid_auth"


async def test_auth_test_names_the_team_and_the_bot(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    answer = await client.auth_test()
    assert answer["team_id"] == "T0ALUMNI"
    assert answer["bot_id"]
    assert answer["is_enterprise_install"] is False


async def test_a_429_carries_retry_after_and_then_calls_succeed(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C1", text="hi")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    answer = await client.chat_postMessage(channel="C1", text="hi")
    assert answer["ok"] is True


async def test_5xx_is_injected_for_the_next_n_calls(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=fake_slack.api_url,
        retry_handlers=[
            AsyncServerErrorRetryHandler(
                max_retry_count=2,
                interval_calculator=FixedValueRetryIntervalCalculator(0.01),
            )
        ],
    )
    fake_slack.fail_next("views.publish", status=503, times=2)
    answer = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert answer["ok"] is True
    assert [c.method for c in fake_slack.calls] == [
        "views.publish!503",
        "views.publish!503",
        "views.publish",
    ]


async def test_posting_to_a_user_id_opens_a_dm(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    answer = await client.chat_postMessage(channel="U0MEMBER", text="hi")
    assert answer["channel"] == "D0MEMBER"
    opened = await client.conversations_open(users="U0MEMBER")
    assert opened["channel"]["id"] == "D0MEMBER"
