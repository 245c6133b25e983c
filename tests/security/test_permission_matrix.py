"""The permissions matrix (``permission_matrix.py``) walked cell by cell, through the console
adapter and through the Telegram bot (python-telegram-bot against the fake Bot API).

Allowed: the answer is not a refusal. Refused: the answer is the row's specific refusal, in
the person's language (French or Portuguese, never the English text), and no row of the
database changed. Every failing cell is listed at once, so a review sees the whole picture.
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bots.console import ConsoleAdapter
from bots.telegram.render import ERROR_MARK
from core.bootstrap import App
from core.chat import Button
from core.i18n import gettext, use_locale
from tests.helpers import database_snapshot
from tests.telegram.conftest import RunningBot
from tests.telegram.fake_bot_api import FakeBotApi, wait_for

from .matrix_world import TELEGRAM_IDS, World, build_world, console_id, language_of
from .permission_matrix import ALLOWED, FORM_SUBMISSIONS, NAVIGATION, ROWS, Row, Who

GENERIC_ERROR = "Something went wrong on our side."
# Help about an unknown command: answered in private and in group chats, changes nothing, and
# comes after everything the cell's update was answered (one chat is handled in order).
SENTINEL_MARK = "zzmatrixend"
SENTINEL = f"/help {SENTINEL_MARK}"


def _registered_paths(app: App) -> set[str]:
    paths = set()
    for command in app.registry:
        if command.handler is not None:
            paths.add(f"/{command.name}")
        paths.update(
            f"/{command.name} {sub.name}" for sub in command.subcommands if sub.handler is not None
        )
    return paths


def test_every_registered_command_and_button_has_a_row(app: App) -> None:
    rows = {row.what for row in ROWS if not row.is_button}
    assert rows == _registered_paths(app)
    buttons = {row.what for row in ROWS if row.is_button}
    actions = set(app.registry._actions)  # noqa: SLF001
    assert buttons | NAVIGATION | set(FORM_SUBMISSIONS) == actions
    assert not (buttons & NAVIGATION or buttons & set(FORM_SUBMISSIONS))


def test_every_row_has_a_cell_for_every_role() -> None:
    assert [row.what for row in ROWS if set(row.cells) != set(Who)] == []
    assert len({row.what for row in ROWS}) == len(ROWS)


# --- walking the matrix -----------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """What the person read first, and whether the adapter marked it as a refusal."""

    text: str
    refused: bool


Send = Callable[[Row, Who, str, int | None], Awaitable[Answer | None]]


def _expected(world: World, row: Row, who: Who) -> str | None:
    msgid = row.cells[who]
    if msgid is ALLOWED:
        return None
    with use_locale(language_of(who)):
        return gettext(msgid, **{**world.refusal_params(language_of(who)), **row.names})


def _order(rows: tuple[Row, ...]) -> list[tuple[Row, Who]]:
    """Every refusal first, in the world as built; then the allowed cells, which change it."""
    cells = [(row, who) for row in rows for who in Who]
    return sorted(cells, key=lambda cell: cell[0].cells[cell[1]] is ALLOWED)


async def _walk(world: World, send: Send) -> list[str]:
    wrong = []
    before, taken = None, -1  # the last snapshot, and world.writes when it was taken
    for row, who in _order(ROWS):
        channel = await world.prepare(row.given, who)
        line = await world.fill(row.send, who)
        expected = _expected(world, row, who)
        if expected is not None and (before is None or taken != world.writes):
            before, taken = await database_snapshot(world.app), world.writes
        answer = await send(row, who, line, channel)
        if who is Who.ANONYMOUS and expected is None:
            await world.forget_anonymous()
        if answer is None:
            continue
        where = f"{row.what} as {who}: {line!r} ->"
        if expected is None:
            if answer.refused or GENERIC_ERROR in answer.text:
                wrong.append(f"{where} refused, should be allowed: {answer.text[:200]!r}")
            continue
        if not answer.refused or answer.text != expected:
            wrong.append(f"{where} {answer.text[:200]!r}, should be {expected!r}")
        elif expected == row.cells[who]:
            wrong.append(f"{where} untranslated refusal {expected!r}")
        elif await database_snapshot(world.app) != before:
            wrong.append(f"{where} refused, but the database changed")
            before = None
    return wrong


def _report(wrong: list[str], adapter: str, started: float) -> None:
    cells = len(ROWS) * len(Who)
    print(f"\n{adapter}: {cells} cells in {time.perf_counter() - started:.1f} s")  # noqa: T201
    assert not wrong, f"{len(wrong)} of {cells} cells disagree:\n" + "\n".join(wrong)


async def test_the_matrix_through_the_console_adapter(app: App) -> None:
    world = await build_world(app)
    consoles = {who: ConsoleAdapter(app, console_id(who)) for who in Who}
    for who, console in consoles.items():
        console.locale = language_of(who)

    async def send(row: Row, who: Who, line: str, channel: int | None) -> Answer | None:
        if channel is not None:
            return None  # the console has no group chats: Telegram walks these rows
        console = consoles[who]
        if row.is_button:
            console.buttons = [Button(label="button", action=row.what, payload=line)]
            line = "1"
        first = (await console.handle_line(line)).split("\n\n", 1)[0]
        refused = first.startswith("! ")
        return Answer(first.removeprefix("! ") if refused else first, refused)

    started = time.perf_counter()
    _report(await _walk(world, send), "console", started)


async def test_the_matrix_through_telegram(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    world = await build_world(app)

    async def send(row: Row, who: Who, line: str, channel: int | None) -> Answer:
        user = TELEGRAM_IDS[who]
        chat = user if channel is None else channel
        language = language_of(who).replace("_", "-").lower()
        seen = len(fake_api.calls)

        def sent() -> list[str]:
            return [
                str(call.params["text"])
                for call in fake_api.calls[seen:]
                if call.method == "sendMessage" and call.params.get("chat_id") in (user, chat)
            ]

        if row.is_button:
            tokens = await app.callbacks.issue([Button(label="b", action=row.what, payload=line)])
            await fake_api.push_callback(
                tokens[(row.what, line)], user_id=user, language_code=language
            )
        else:
            await fake_api.push_message(line, user_id=user, chat_id=chat, language_code=language)
        await fake_api.push_message(SENTINEL, user_id=user, chat_id=chat, language_code=language)
        await wait_for(lambda: any(SENTINEL_MARK in text for text in sent()), within=20)
        first = html.unescape(sent()[0])
        refused = first.startswith(ERROR_MARK)
        return Answer(first.removeprefix(ERROR_MARK) if refused else first, refused)

    started = time.perf_counter()
    _report(await _walk(world, send), "telegram", started)
