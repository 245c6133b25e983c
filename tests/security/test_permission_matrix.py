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
    actions = set(app.registry._actions)
    assert buttons | NAVIGATION | set(FORM_SUBMISSIONS) == actions
    assert not (buttons & NAVIGATION or buttons & set(FORM_SUBMISSIONS))


def test_every_row_has_a_cell_for_every_role() -> None:
    assert [row.what for row in ROWS if set(row.cells) != set(Who)] == []
    assert len({row.what for row in ROWS}) == len(ROWS)


# --- walking the matrix -----------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One person doing one row's thing: what they send, where, and what they must read."""

    row: Row
    who: Who
    line: str  # as typed, or a button's payload
    sent: str  # what the adapter receives (a button's callback data on Telegram)
    channel: int | None  # a group chat, for the rows typed in one
    expected: str | None  # the translated refusal; None when allowed
    english: str | None  # the same refusal in English, which the person must not read

    def __str__(self) -> str:
        return f"{self.row.what} as {self.who}: {self.line!r}"


@dataclass(frozen=True)
class Answer:
    """What the person read first, and whether the adapter marked it as a refusal."""

    text: str
    refused: bool


# Sends a batch of cells (one per person) and returns what each read; None: not walked here.
SendAll = Callable[[list[Cell]], Awaitable[list[Answer | None]]]
# What the platform needs to show a button beforehand (written before the snapshot).
Issue = Callable[[Row, str], Awaitable[str]]


async def _as_typed(_row: Row, line: str) -> str:
    return line


def _refusal(world: World, row: Row, who: Who, locale: str) -> str | None:
    msgid = row.cells[who]
    if msgid is ALLOWED:
        return None
    with use_locale(locale):
        return gettext(msgid, **{**world.refusal_params(locale), **row.names})


async def _cells(world: World, row: Row, people: list[Who], issue: Issue) -> list[Cell]:
    cells = []
    for who in people:
        channel = await world.prepare(row.given, who)
        line = await world.fill(row.send, who)
        sent = await issue(row, line)
        expected = _refusal(world, row, who, language_of(who))
        english = _refusal(world, row, who, "en")
        cells.append(Cell(row, who, line, sent, channel, expected, english))
    return cells


async def _walk(world: World, send_all: SendAll, issue: Issue = _as_typed) -> list[str]:
    """Row by row: the people refused, in one batch, and the database compared around it;
    then the people allowed, whose changes the next rows live with."""
    wrong = []
    for row in ROWS:
        refused = [who for who in Who if row.cells[who] is not ALLOWED]
        allowed = [who for who in Who if row.cells[who] is ALLOWED]
        for people in (refused, allowed):
            if not people:
                continue
            cells = await _cells(world, row, people, issue)
            before = await database_snapshot(world.app) if people is refused else None
            answers = await send_all(cells)
            if Who.ANONYMOUS in allowed:
                await world.forget_anonymous()
            walked = [(cell, answer) for cell, answer in zip(cells, answers, strict=True) if answer]
            wrong.extend(_disagreements(walked))
            if walked and before is not None and await database_snapshot(world.app) != before:
                suspects = ", ".join(str(cell.who) for cell, _ in walked)
                wrong.append(f"{row.what}: refused to {suspects}, but the database changed")
    return wrong


def _disagreements(walked: list[tuple[Cell, Answer]]) -> list[str]:
    wrong = []
    for cell, answer in walked:
        if cell.expected is None:
            if answer.refused or GENERIC_ERROR in answer.text:
                wrong.append(f"{cell} -> refused, should be allowed: {answer.text[:200]!r}")
        elif not answer.refused or answer.text != cell.expected:
            wrong.append(f"{cell} -> {answer.text[:200]!r}, should be {cell.expected!r}")
        elif cell.expected == cell.english:
            wrong.append(f"{cell} -> untranslated refusal {cell.expected!r}")
    return wrong


def _report(wrong: list[str], adapter: str, started: float) -> None:
    cells = len(ROWS) * len(Who)
    print(f"\n{adapter}: {cells} cells in {time.perf_counter() - started:.1f} s")
    assert not wrong, f"{len(wrong)} of {cells} cells disagree:\n" + "\n".join(wrong)


async def test_the_matrix_through_the_console_adapter(app: App) -> None:
    world = await build_world(app)
    consoles = {who: ConsoleAdapter(app, console_id(who)) for who in Who}
    for who, console in consoles.items():
        console.locale = language_of(who)

    async def send_all(cells: list[Cell]) -> list[Answer | None]:
        return [await send(cell) for cell in cells]

    async def send(cell: Cell) -> Answer | None:
        if cell.channel is not None:
            return None  # the console has no group chats: Telegram walks these rows
        console = consoles[cell.who]
        line = cell.sent
        if cell.row.is_button:
            console.buttons = [Button(label="button", action=cell.row.what, payload=line)]
            line = "1"
        first = (await console.handle_line(line)).split("\n\n", 1)[0]
        refused = first.startswith("! ")
        return Answer(first.removeprefix("! ") if refused else first, refused)

    started = time.perf_counter()
    _report(await _walk(world, send_all), "console", started)


async def test_the_matrix_through_telegram(
    app: App, fake_api: FakeBotApi, polling_bot: RunningBot
) -> None:
    world = await build_world(app)

    async def issue(row: Row, line: str) -> str:
        """A button's callback data, as the bot would have put it under a message."""
        if not row.is_button:
            return line
        tokens = await app.callbacks.issue([Button(label="b", action=row.what, payload=line)])
        return tokens[(row.what, line)]

    async def send_all(cells: list[Cell]) -> list[Answer | None]:
        """Every cell's update and its sentinel at once: each person is in their own chat,
        handled in parallel by the bot, each chat in order."""
        seen = len(fake_api.calls)
        for cell in cells:
            user = TELEGRAM_IDS[cell.who]
            chat = user if cell.channel is None else cell.channel
            language = language_of(cell.who).replace("_", "-").lower()
            if cell.row.is_button:
                await fake_api.push_callback(cell.sent, user_id=user, language_code=language)
            else:
                await fake_api.push_message(
                    cell.sent, user_id=user, chat_id=chat, language_code=language
                )
            await fake_api.push_message(
                SENTINEL, user_id=user, chat_id=chat, language_code=language
            )

        def read(cell: Cell) -> list[str]:
            user = TELEGRAM_IDS[cell.who]
            chats = (user, user if cell.channel is None else cell.channel)
            return [
                str(call.params["text"])
                for call in fake_api.calls[seen:]
                if call.method == "sendMessage" and call.params.get("chat_id") in chats
            ]

        def answered(cell: Cell) -> bool:
            return any(SENTINEL_MARK in text for text in read(cell))

        await wait_for(lambda: all(answered(cell) for cell in cells), within=30)
        answers: list[Answer | None] = []
        for cell in cells:
            first = html.unescape(read(cell)[0])
            refused = first.startswith(ERROR_MARK)
            answers.append(Answer(first.removeprefix(ERROR_MARK) if refused else first, refused))
        return answers

    started = time.perf_counter()
    _report(await _walk(world, send_all, issue), "telegram", started)
