"""The app manifest from the registry, and the replay guard's memory."""

from __future__ import annotations

import json

from bots.slack import ReplayGuard, manifest, manifest_yaml
from bots.slack.replay import WINDOW_SECONDS
from core.bootstrap import build_registry

URL = "https://alumni.example.org/slack/events"


def test_the_manifest_declares_both_commands_on_one_request_url() -> None:
    data = manifest(build_registry(), request_url=URL)
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    assert set(commands) == {"/alumni", "/offer"}
    assert all(c["url"] == URL for c in commands.values())
    assert "search" in commands["/alumni"]["usage_hint"]
    assert "help" in commands["/alumni"]["usage_hint"]
    assert commands["/offer"]["description"] == "Post or manage an offer for your organisation"
    settings = data["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": URL}
    assert settings["event_subscriptions"]["request_url"] == URL
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.channels",
        "message.groups",
    ]
    assert set(data["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "channels:history",
        "groups:history",
        "app_mentions:read",
        "channels:manage",
        "groups:write",
    }
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert 175 <= len(data["display_information"]["long_description"]) <= 4000


def test_the_manifest_yaml_is_block_yaml_with_quoted_strings() -> None:
    text = manifest_yaml(build_registry(), request_url=URL)
    lines = text.splitlines()
    assert lines[0] == "display_information:"
    assert '    - command: "/alumni"' in lines
    assert f'      url: "{URL}"' in lines
    assert '      - "chat:write"' in lines
    assert "    is_enabled: true" in lines
    for line in lines:
        item = line.strip().removeprefix("- ")
        if item.endswith(":") and not item.startswith('"'):
            continue  # a key opening a block
        value = item.partition(": ")[2] if ": " in item else item
        if value not in ("true", "false"):
            assert isinstance(json.loads(value), str), line  # every string is quoted


def test_the_replay_guard_refuses_a_signature_seen_within_five_minutes() -> None:
    now = [1_000_000.0]
    guard = ReplayGuard(now=lambda: now[0])
    assert guard.first_time("v0=a", "1000000")
    assert not guard.first_time("v0=a", "1000000")
    assert guard.first_time("v0=b", "1000000")
    now[0] += WINDOW_SECONDS + 1
    assert guard.first_time("v0=c", str(int(now[0])))
    assert len(guard) == 1  # a and b are forgotten once Bolt would refuse them as stale


def test_the_replay_guard_is_bounded() -> None:
    guard = ReplayGuard(max_entries=3, now=lambda: 0.0)
    for i in range(10):
        guard.first_time(f"v0={i}", "0")
    assert len(guard) == 3
