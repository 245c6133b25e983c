"""Abuse controls with the production limits: one person's flood of commands or of group
messages is cut off (told once, then silence) while everybody else is served as usual."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from core.bootstrap import App, build_app
from core.chat import ChatKind, Incoming
from core.clock import FakeClock
from core.config import Settings
from core.db.models import GroupRelay
from core.domain import Platform
from tests.groups.conftest import People, create_group, map_everywhere, people  # noqa: F401
from tests.helpers import say


@pytest.fixture
async def limited(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    production = Settings(database_url=settings.database_url)  # the defaults, limits on
    assert (production.commands_per_minute, production.commands_burst) == (60, 20)
    app = await build_app(production, clock=clock, migrate=False)
    try:
        yield app
    finally:
        await app.close()


async def test_a_command_flood_is_told_once_then_refused_while_others_are_served(
    limited: App, clock: FakeClock
) -> None:
    answered = [await say(limited, "flooder", "/help", locale="fr") for _ in range(25)]
    assert all(r and not r[0].error for r in answered[:20])  # the burst
    assert (
        answered[20][0].text == "Cela fait beaucoup d'un coup : attendez 1 seconde, puis réessayez."
    )
    assert answered[21:] == [[], [], [], []]  # no answer to every refused request
    [other] = await say(limited, "someone-else", "/help")
    assert not other.error and "/start" in other.text
    clock.advance(dt.timedelta(seconds=1))  # one a second comes back
    [again] = await say(limited, "flooder", "/help")
    assert not again.error
    [refused] = await say(limited, "flooder", "/help")
    assert refused.error  # told again: the earlier refusal was followed by an allowed one


async def test_a_message_flood_in_a_bridged_group_is_not_relayed_past_the_limit(
    limited: App,
    people: People,  # noqa: F811
) -> None:
    await create_group(limited, people.owner, "Tech Brasil", "Tech")
    await map_everywhere(limited, people.owner, "tech-brasil")

    def message(user: str, n: int) -> Incoming:
        return Incoming(
            platform=Platform.TELEGRAM,
            user_id=user,
            chat_id="-100200300",
            chat_kind=ChatKind.GROUP,
            text=f"message {n}",
            is_message=True,
            message_id=f"{user}-{n}",
        )

    for n in range(15):
        assert await limited.dispatcher.handle(message("tg-ana", n)) == []  # nothing echoes
    await limited.dispatcher.handle(message("tg-li", 0))
    async with limited.db.sessions() as session:
        by_author = dict(
            (
                await session.execute(
                    select(GroupRelay.author_name, func.count()).group_by(GroupRelay.author_name)
                )
            ).all()
        )
    assert by_author == {"Ana Souza": 10, "Li Wei": 1}  # the burst of 10, then nothing
