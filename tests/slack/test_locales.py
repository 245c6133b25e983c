"""The Slack locale and name of a user are asked of Slack once, also when several requests
of that user arrive together (a double-clicked button, two quick commands)."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.locales import SlackLocales

from .fake_slack import BOT_TOKEN, TEAM_ID, FakeSlack


async def test_concurrent_lookups_of_one_user_make_one_users_info_call(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.locales["U0ZOE"] = "vi-VN"
    fake_slack.names["U0ZOE"] = "zoe.nguyen"
    locales = SlackLocales(AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    found = await asyncio.gather(
        locales.get(TEAM_ID, "U0ZOE"),
        locales.display_name(TEAM_ID, "U0ZOE"),
        locales.get(TEAM_ID, "U0ZOE"),
        locales.get(TEAM_ID, "U0OTHER"),
    )
    assert found == ["vi-VN", "zoe.nguyen", "vi-VN", "en-US"]
    asked = sorted(c.params["user"] for c in fake_slack.called("users.info"))
    assert asked == ["U0OTHER", "U0ZOE"]
    assert await locales.get(TEAM_ID, "U0ZOE") == "vi-VN"
    assert len(fake_slack.called("users.info")) == 2


async def test_a_failed_lookup_is_shared_by_those_waiting_and_asked_again_later(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.fail_next("users.info", status=500)
    locales = SlackLocales(
        AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    )
    first = await asyncio.gather(locales.get(TEAM_ID, "U0ZOE"), locales.get(TEAM_ID, "U0ZOE"))
    assert first == [None, None]
    assert [c.method for c in fake_slack.calls] == ["users.info!500"]
    assert await locales.get(TEAM_ID, "U0ZOE") == "en-US"
