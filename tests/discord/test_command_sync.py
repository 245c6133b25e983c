"""The command set synced on start is localized from the catalogs in every language
Discord has a locale for."""

from __future__ import annotations

from bots.discord import DiscordBot
from bots.discord.locales import discord_locales_for
from core.bootstrap import App
from core.i18n import catalogs, gettext, use_locale

from .fake_discord import FakeDiscord


async def test_the_synced_commands_carry_every_catalogs_translations(
    app: App, bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    [put] = fake_discord.calls_to("PUT", "/applications/{app_id}/commands")
    synced = {c["name"]: c for c in put.body}
    wanted = {
        code: catalog for catalog in catalogs.available() for code in discord_locales_for(catalog)
    }
    assert {"fr", "de", "es-ES", "es-419", "it", "pt-BR", "vi", "zh-CN"} <= set(wanted)
    for name, command in synced.items():
        help_text = app.registry.get(name).help  # type: ignore[union-attr]
        assert set(command["description_localizations"]) == set(wanted), name
        assert set(command["name_localizations"]) == set(wanted), name
        for code, catalog in wanted.items():
            with use_locale(catalog):
                expected = gettext(help_text)[:100]
            assert command["description_localizations"][code] == expected, (name, code)
        for option in command.get("options", []):
            assert set(option["description_localizations"]) == set(wanted), (name, option["name"])
    search = synced["search"]
    assert search["description_localizations"]["de"] != search["description"]
    assert search["description_localizations"]["vi"] != search["description"]
    assert fake_discord.commands and {c["name"] for c in fake_discord.commands} == set(synced)
