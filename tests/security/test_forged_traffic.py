"""Forged traffic: everything a platform did not send, or sent for someone else, is refused,
logged in one line without what it carried, and changes nothing in the database.

The whole list, and where each case is proved (``test_the_list_points_at_real_tests`` keeps
the references honest):

Slack (signed requests on ``POST /slack/events``)
  - a wrong signature, a tampered body, a stale timestamp, no signature: 401 before any
    listener, logged, nothing written (here; and ``tests/slack/test_request_security.py``)
  - a replayed request inside the five-minute window: 401, answered once, logged (here)
  - a button whose value is not one of our tokens, or a forged token: refused in the user's
    language (``tests/slack/test_request_security.py``)
Telegram (webhook ``POST /telegram/webhook``)
  - no secret, a wrong secret, an empty one: 403, logged, nothing processed or written (here;
    and ``tests/telegram/test_webhook.py``)
  - a body that is not an update: 400 (``tests/telegram/test_webhook.py``)
  - updates from unknown chats (a stranger's private chat, a group no group is mapped to):
    members-only commands refused, nothing relayed, nothing written (here)
  - callback data tampered with: not a token, a forged token, a raw action, an overlong
    string, an expired token (signed or server-side), a signed token whose payload was
    swapped under its signature: refused with an alert, logged, nothing written (here; and
    ``tests/telegram/test_polling.py``)
Discord (interactions)
  - a forged button or modal ``custom_id``: refused, nothing runs
    (``tests/discord/test_end_to_end.py``)
Core
  - forged, expired and overlong button tokens resolve to nothing
    (``tests/integration/test_forms_and_callbacks.py``); a tampered page cursor or an unknown
    action is refused politely (``tests/integration/test_dispatcher.py``)
"""

from __future__ import annotations

import base64
import importlib
import logging
import time

import pytest

from core.bootstrap import App
from core.chat.callbacks import LIFETIME, SIGNED_PREFIX, TOKEN_PREFIX
from core.chat.replies import Button
from core.clock import FakeClock
from core.db.models import Member
from core.demo.data import ZOE_EMAIL
from tests.helpers import database_snapshot
from tests.slack.conftest import SlackServer, serve_slack
from tests.slack.fake_slack import FakeSlack
from tests.slack.signing import sign, slash_command_body
from tests.telegram.conftest import link_telegram_account
from tests.telegram.fake_bot_api import FakeBotApi, wait_for
from tests.telegram.test_webhook import SECRET, WebhookServer

PROVED_ELSEWHERE = [
    "tests.slack.test_request_security:test_a_forged_signature_is_refused_before_anything_runs",
    "tests.slack.test_request_security:test_a_tampered_body_is_refused",
    "tests.slack.test_request_security:test_a_stale_timestamp_is_refused",
    "tests.slack.test_request_security:test_a_missing_signature_is_refused",
    "tests.slack.test_request_security:test_a_replayed_request_is_refused_and_answered_once",
    "tests.slack.test_request_security:"
    "test_a_tampered_button_value_is_refused_and_nothing_dispatched",
    "tests.slack.test_request_security:test_a_forged_token_is_refused_in_the_users_language",
    "tests.telegram.test_webhook:test_a_wrong_or_missing_secret_gets_403_and_nothing_is_processed",
    "tests.telegram.test_webhook:test_a_body_that_is_not_an_update_gets_400",
    "tests.telegram.test_polling:test_a_forged_button_is_refused_and_nothing_else_is_sent",
    "tests.discord.test_end_to_end:test_a_forged_button_is_refused_and_runs_nothing",
    "tests.discord.test_end_to_end:test_a_forged_modal_submission_is_refused",
    "tests.integration.test_forms_and_callbacks:"
    "test_button_tokens_resolve_and_forged_or_expired_ones_do_not",
    "tests.integration.test_dispatcher:test_a_tampered_page_button_is_refused_politely",
]

STRANGER = 7001
MEMBER = 7002
PERSONAL = "Zqx Secretname"  # what a forged request carries; never in the logs


def test_the_list_points_at_real_tests() -> None:
    for reference in PROVED_ELSEWHERE:
        module, name = reference.split(":")
        assert callable(getattr(importlib.import_module(module), name, None)), reference


def _warnings(caplog: pytest.LogCaptureFixture, fragment: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and fragment in r.getMessage()
    ]


# --- Slack ----------------------------------------------------------------------------------
async def test_slack_requests_with_bad_signatures_are_refused_logged_and_change_nothing(
    app: App, slack: SlackServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = await database_snapshot(app)
    body = slash_command_body(
        "start", user_name=PERSONAL, response_url=fake_slack.response_url("forged")
    )
    good = sign(body)
    forged = {
        "wrong secret": sign(body, secret="not-the-secret"),
        "stale": sign(body, timestamp=int(time.time()) - 6 * 60),
        "from the future": sign(body, timestamp=int(time.time()) + 6 * 60),
        "no signature": {"Content-Type": "application/x-www-form-urlencoded"},
        "signature of another body": {**good, "X-Slack-Signature": sign("x")["X-Slack-Signature"]},
    }
    for case, headers in forged.items():
        status, _ = await slack.post(body, headers)
        assert status == 401, case
    status, _ = await slack.post(body.replace("start", "erase"), good)  # tampered body
    assert status == 401
    assert fake_slack.calls == []
    assert await database_snapshot(app) == before
    assert len(_warnings(caplog, "slack: refused a request")) == len(forged) + 1
    logged = caplog.text
    assert PERSONAL.replace(" ", "+") not in logged and PERSONAL not in logged
    assert good["X-Slack-Signature"] not in logged


async def test_a_replayed_slack_request_is_refused_logged_and_changes_nothing(
    app: App, slack: SlackServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = slash_command_body("help", response_url=fake_slack.response_url("once"))
    headers = sign(body)
    assert (await slack.post(body, headers))[0] == 200
    await fake_slack.wait_for("response")
    after_first = await database_snapshot(app)
    assert (await slack.post(body, headers))[0] == 401
    assert _warnings(caplog, "slack: refused a replayed request")
    assert await database_snapshot(app) == after_first


async def test_a_slack_request_replayed_to_another_web_process_is_refused(
    app: App, slack: SlackServer, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Behind a load balancer the copy may reach another process: the guard is shared."""
    caplog.set_level(logging.INFO)
    body = slash_command_body("help", response_url=fake_slack.response_url("once"))
    headers = sign(body)
    assert (await slack.post(body, headers))[0] == 200
    await fake_slack.wait_for("response")
    after_first = await database_snapshot(app)
    async with serve_slack(app, fake_slack) as other_process:
        assert (await other_process.post(body, headers))[0] == 401
        assert _warnings(caplog, "slack: refused a replayed request")
        assert await database_snapshot(app) == after_first  # nothing ran for the copy
        fresh = slash_command_body("help", response_url=fake_slack.response_url("other"))
        assert (await other_process.post(fresh, sign(fresh)))[0] == 200  # it still serves


# --- Telegram -------------------------------------------------------------------------------
async def _in_order(webhook: WebhookServer, fake_api: FakeBotApi, user: int) -> None:
    """Updates are handled in order: once this /help is answered, the earlier ones were."""

    def helps() -> int:
        # the list of commands, in whatever language the user reads
        return sum("/cancel" in t and "/privacy" in t for t in fake_api.sent_texts(user))

    before = helps()
    assert await webhook.post(fake_api.message_update("/help", user_id=user)) == 200
    await wait_for(lambda: helps() > before)


async def test_telegram_updates_without_the_secret_are_refused_logged_and_change_nothing(
    app: App, webhook: WebhookServer, fake_api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await _in_order(webhook, fake_api, STRANGER)
    before = await database_snapshot(app)
    start = fake_api.message_update("/start", user_id=MEMBER)  # would open the onboarding form
    for secret in (None, "", SECRET + "x", SECRET.lower(), SECRET[:-1]):
        assert await webhook.post(start, secret=secret) == 403, secret
    await _in_order(webhook, fake_api, STRANGER)
    assert fake_api.sent_texts(MEMBER) == []
    assert await database_snapshot(app) == before
    refused = _warnings(caplog, "telegram webhook: refused")
    assert len(refused) == 5
    assert SECRET not in caplog.text


async def test_updates_from_unknown_chats_are_refused_and_change_nothing(
    seeded: App, webhook: WebhookServer, fake_api: FakeBotApi
) -> None:
    await _in_order(webhook, fake_api, STRANGER)
    before = await database_snapshot(seeded)
    asked = len(fake_api.sent_texts(STRANGER))
    for text in ("/erase", "/export", "/profile", "/search zoe", "/alerts add analyst"):
        await webhook.post(fake_api.message_update(text, user_id=STRANGER))
    # a group chat that no group is mapped to: nothing relayed, nothing answered
    for text in ("hello everyone", "/erase"):
        await webhook.post(fake_api.message_update(text, user_id=STRANGER, chat_id=-100999))
    await _in_order(webhook, fake_api, STRANGER)

    def received() -> list[str]:  # what came back, but the list of commands
        return [
            a
            for a in fake_api.sent_texts(STRANGER)[asked:]
            if not ("/cancel" in a and "/privacy" in a)
        ]

    # The group's /erase is handled in the group's lane, beside the private chat's: its
    # private answer may come after the /help that closes the private chat's updates.
    await wait_for(lambda: len(received()) >= 6)
    answers = received()
    # five private refusals, and the one for /erase in the group, sent privately
    assert len(answers) == 6
    assert all("/start" in a for a in answers), answers  # "for members: send /start"
    assert fake_api.sent_texts(-100999) == []
    assert await database_snapshot(seeded) == before


async def test_tampered_callback_data_is_refused_logged_and_changes_nothing(
    seeded: App,
    clock: FakeClock,
    webhook: WebhookServer,
    fake_api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await link_telegram_account(seeded, ZOE_EMAIL, MEMBER)
    # Real tokens for "erase my data", left to expire: one signed, one server-side (a payload
    # too long to travel).
    [expired] = (await seeded.callbacks.issue([Button("x", "directory.erase", "confirm")])).values()
    [expired_row] = (
        await seeded.callbacks.issue([Button("x", "directory.erase", "confirm" + " " * 80)])
    ).values()
    assert expired.startswith(SIGNED_PREFIX) and expired_row.startswith(TOKEN_PREFIX)
    clock.advance(LIFETIME + LIFETIME / 10)
    # A live signed token for "keep my data", its payload swapped for "confirm" under its tag.
    [cancel] = (await seeded.callbacks.issue([Button("x", "directory.erase", "cancel")])).values()
    raw = base64.urlsafe_b64decode(cancel[2:] + "=" * (-len(cancel[2:]) % 4))
    swapped = raw[: -len(b"cancel")] + b"confirm"
    swapped_token = SIGNED_PREFIX + base64.urlsafe_b64encode(swapped).decode().rstrip("=")
    await _in_order(webhook, fake_api, MEMBER)
    before = await database_snapshot(seeded)
    tampered = [
        "directory.erase|confirm",  # a raw action, as an older client might send
        "t:AAAAAAAAAAAAAAAAAAAAAA",  # the token format, not a token
        "p:t:AAAAAAAAAAAAAAAAAAAAAA",  # the same behind the pager prefix
        expired,
        expired[:-1] + ("A" if expired[-1] != "A" else "B"),  # one character changed
        expired_row,
        swapped_token,
        "p:" + swapped_token,
        "s:" + "A" * 62,  # overlong
        "t:" + "A" * 62,
        "",
    ]
    for data in tampered:
        await webhook.post(fake_api.callback_update(data, user_id=MEMBER))
    await _in_order(webhook, fake_api, MEMBER)
    answers = fake_api.calls_to("answerCallbackQuery")
    assert len(answers) == len(tampered)
    assert all(a.params.get("show_alert") for a in answers)
    assert len(_warnings(caplog, "button refused")) == len(tampered)
    assert expired not in caplog.text and swapped_token not in caplog.text
    assert await database_snapshot(seeded) == before
    async with seeded.db.sessions() as session:
        zoe = await session.scalar(Member.__table__.select().where(Member.email == ZOE_EMAIL))
    assert zoe is not None  # not erased
