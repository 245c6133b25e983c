"""Signed slash commands through Bolt to the dispatcher, answered on the response_url."""

from __future__ import annotations

from typing import Any

import pytest

from bots.slack.app import _chat_kind
from core.bootstrap import App
from core.chat import (
    Arguments,
    Audience,
    Button,
    ChatKind,
    Command,
    CommandContext,
    Param,
    ParamKind,
    Permission,
    Reply,
)
from core.demo.data import DEMO_EMAIL

from .conftest import SlackServer, link_slack_account
from .fake_slack import FakeSlack
from .signing import block_actions_payload


def _texts(call_params: dict[str, Any]) -> str:
    """Every text in a message's blocks, in order."""
    found: list[str] = []
    for block in call_params.get("blocks", []):
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(f["text"] for f in block.get("fields", []))
        found.extend(e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn")
    return "\n".join(found)


def _buttons(call_params: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e for b in call_params.get("blocks", []) if b["type"] == "actions" for e in b["elements"]
    ]


async def test_alumni_help_is_acked_empty_and_answered_on_the_response_url(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    status, ack, target = await slack.command("help")
    assert (status, ack) == (200, "")
    [answer] = await fake_slack.wait_for("response")
    assert answer.target == target
    assert answer.params["response_type"] == "ephemeral"
    text = _texts(answer.params)
    assert "/alumni help" in text
    assert "/alumni start" in text  # a stranger is invited to join, with the Slack command


async def test_alumni_alone_shows_the_help(slack: SlackServer, fake_slack: FakeSlack) -> None:
    await slack.command("")
    [answer] = await fake_slack.wait_for("response")
    assert "Commands you can use" in answer.params["text"]


async def test_a_linked_member_searches_and_pages_with_the_next_button(
    seeded: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    await link_slack_account(seeded, DEMO_EMAIL, "U0MEMBER")
    await slack.command("search zoe nguyen")
    [answer] = await fake_slack.wait_for("response")
    assert "Zoë Nguyễn" in _texts(answer.params)

    await slack.command("search sector:digital")
    first = (await fake_slack.wait_for("response", 2))[1].params
    [next_button] = [b for b in _buttons(first) if b["text"]["text"] == "Next"]
    # a token (signed, or naming a server-side row), never the raw action and payload
    assert next_button["value"].startswith(("s:", "t:"))
    assert "sector" not in next_button["value"]
    resolved = await seeded.callbacks.resolve(next_button["value"])
    assert resolved is not None and resolved[0] == "search.page"
    await slack.interact(
        block_actions_payload(
            {"action_id": next_button["action_id"], "value": next_button["value"]},
            response_url=fake_slack.response_url("page"),
        )
    )
    [page2] = await fake_slack.wait_for("response", where=lambda c: c.target == "page")
    assert page2.params["replace_original"] is True
    assert "Page 2" in _texts(page2.params)
    first_names = _card_titles(first)
    second_names = _card_titles(page2.params)
    assert second_names
    assert not set(first_names) & set(second_names)


def _card_titles(params: dict[str, Any]) -> list[str]:
    return [
        b["text"]["text"].split("\n", 1)[0]
        for b in params.get("blocks", [])
        if b["type"] == "section" and b["text"]["text"].startswith("*")
    ]


async def test_a_stranger_is_answered_in_their_slack_language(
    seeded: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    fake_slack.locales["U0STRANGER"] = "fr-FR"
    await slack.command("search zoe", user_id="U0STRANGER")
    [answer] = await fake_slack.wait_for("response")
    assert "réservé aux membres" in answer.params["text"]
    assert "/alumni start" in answer.params["text"]
    [info] = fake_slack.called("users.info")
    assert info.params["user"] == "U0STRANGER"


async def test_the_slack_locale_is_asked_once_per_user(
    slack: SlackServer, fake_slack: FakeSlack
) -> None:
    await slack.command("help")
    await slack.command("help")
    await fake_slack.wait_for("response", 2)
    assert len(fake_slack.called("users.info")) == 1


async def test_a_rate_limited_users_info_is_retried_after_retry_after(
    slack: SlackServer, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # slack-sdk waits Retry-After plus a random part of a second: make that part 0
    monkeypatch.setattr("slack_sdk.http_retry.builtin_async_handlers.random.random", lambda: 0.0)
    fake_slack.locales["U0STRANGER"] = "fr-FR"
    fake_slack.fail_next("users.info", status=429, retry_after=0)
    await slack.command("search zoe", user_id="U0STRANGER")
    [answer] = await fake_slack.wait_for("response")
    assert "réservé aux membres" in answer.params["text"]
    assert [c.method for c in fake_slack.calls if c.method.startswith("users.info")] == [
        "users.info!429",
        "users.info",
    ]


async def test_offer_is_the_core_offer_command(slack: SlackServer, fake_slack: FakeSlack) -> None:
    await slack.command("", command="/offer")
    [answer] = await fake_slack.wait_for("response")
    assert "members of the network" in answer.params["text"]  # /offer is for representatives


async def test_a_public_reply_goes_in_channel(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    async def announce(*_: object) -> Reply:
        return Reply(text="Hello <!channel> & <@U1>", audience=Audience.PUBLIC)

    app.registry.add(
        Command(name="announce", help="t", handler=announce, permission=Permission.ANYONE)
    )
    await slack.command("announce")
    [answer] = await fake_slack.wait_for("response")
    assert answer.params["response_type"] == "in_channel"
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in _texts(answer.params)
    assert "<!channel>" not in str(answer.params)


async def test_slack_escaped_command_text_reaches_core_as_typed_and_is_escaped_once(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    seen: list[str] = []

    async def echo(_ctx: CommandContext, args: Arguments) -> Reply:
        seen.append(args["words"])
        return Reply(text=args["words"])

    app.registry.add(
        Command(
            name="echo",
            help="t",
            handler=echo,
            permission=Permission.ANYONE,
            params=(Param("words", "w", kind=ParamKind.TEXT),),
        )
    )
    await slack.command("echo Tom &amp; Jerry &lt;3")  # Slack escapes &, < and > this way
    [answer] = await fake_slack.wait_for("response")
    assert seen == ["Tom & Jerry <3"]
    assert _texts(answer.params) == "Tom &amp; Jerry &lt;3"


async def test_a_button_without_a_response_url_answers_in_a_direct_message(
    app: App, slack: SlackServer, fake_slack: FakeSlack
) -> None:
    async def ping(_ctx: CommandContext, payload: str, _values: dict[str, str]) -> Reply:
        return Reply(text=f"pong {payload}")

    app.registry.action("test.ping", permission=Permission.ANYONE)(ping)
    [token] = (await app.callbacks.issue([Button("Ping", "test.ping", "7")])).values()
    await slack.interact(
        block_actions_payload({"action_id": "alumni:btn:1", "value": token}, response_url=None)
    )
    [posted] = await fake_slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "U0MEMBER"
    assert posted.params["text"] == "pong 7"


def test_direct_messages_are_private_chats_and_channels_are_groups() -> None:
    assert _chat_kind("D024BE91L", "directmessage") is ChatKind.PRIVATE
    assert _chat_kind("D024BE91L") is ChatKind.PRIVATE
    assert _chat_kind("C2147483705", "general") is ChatKind.GROUP
    assert _chat_kind("G0PRIVATE", "privategroup") is ChatKind.GROUP
