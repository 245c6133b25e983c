"""``/events`` on Discord: an event the country's administrator created, answered with the
card's RSVP button; the answer is recorded and the card shows it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bots.discord import DiscordBot
from core.bootstrap import App
from core.db.models import Member, PlatformAccount, Rsvp
from core.domain import Platform
from tests.events.conftest import Cast, cast  # noqa: F401  (the Portuguese chapter's people)
from tests.events.test_events import create_event

from .fake_discord import GUILD_ID, FakeDiscord, Interaction, wait_for

JOHN = "1300000000000000021"  # lives in Portugal, writes English


async def _discord_account(app: App, name: str, user_id: str) -> int:
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.full_name == name))
        assert member_id is not None, name
        session.add(
            PlatformAccount(
                platform=Platform.DISCORD, workspace=GUILD_ID, user_id=user_id, member_id=member_id
            )
        )
    return member_id


async def _answered(interaction: Interaction) -> dict[str, Any]:
    await wait_for(lambda: interaction.responses)
    return interaction.response


def _buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["label"]: b for row in message["components"] for b in row["components"]}


async def test_a_member_answers_going_with_the_rsvp_button_of_events(
    cast: Cast,  # noqa: F811
    seeded: App,
    bot: DiscordBot,
    fake_discord: FakeDiscord,
) -> None:
    event_id = await create_event(seeded, cast.country_admin)  # by the attaché of Portugal
    member_id = await _discord_account(seeded, cast.english, JOHN)

    listing = await fake_discord.interact(
        2,
        {"id": "1", "name": "events", "type": 1,
         "options": [{"name": "when", "type": 3, "value": "month"}]},
        user_id=JOHN,
    )  # fmt: skip
    shown = (await _answered(listing))["data"]
    assert shown["content"] == "Events in Portugal:"
    assert [e["title"] for e in shown["embeds"]] == ["Alumni evening"]
    going = _buttons(shown)["Going"]

    press = await fake_discord.interact(
        3, {"custom_id": going["custom_id"], "component_type": 2},
        user_id=JOHN, message=listing.original,
    )  # fmt: skip
    answer = (await _answered(press))["data"]
    assert answer["content"] == "You are going. You will get a reminder the day before."
    assert answer["flags"] == 64
    assert "Alumni evening" in [e["title"] for e in answer["embeds"]]

    async with seeded.db.sessions() as session:
        rsvp = await session.get(Rsvp, (event_id, member_id))
    assert rsvp is not None and rsvp.status == "going"
