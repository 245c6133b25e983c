"""Logs carry no personal data beyond ids, even at DEBUG.

On each adapter a member with marked name, city and e-mail searches the directory, writes to
a company with /contact, exports their data and runs a command that fails inside its handler;
on Telegram the member onboards through the dialogue and writes in a group relayed to Slack
and Discord, and every sender drains the outbox. The root logger is at DEBUG through the
handler ``alumni run`` installs (``bots.logs.configure_logging``); no marker and no token may
appear in any record it lets through: message, arguments, extra attributes, traceback.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from bots.discord import DiscordBot, DiscordSender
from bots.logs import LibraryPayloadFilter, configure_logging
from bots.slack import SlackSender
from bots.telegram import TelegramSender
from core.bootstrap import App
from core.chat import Command, CommandContext, Param, ParamKind, Permission, Reply
from core.chat.commands import Arguments
from core.clock import FakeClock
from core.config import Settings
from core.db.models import Member, OutboxMessage, PlatformAccount
from core.directory.members import ProfileInput, create_member
from core.domain import Platform
from core.tracebacks import traceback_without_messages
from tests.discord.conftest import (  # noqa: F401 - fixtures
    _restore_discord_endpoints,
    fake_discord,
    start_bot,
)
from tests.discord.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from tests.discord.fake_discord import FakeDiscord, wait_for
from tests.faults.conftest import drain, fake_time_worker
from tests.groups.conftest import (  # noqa: F401 - people is a fixture
    CHANNELS,
    People,
    create_group,
    map_everywhere,
    people,
    say,
    settled,
)
from tests.slack.conftest import SlackServer, fake_slack, slack  # noqa: F401 - fixtures
from tests.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.signing import SIGNING_SECRET
from tests.telegram.conftest import fake_api, start_polling_bot  # noqa: F401 - a fixture
from tests.telegram.fake_bot_api import BOT_TOKEN as TELEGRAM_TOKEN
from tests.telegram.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"  # PTB's own RetryAfter.__init__ warns
)

NAME = "Qzxname Vandermarkt"
CITY = "Qzxcityville"
EMAIL = "qzxmail@alumni.example"
CONTACT = "Qzxcontact please forward my CV"
RELAYED = "Qzxrelay see you at the gala"
FAILING = "Qzxfailing"
MARKERS = ("qzxname", "qzxcity", "qzxmail", "qzxcontact", "qzxrelay", "qzxfailing")
TOKENS = (TELEGRAM_TOKEN.split(":", 1)[1], SLACK_TOKEN, DISCORD_TOKEN, SIGNING_SECRET)
LOADED = 15.0  # seconds to wait for an answer: generous, the whole suite may be running
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class Capture(logging.Filter):
    """Last filter of the handler: sees each record as it is about to be written."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return True


def _texts(record: logging.LogRecord) -> Iterator[str]:
    yield record.getMessage()
    yield repr(record.args)
    for name, value in vars(record).items():
        if name not in _STANDARD:
            yield f"{name}={value!r}"
    if record.exc_info:
        yield logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        yield record.exc_text


@pytest.fixture
def debug_logs(settings: Settings) -> Iterator[tuple[Capture, io.StringIO]]:
    """The production log handler at DEBUG, knowing every token as ``alumni run`` does."""
    production = settings.model_copy(
        update={
            "log_level": "debug",
            "telegram_token": SecretStr(TELEGRAM_TOKEN),
            "slack_bot_token": SecretStr(SLACK_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "discord_token": SecretStr(DISCORD_TOKEN),
        }
    )
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging(production, stream, json_lines=True)
    capture = Capture()
    handler.addFilter(capture)
    try:
        yield capture, stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def assert_no_personal_data(capture: Capture, stream: io.StringIO) -> None:
    assert capture.records, "nothing was logged: the test would prove nothing"
    [failure] = [r for r in capture.records if r.getMessage().startswith("command failed")]
    assert "ValueError: <message withheld" in (failure.exc_text or "")
    leaks = []
    for record in capture.records:
        for text in _texts(record):
            lowered = text.lower()
            found = [m for m in (*MARKERS, *(t.lower() for t in TOKENS)) if m in lowered]
            if found:
                leaks.append(f"{record.name} {record.levelname} {found}: {text[:300]}")
    assert leaks == []
    written = stream.getvalue().lower()
    assert not [m for m in MARKERS if m in written]


async def failing(ctx: CommandContext, args: Arguments) -> Reply:
    return Reply(text=str(int(args["value"])))  # a bug: not every value is a number


@pytest.fixture
def registry_with_a_bug(seeded: App) -> App:
    seeded.registry.add(
        Command(
            name="qzxbug",
            help="Fails",
            handler=failing,
            permission=Permission.ANYONE,
            params=(Param("value", "A number", kind=ParamKind.TEXT),),
        )
    )
    return seeded


async def marked_member(app: App, platform: Platform, workspace: str, user_id: str) -> None:
    async with app.db.sessions.begin() as session:
        member = await create_member(
            session,
            ProfileInput(full_name=NAME, country_code="BR", city=CITY, directory_consent=True),
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            handle=None,
            display_name=None,
            locale="en",
            now=app.clock.now(),
        )
        member.email = EMAIL


async def drain_every_sender(
    app: App, clock: FakeClock, api: FakeBotApi, web_api: FakeSlack, discord: FakeDiscord
) -> None:
    senders = [
        TelegramSender(app, token=TELEGRAM_TOKEN, api_url=api.api_url),
        SlackSender(app, token=SLACK_TOKEN, api_url=web_api.api_url),
        DiscordSender(app, token=DISCORD_TOKEN, api_url=discord.api_url),
    ]
    try:
        for sender in senders:
            await drain(app, clock, fake_time_worker(app, clock, sender))
    finally:
        for sender in senders:
            await sender.close()


# --- Telegram -------------------------------------------------------------------------------
TG_USER = 7301
TG_GROUP_MEMBER = 7302
GROUP_CHAT = int(CHANNELS[Platform.TELEGRAM][1])


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b.get("callback_data", "") for row in rows for b in row}


async def _reply(api: FakeBotApi, user: int, before: int) -> None:
    await wait_for(lambda: len(api.sent_texts(user)) > before, within=LOADED)


async def test_telegram_logs_no_personal_data_at_debug(
    registry_with_a_bug: App,
    people: People,  # noqa: F811
    clock: FakeClock,
    fake_api: FakeBotApi,  # noqa: F811
    fake_slack: FakeSlack,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
    debug_logs: tuple[Capture, io.StringIO],
) -> None:
    app = registry_with_a_bug
    async with app.db.sessions.begin() as session:
        ana = await session.scalar(select(Member.id).where(Member.full_name == "Ana Souza"))
        session.add(
            PlatformAccount(platform=Platform.TELEGRAM, user_id=str(TG_GROUP_MEMBER), member_id=ana)
        )
    await create_group(app, people.owner, "Tech Brasil", "Tech")
    await say(app, people.member, "/join tech-brasil")
    await map_everywhere(app, people.owner, "tech-brasil")
    running = await start_polling_bot(app, fake_api)
    try:
        sent = len(fake_api.sent_texts(TG_USER))
        await fake_api.push_message("/start", user_id=TG_USER)
        await wait_for(lambda: len(fake_api.sent_texts(TG_USER)) >= sent + 2, within=LOADED)
        answers = [NAME, "BR", CITY]
        while True:
            count = len(fake_api.sent_texts(TG_USER))
            question = fake_api.last_message(TG_USER)
            buttons = _buttons(question)
            if answers:
                await fake_api.push_message(answers.pop(0), user_id=TG_USER)
            elif "Yes, list me" in buttons:
                await fake_api.push_callback(
                    buttons["Yes, list me"], user_id=TG_USER, message=question
                )
                await _reply(fake_api, TG_USER, count)
                break
            else:
                await fake_api.push_callback(buttons["Skip"], user_id=TG_USER, message=question)
            await _reply(fake_api, TG_USER, count)
        async with app.db.sessions.begin() as session:
            onboarded = await session.execute(
                update(Member)
                .where(Member.full_name == NAME, Member.city == CITY)
                .values(email=EMAIL)
            )
        assert onboarded.rowcount == 1  # type: ignore[attr-defined]
        for text in (
            f"/search {NAME}",
            f"/contact airbus {CONTACT}",
            "/export",
            f"/qzxbug {FAILING}",
        ):
            count = len(fake_api.sent_texts(TG_USER)) + len(fake_api.calls_to("sendDocument"))
            await fake_api.push_message(text, user_id=TG_USER)
            await wait_for(
                lambda c=count: (
                    len(fake_api.sent_texts(TG_USER)) + len(fake_api.calls_to("sendDocument")) > c
                ),
                within=LOADED,
            )
        before = await _relays(app)
        await fake_api.push_message(RELAYED, user_id=TG_GROUP_MEMBER, chat_id=GROUP_CHAT)
        await settled(app, "relay", before + 2)
    finally:
        await running.shutdown()
    await drain_every_sender(app, clock, fake_api, fake_slack, fake_discord)
    assert_no_personal_data(*debug_logs)


async def _relays(app: App) -> int:
    async with app.db.sessions() as session:
        found = await session.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "relay"))
        return len(list(found))


# --- Slack ----------------------------------------------------------------------------------
SLACK_USER = "U0QZXMEMB"


async def test_slack_logs_no_personal_data_at_debug(
    registry_with_a_bug: App,
    clock: FakeClock,
    slack: SlackServer,  # noqa: F811
    fake_api: FakeBotApi,  # noqa: F811
    fake_slack: FakeSlack,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
    debug_logs: tuple[Capture, io.StringIO],
) -> None:
    app = registry_with_a_bug
    await marked_member(app, Platform.SLACK, TEAM_ID, SLACK_USER)
    for text in (f"search {NAME}", f"contact airbus {CONTACT}", "export", f"qzxbug {FAILING}"):
        status, _ack, name = await slack.command(text, user_id=SLACK_USER)
        assert status == 200
        await fake_slack.wait_for("response", where=lambda c, n=name: c.target == n, within=LOADED)
    await drain_every_sender(app, clock, fake_api, fake_slack, fake_discord)
    assert_no_personal_data(*debug_logs)


# --- Discord --------------------------------------------------------------------------------
DISCORD_USER = "1300000000000000301"


@pytest.fixture
async def discord_bot(
    registry_with_a_bug: App,
    fake_discord: FakeDiscord,  # noqa: F811
) -> AsyncIterator[DiscordBot]:
    bot = await start_bot(registry_with_a_bug, fake_discord)
    try:
        yield bot
    finally:
        await bot.close()


def _command(name: str, **values: str) -> dict[str, Any]:
    options = [{"name": k, "type": 3, "value": v} for k, v in values.items()]
    return {"id": "1", "name": name, "type": 1, "options": options}


async def test_discord_logs_no_personal_data_at_debug(
    registry_with_a_bug: App,
    clock: FakeClock,
    debug_logs: tuple[Capture, io.StringIO],
    fake_api: FakeBotApi,  # noqa: F811
    fake_slack: FakeSlack,  # noqa: F811
    fake_discord: FakeDiscord,  # noqa: F811
    discord_bot: DiscordBot,
) -> None:
    app = registry_with_a_bug
    await marked_member(app, Platform.DISCORD, "1100000000000000003", DISCORD_USER)
    for data in (
        _command("search", query=NAME),
        _command("contact", who="airbus", message=CONTACT),
        _command("export"),
        _command("qzxbug", value=FAILING),
    ):
        interaction = await fake_discord.interact(2, data, user_id=DISCORD_USER)
        await wait_for(
            lambda i=interaction: i.responses and (i.original or i.followups or i.edits),
            within=LOADED,
        )
    await drain_every_sender(app, clock, fake_api, fake_slack, fake_discord)
    assert_no_personal_data(*debug_logs)


def test_library_payload_records_are_dropped_and_their_warnings_kept() -> None:
    drop = LibraryPayloadFilter()

    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "body %s", (NAME,), None)

    assert not drop.filter(record("telegram.ext.ExtBot", logging.DEBUG))
    assert not drop.filter(record("discord.http", logging.DEBUG))
    assert not drop.filter(record("sqlalchemy.engine.Engine", logging.INFO))
    assert drop.filter(record("discord.http", logging.WARNING))
    assert drop.filter(record("telegrambot", logging.DEBUG))  # not a child of "telegram"
    assert drop.filter(record("bots.telegram.bridge", logging.DEBUG))


def test_a_traceback_keeps_frames_and_types_but_not_messages() -> None:
    try:
        try:
            int(FAILING)
        except ValueError as exc:
            raise LookupError(f"no member called {NAME}") from exc
    except LookupError as exc:
        text = traceback_without_messages(exc)
    assert "qzx" not in text.lower()
    assert "ValueError: <message withheld, " in text
    assert "LookupError: <message withheld, " in text
    assert "direct cause" in text
    assert "int(FAILING)" in text  # the failing line is still shown
    assert traceback_without_messages(ConnectionRefusedError(111, "refused")).endswith(
        "ConnectionRefusedError: [Errno 111] refused"
    )
