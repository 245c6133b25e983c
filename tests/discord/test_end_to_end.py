"""The real discord.py client against the fake Discord: sync, slash commands, buttons, modals."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bots.discord import DiscordBot, run_discord
from core.bootstrap import App, build_registry
from core.chat import Command, Form, FormField, FormFieldKind, Permission, Reply
from core.chat.forms import validate_form
from core.db.models import Member
from core.demo.data import DEMO_EMAIL
from core.directory.linking import CLAIM, issue_code

from .conftest import link_discord_account, start_bot
from .fake_discord import (
    APPLICATION_ID,
    BOT_TOKEN,
    GUILD_ID,
    FakeDiscord,
    Interaction,
    wait_for,
)

MEMBER_ID = "1300000000000000001"
STRANGER_ID = "1300000000000000002"


def _command(name: str, **values: object) -> dict[str, Any]:
    return {
        "id": "1",
        "name": name,
        "type": 1,
        "options": [{"name": k, "type": 3, "value": v} for k, v in values.items()],
    }


async def _answered(interaction: Interaction) -> dict[str, Any]:
    await wait_for(lambda: interaction.responses)
    return interaction.response


def _titles(message: dict[str, Any]) -> list[str]:
    return [e.get("title", "") for e in message.get("embeds", [])]


def _button(message: dict[str, Any], label: str) -> dict[str, Any]:
    return next(
        b for row in message["components"] for b in row["components"] if b["label"] == label
    )


async def test_the_localized_command_set_is_synced_on_start(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    [put] = fake_discord.calls_to("PUT", "/applications/{app_id}/commands")
    assert put.path.endswith(f"/applications/{APPLICATION_ID}/commands")
    synced = {c["name"]: c for c in put.body}
    assert "search" in synced
    assert set(synced) == {c.name for c in build_registry() if c.available}
    search = synced["search"]
    assert search["description_localizations"]["fr"] == "Rechercher dans l'annuaire des alumni"
    assert search["options"][0]["name"] == "query"
    # without the privileged members intent: no member chunking at start
    [identify] = fake_discord.identifies
    assert not identify["intents"] & (1 << 1)


async def test_a_linked_member_finds_zoe_nguyen_in_an_embed(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await link_discord_account(seeded, DEMO_EMAIL, MEMBER_ID)
    interaction = await fake_discord.interact(
        2, _command("search", query="zoe nguyen"), user_id=MEMBER_ID
    )
    response = await _answered(interaction)
    assert response["type"] == 4
    message = response["data"]
    assert "Zoë Nguyễn" in _titles(message)
    assert message["flags"] == 64  # only the asker sees the search
    assert message["allowed_mentions"] == {"parse": []}


async def test_next_updates_the_list_in_place_with_page_2(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await link_discord_account(seeded, DEMO_EMAIL, MEMBER_ID)
    first = await fake_discord.interact(2, _command("search", sector="digital"), user_id=MEMBER_ID)
    page_one = (await _answered(first))["data"]
    assert page_one["embeds"][-1]["footer"]["text"] == "Page 1"
    next_button = _button(page_one, "Next")
    press = await fake_discord.interact(
        3,
        {"custom_id": next_button["custom_id"], "component_type": 2},
        user_id=MEMBER_ID,
        message=first.original,
    )
    response = await _answered(press)
    assert response["type"] == 7  # UPDATE_MESSAGE: the same message shows page 2
    page_two = response["data"]
    assert page_two["embeds"][-1]["footer"]["text"].startswith("Page 2")
    assert set(_titles(page_two)).isdisjoint(_titles(page_one))
    assert "flags" not in page_two
    assert press.original is not None and press.original["id"] == first.original["id"]  # type: ignore[index]


async def test_a_forged_button_is_refused_and_runs_nothing(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await link_discord_account(seeded, DEMO_EMAIL, MEMBER_ID)
    press = await fake_discord.interact(
        3, {"custom_id": "t:forgedforgedforgedforg", "component_type": 2}, user_id=MEMBER_ID
    )
    response = await _answered(press)
    assert response["type"] == 4
    assert response["data"]["flags"] == 64
    assert response["data"]["content"] == (
        "This button is no longer valid. Send the command again."
    )
    assert response["data"]["embeds"] == []


async def test_a_stranger_writing_in_french_is_told_it_is_for_members(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.interact(
        2, _command("search", query="zoe"), user_id=STRANGER_ID, locale="fr"
    )
    response = await _answered(interaction)
    assert "réservé aux membres" in response["data"]["content"]
    assert response["data"]["flags"] == 64


FORM = Form(
    action="test.submit",
    title="Post an offer",
    payload="org-7",
    fields=(
        FormField("title", "Title", max_length=40),
        FormField(
            "kind", "Kind", kind=FormFieldKind.CHOICE, choices=(("job", "Job"), ("vie", "VIE"))
        ),
        FormField("url", "How to apply", kind=FormFieldKind.URL, required=False),
    ),
)


def _install_form(app: App) -> list[tuple[str, dict[str, str]]]:
    submitted: list[tuple[str, dict[str, str]]] = []

    async def open_form(*_: object) -> Reply:
        return Reply(text="Let us post it.", form=FORM)

    async def submit(_ctx: object, payload: str, values: dict[str, str]) -> Reply:
        submitted.append((payload, validate_form(FORM, values)))
        return Reply(text="Posted.")

    app.registry.add(
        Command(name="testform", help="t", handler=open_form, permission=Permission.ANYONE)
    )
    app.registry.action("test.submit", permission=Permission.ANYONE)(submit)
    return submitted


async def test_a_form_opens_as_a_modal_and_its_submission_runs_the_action(
    app: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    submitted = _install_form(app)
    opening = await fake_discord.interact(2, _command("testform"), user_id=STRANGER_ID)
    response = await _answered(opening)
    assert response["type"] == 9  # MODAL
    modal = response["data"]
    assert modal["title"] == "Post an offer"
    assert [c["component"]["custom_id"] for c in modal["components"]] == ["title", "kind", "url"]
    submit = await fake_discord.interact(
        5,
        {
            "custom_id": modal["custom_id"],
            "components": [
                {"type": 18, "component": {"type": 4, "custom_id": "title", "value": "Analyst"}},
                {"type": 18, "component": {"type": 3, "custom_id": "kind", "values": ["vie"]}},
                {"type": 18, "component": {"type": 4, "custom_id": "url", "value": ""}},
            ],
        },
        user_id=STRANGER_ID,
    )
    answer = await _answered(submit)
    assert answer["type"] == 4
    assert answer["data"]["content"] == "Posted."
    assert submitted == [("org-7", {"title": "Analyst", "kind": "vie", "url": ""})]


async def test_a_forged_modal_submission_is_refused(
    app: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    submitted = _install_form(app)
    submit = await fake_discord.interact(
        5, {"custom_id": "t:forgedforgedforgedforg", "components": []}, user_id=STRANGER_ID
    )
    answer = await _answered(submit)
    assert answer["data"]["content"] == "This form is no longer valid. Send the command again."
    assert submitted == []


async def test_a_slow_answer_is_deferred_then_completed_by_editing_the_original(
    app: App, fake_discord: FakeDiscord
) -> None:
    async def slow(*_: object) -> Reply:
        await asyncio.sleep(0.3)
        return Reply(text="Finally.")

    app.registry.add(Command(name="slow", help="s", handler=slow, permission=Permission.ANYONE))
    bot = await start_bot(app, fake_discord, defer_after=0.05)
    try:
        interaction = await fake_discord.interact(2, _command("slow"), user_id=STRANGER_ID)
        response = await _answered(interaction)
        assert response == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
        await wait_for(lambda: interaction.edits)
        assert interaction.edits[0]["content"] == "Finally."
        assert interaction.edits[0]["allowed_mentions"] == {"parse": []}
    finally:
        await bot.close()


async def test_countries_are_suggested_in_the_users_language(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    data = {
        "name": "search",
        "type": 1,
        "options": [{"name": "country", "type": 3, "value": "Vi", "focused": True}],
    }
    interaction = await fake_discord.interact(4, data, user_id=STRANGER_ID, locale="fr")
    response = await _answered(interaction)
    assert response["type"] == 8
    assert {"name": "Viêt Nam", "value": "VN"} in response["data"]["choices"]
    assert len(response["data"]["choices"]) <= 25


async def test_rate_limits_and_server_errors_are_retried(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    fake_discord.fail("POST", "/interactions/{interaction_id}/{token}/callback", 429)
    interaction = await fake_discord.interact(2, _command("help"), user_id=STRANGER_ID)
    await _answered(interaction)
    statuses = [c.status for c in fake_discord.calls if c.route.startswith("/interactions/")]
    assert statuses == [429, 200]

    fake_discord.fail("POST", "/channels/{channel_id}/messages", 502)
    message_id = await bot.send("1100000000000000004", Reply(text="@everyone hello"))
    assert message_id
    sent = fake_discord.calls_to("POST", "/channels/{channel_id}/messages")
    assert [c.status for c in sent] == [502, 200]
    assert sent[-1].body["allowed_mentions"] == {"parse": []}
    assert sent[-1].body["content"] == "@\u200beveryone hello"


async def test_a_direct_message_is_answered_in_the_conversation(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    await fake_discord.message("/help", user_id=STRANGER_ID, channel_id="1400000000000000001")
    await wait_for(lambda: fake_discord.channel_messages)
    [message] = fake_discord.channel_messages
    assert message["channel_id"] == "1400000000000000001"
    assert message["content"].startswith("Commands you can use:")


async def test_a_wrong_token_is_refused_and_never_logged(
    app: App, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stop = asyncio.Event()
    with pytest.raises(discord.LoginFailure):
        await run_discord(
            app,
            token="wrong-secret-token",
            api_url=fake_discord.api_url,
            gateway_url=fake_discord.gateway_url,
            stop=stop,
        )
    assert "wrong-secret-token" not in caplog.text
    assert fake_discord.calls_to("PUT", "/applications/{app_id}/commands") == []


async def test_run_discord_runs_until_stopped(app: App, fake_discord: FakeDiscord) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_discord(
            app,
            token=BOT_TOKEN,
            api_url=fake_discord.api_url,
            gateway_url=fake_discord.gateway_url,
            stop=stop,
            guild_ready_timeout=0.05,
        )
    )
    await fake_discord.wait_identified()
    interaction = await fake_discord.interact(2, _command("help"), user_id=STRANGER_ID)
    await _answered(interaction)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert fake_discord.calls_to("PUT", "/applications/{app_id}/commands")


async def test_every_shard_connects_and_answers_its_guilds(app: App) -> None:
    other_guild = str((1 << 22) | int(GUILD_ID))  # lands on the other shard
    fake = FakeDiscord(guilds=(GUILD_ID, other_guild))
    await fake.start()
    bot = None
    try:
        bot = await start_bot(app, fake, shard_count=2, identify_delay=0)
        await fake.wait_identified(2)
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        for guild in (GUILD_ID, other_guild):
            interaction = await fake.interact(
                2, _command("help"), user_id=STRANGER_ID, guild_id=guild
            )
            assert (await _answered(interaction))["type"] == 4
    finally:
        if bot is not None:
            await bot.close()
        await fake.close()


async def test_a_user_who_claimed_a_profile_with_link_finds_zoe_nguyen(
    seeded: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    async with seeded.db.sessions.begin() as session:
        member_id = await session.scalar(select(Member.id).where(Member.email == DEMO_EMAIL))
        assert member_id is not None
        code = await issue_code(session, member_id, CLAIM, now=seeded.clock.now())
    link = await fake_discord.interact(
        2, _command("link", code=code), user_id=MEMBER_ID, username="ana.b"
    )
    assert "linked to your profile" in (await _answered(link))["data"]["content"]
    search = await fake_discord.interact(
        2, _command("search", query="zoe nguyen"), user_id=MEMBER_ID
    )
    assert "Zoë Nguyễn" in _titles((await _answered(search))["data"])


async def test_a_form_after_a_deferred_answer_opens_from_a_button(
    app: App, fake_discord: FakeDiscord
) -> None:
    submitted = _install_form(app)

    async def slow_form(*_: object) -> Reply:
        await asyncio.sleep(0.2)
        return Reply(text="Let us post it.", form=FORM)

    app.registry.add(
        Command(name="slowform", help="s", handler=slow_form, permission=Permission.ANYONE)
    )
    bot = await start_bot(app, fake_discord, defer_after=0.05)
    try:
        opening = await fake_discord.interact(2, _command("slowform"), user_id=STRANGER_ID)
        assert (await _answered(opening))["type"] == 5
        await wait_for(lambda: opening.edits)
        message = opening.edits[0]
        assert message["content"] == "Let us post it."
        button = _button(message, "Post an offer")
        press = await fake_discord.interact(
            3,
            {"custom_id": button["custom_id"], "component_type": 2},
            user_id=STRANGER_ID,
            message=opening.original,
        )
        modal = (await _answered(press))["data"]
        assert press.response["type"] == 9
        submit = await fake_discord.interact(
            5,
            {
                "custom_id": modal["custom_id"],
                "components": [
                    {"type": 18, "component": {"type": 4, "custom_id": "title", "value": "Dev"}},
                    {"type": 18, "component": {"type": 3, "custom_id": "kind", "values": ["job"]}},
                ],
            },
            user_id=STRANGER_ID,
        )
        assert (await _answered(submit))["data"]["content"] == "Posted."
        assert submitted == [("org-7", {"title": "Dev", "kind": "job", "url": ""})]
    finally:
        await bot.close()
