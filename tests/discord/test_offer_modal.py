"""A representative posts an offer from Discord through modals.

The offer form has eleven fields and a Discord modal holds five: it opens as a few modals
in a row (each submission answers with a button that opens the next part), and the last
submission publishes the offer with every part's values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bots.discord import DiscordBot
from core.bootstrap import App
from core.db.models import Member, Offer, Organisation, RoleGrant
from core.demo.data import DEMO_EMAIL
from core.domain import Role
from core.offers.domain import OfferState

from .conftest import link_discord_account
from .fake_discord import FakeDiscord, Interaction, wait_for

REPRESENTATIVE = "1300000000000000011"


async def _representative_of_airbus(app: App) -> int:
    async with app.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == DEMO_EMAIL))
        org_id = await session.scalar(select(Organisation.id).where(Organisation.slug == "airbus"))
        assert member_id is not None and org_id is not None
        session.add(
            RoleGrant(member_id=member_id, role=Role.REPRESENTATIVE, organisation_id=org_id)
        )
    await link_discord_account(app, DEMO_EMAIL, REPRESENTATIVE)
    return org_id


def _offer_post() -> dict[str, Any]:
    return {"id": "1", "name": "offer", "type": 1, "options": [{"name": "post", "type": 1}]}


async def _answered(interaction: Interaction) -> dict[str, Any]:
    await wait_for(lambda: interaction.responses)
    return interaction.response


def _field_ids(modal: dict[str, Any]) -> list[str]:
    return [c["component"]["custom_id"] for c in modal["components"]]


def _submission(modal: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """The modal as Discord sends it back: every field, with what the person typed."""
    components = []
    for label in modal["components"]:
        field = label["component"]
        value = values.get(field["custom_id"], "")
        if field["type"] == 3:
            answer: dict[str, Any] = {"values": [value] if value else []}
        else:
            answer = {"value": value}
        components.append(
            {
                "type": 18,
                "component": {"type": field["type"], "custom_id": field["custom_id"], **answer},
            }
        )
    return {"custom_id": modal["custom_id"], "components": components}


async def test_offer_post_opens_the_offer_form_as_modals_in_a_row_and_publishes_the_offer(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    org_id = await _representative_of_airbus(seeded)
    values = {
        "kind": "internship",
        "title": "Avionics intern",
        "city": "Toulouse",
        "remote": "no",
        "sector": "aerospace",
        "languages": "fr, en",
        "apply": "https://jobs.example.org/avionics",
    }
    opening = await fake_discord.interact(2, _offer_post(), user_id=REPRESENTATIVE)
    response = await _answered(opening)
    assert response["type"] == 9  # MODAL
    modal = response["data"]
    seen: list[str] = []
    for part in (1, 2, 3):
        assert modal["title"] == f"Post an offer ({part}/3)"
        assert 0 < len(modal["components"]) <= 5
        seen += _field_ids(modal)
        submit = await fake_discord.interact(5, _submission(modal, values), user_id=REPRESENTATIVE)
        answer = await _answered(submit)
        if part == 3:
            break
        assert answer["type"] == 4
        assert answer["data"]["flags"] == 64
        [row] = answer["data"]["components"]
        [button] = row["components"]
        assert button["label"] == f"Post an offer ({part + 1}/3)"
        press = await fake_discord.interact(
            3, {"custom_id": button["custom_id"], "component_type": 2},
            user_id=REPRESENTATIVE, message=submit.original,
        )  # fmt: skip
        reopened = await _answered(press)
        assert reopened["type"] == 9
        modal = reopened["data"]
    assert seen == [
        "kind", "title", "country", "city", "remote", "sector", "languages", "contract",
        "description", "apply", "expires",
    ]  # fmt: skip
    assert answer["type"] == 4
    assert answer["data"]["content"].startswith("Published: the offer #")

    async with seeded.db.sessions() as session:
        [offer] = (await session.scalars(select(Offer))).all()
    assert (offer.title, offer.kind, offer.city, offer.remote) == (
        "Avionics intern", "internship", "Toulouse", False,
    )  # fmt: skip
    assert offer.sector == "aerospace"
    assert offer.languages == ["fr", "en"]
    assert offer.organisation_id == org_id
    assert offer.apply_url == "https://jobs.example.org/avionics"
    assert offer.state is OfferState.OPEN
    assert f"#{offer.id}" in answer["data"]["content"]


async def test_a_part_of_the_offer_form_cannot_be_submitted_by_someone_else(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await _representative_of_airbus(seeded)
    opening = await fake_discord.interact(2, _offer_post(), user_id=REPRESENTATIVE)
    modal = (await _answered(opening))["data"]
    submit = await fake_discord.interact(
        5, _submission(modal, {"kind": "job", "title": "Analyst"}), user_id=REPRESENTATIVE
    )
    [row] = (await _answered(submit))["data"]["components"]
    [button] = row["components"]
    # the button reaches a stranger (a forwarded message): the next part still opens, but
    # what the stranger submits runs as the stranger, who may not post for Airbus
    press = await fake_discord.interact(
        3, {"custom_id": button["custom_id"], "component_type": 2}, user_id="1300000000000000099"
    )
    modal = (await _answered(press))["data"]
    last = None
    while True:
        submit = await fake_discord.interact(
            5, _submission(modal, {}), user_id="1300000000000000099"
        )
        last = await _answered(submit)
        components = last["data"].get("components") or []
        if not components:
            break
        press = await fake_discord.interact(
            3, {"custom_id": components[0]["components"][0]["custom_id"], "component_type": 2},
            user_id="1300000000000000099",
        )  # fmt: skip
        modal = (await _answered(press))["data"]
    assert last["data"]["flags"] == 64
    assert last["data"]["content"] == "This is for members of the network. Send /start to join."
    async with seeded.db.sessions() as session:
        assert (await session.scalars(select(Offer))).all() == []
