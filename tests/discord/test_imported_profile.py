"""An alumna imported by her institution claims her profile from Discord and searches.

Members come from a CSV import (no demo data): Kofi claims his imported profile with
``/link`` (option ``code``) and finds Zoë Nguyễn, imported with him, with ``/search``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bots.discord import DiscordBot
from core.bootstrap import App
from core.db.models import Member, PlatformAccount
from core.domain import Platform
from tests.helpers import CLAIMANT_EMAIL, import_alumni

from .fake_discord import GUILD_ID, FakeDiscord, Interaction, wait_for

KOFI = "1300000000000000031"


def _command(name: str, **values: str) -> dict[str, Any]:
    options = [{"name": k, "type": 3, "value": v} for k, v in values.items()]
    return {"id": "1", "name": name, "type": 1, "options": options}


async def _answered(interaction: Interaction) -> dict[str, Any]:
    await wait_for(lambda: interaction.responses)
    return interaction.response


async def test_a_claimed_imported_profile_finds_zoe_nguyen_with_search_query(
    app: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    codes = await import_alumni(app)

    link = await fake_discord.interact(
        2, _command("link", code=codes[CLAIMANT_EMAIL]), user_id=KOFI, username="kofi.m"
    )
    linked = (await _answered(link))["data"]
    assert linked["content"].startswith("Done, Kofi Mensah: this account is now linked")
    assert linked["flags"] == 64

    search = await fake_discord.interact(
        2, _command("search", query="zoe nguyen"), user_id=KOFI, username="kofi.m"
    )
    response = await _answered(search)
    assert response["type"] == 4
    [card] = [e for e in response["data"]["embeds"] if e.get("title") == "Zoë Nguyễn"]
    assert "Hà Nội" in str(card)

    async with app.db.sessions() as session:
        account = (
            await session.execute(
                select(PlatformAccount.workspace, PlatformAccount.handle, Member.email)
                .join(Member, Member.id == PlatformAccount.member_id)
                .where(
                    PlatformAccount.platform == Platform.DISCORD, PlatformAccount.user_id == KOFI
                )
            )
        ).one()
    assert tuple(account) == (GUILD_ID, "kofi.m", CLAIMANT_EMAIL)
