"""The Slack app manifest, generated from the command registry.

``manifest_yaml`` writes YAML (block style, every string double-quoted, which is valid YAML
and needs no library); paste it into "Create an app -> From a manifest" on api.slack.com.
"""

from __future__ import annotations

import json
from typing import Any

from core.chat import CommandRegistry
from core.i18n import DEFAULT_LOCALE, N_, gettext, use_locale

__all__ = ["BOT_EVENTS", "BOT_SCOPES", "manifest", "manifest_yaml"]

BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    # taking members who leave a group out of its channels (conversations.kick) and
    # inviting those who join (conversations.invite): public and private channels
    "channels:manage",
    "groups:write",
)
# messages of the public and private channels mapped to groups, relayed to the others
BOT_EVENTS = ("app_home_opened", "message.channels", "message.groups")
MAX_USAGE_HINT = 1000
MAX_DESCRIPTION = 140

APP_NAME = "France Alumni"
SHORT_DESCRIPTION = N_("The France Alumni network in your workspace")
LONG_DESCRIPTION = N_(
    "Meet the people who studied or interned in France: search the alumni directory, "
    "browse job, internship and training offers, join thematic groups and your country's "
    "events. Type /alumni help to start."
)
ALUMNI_DESCRIPTION = N_("The France Alumni network: directory, offers, events, groups")


def manifest(
    registry: CommandRegistry,
    *,
    request_url: str,
    name: str = APP_NAME,
    locale: str = DEFAULT_LOCALE,
) -> dict[str, Any]:
    """The manifest for an HTTP-mode app whose one request URL is ``request_url``.

    A manifest has one language (``locale``, English by default) for the descriptions.
    """
    with use_locale(locale):
        available = [c for c in registry if c.available]
        alumni_hint = "[" + " | ".join(c.name for c in available) + "] [arguments]"
        offer = registry.get("offer")
        offer_hint = offer.usage(prefix="").removeprefix("offer").strip() if offer else ""
        commands: list[dict[str, Any]] = [
            {
                "command": "/alumni",
                "url": request_url,
                "description": gettext(ALUMNI_DESCRIPTION)[:MAX_DESCRIPTION],
                "usage_hint": _hint(alumni_hint),
                "should_escape": False,
            }
        ]
        if offer is not None:
            entry: dict[str, Any] = {
                "command": "/offer",
                "url": request_url,
                "description": gettext(offer.help)[:MAX_DESCRIPTION],
                "should_escape": False,
            }
            if offer_hint:
                entry["usage_hint"] = _hint(offer_hint)
            commands.append(entry)
        return {
            "display_information": {
                "name": name,
                "description": gettext(SHORT_DESCRIPTION)[:MAX_DESCRIPTION],
                "long_description": gettext(LONG_DESCRIPTION),
                "background_color": "#000091",
            },
            "features": {
                "app_home": {
                    "home_tab_enabled": True,
                    "messages_tab_enabled": True,
                    "messages_tab_read_only_enabled": False,
                },
                "bot_user": {"display_name": name, "always_online": True},
                "slash_commands": commands,
            },
            "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
            "settings": {
                "event_subscriptions": {"request_url": request_url, "bot_events": list(BOT_EVENTS)},
                "interactivity": {"is_enabled": True, "request_url": request_url},
                "org_deploy_enabled": False,
                "socket_mode_enabled": False,
                "token_rotation_enabled": False,
            },
        }


def _hint(text: str) -> str:
    return text if len(text) <= MAX_USAGE_HINT else text[: MAX_USAGE_HINT - 1] + "…"


def manifest_yaml(
    registry: CommandRegistry,
    *,
    request_url: str,
    name: str = APP_NAME,
    locale: str = DEFAULT_LOCALE,
) -> str:
    """The manifest as YAML text."""
    data = manifest(registry, request_url=request_url, name=name, locale=locale)
    return "\n".join(_yaml(data, 0)) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _yaml(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml(item, indent + 1))
            else:
                shown = _empty(item) if isinstance(item, dict | list) else _scalar(item)
                lines.append(f"{pad}{key}: {shown}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                nested = _yaml(item, indent + 1)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _empty(value: dict[str, Any] | list[Any]) -> str:
    return "{}" if isinstance(value, dict) else "[]"
