"""The Discord adapter: application commands, interactions, embeds, components and modals.

``run_discord(app, token=..., api_url=..., gateway_url=..., stop=...)`` runs the bot; the
pieces are pure functions (``application_commands``, ``command_line``, ``render_message``,
``render_modal``) around one ``InteractionHandler``.
"""

from __future__ import annotations

from .client import DiscordBot
from .commands import application_commands, command_line
from .interactions import InteractionEvent, InteractionHandler
from .render import render_message, render_modal
from .runner import configure_endpoints, run_discord
from .sender import DiscordSender

__all__ = [
    "DiscordBot",
    "DiscordSender",
    "InteractionEvent",
    "InteractionHandler",
    "application_commands",
    "command_line",
    "configure_endpoints",
    "render_message",
    "render_modal",
    "run_discord",
]
