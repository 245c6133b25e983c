"""Requests signed exactly as Slack signs them: slash commands and interaction payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "SIGNING_SECRET",
    "block_actions_payload",
    "event_body",
    "interaction_body",
    "sign",
    "slash_command_body",
    "view_submission_payload",
]

SIGNING_SECRET = "test-signing-secret"


def sign(
    body: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """``X-Slack-Signature: v0=HMAC_SHA256(secret, "v0:{ts}:{body}")`` and the timestamp."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def slash_command_body(
    text: str,
    *,
    response_url: str,
    command: str = "/alumni",
    user_id: str = "U0MEMBER",
    user_name: str = "member",
    team_id: str = "T0ALUMNI",
    channel_id: str = "C0GENERAL",
    channel_name: str = "general",
    trigger_id: str = "1337.42.trigger",
) -> str:
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "alumni",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0ALUMNI",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """Interactivity (block_actions, view_submission) arrives as ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], *, team_id: str = "T0ALUMNI") -> str:
    """An Events API callback: a JSON body."""
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "A0ALUMNI",
            "event": event,
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": int(time.time()),
        }
    )


def block_actions_payload(
    action: dict[str, Any],
    *,
    response_url: str | None,
    user_id: str = "U0MEMBER",
    team_id: str = "T0ALUMNI",
    channel_id: str = "C0GENERAL",
) -> dict[str, Any]:
    """A button press on a message (``response_url`` None: a button in the App Home)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "member", "name": "member", "team_id": team_id},
        "api_app_id": "A0ALUMNI",
        "token": "deprecated-verification-token",
        "container": {"type": "message", "channel_id": channel_id, "is_ephemeral": True},
        "trigger_id": "1337.43.trigger",
        "team": {"id": team_id, "domain": "alumni"},
        "channel": {"id": channel_id, "name": "general"},
        "actions": [{"type": "button", "block_id": "b1", "action_ts": "1.2", **action}],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    user_id: str = "U0MEMBER",
    team_id: str = "T0ALUMNI",
) -> dict[str, Any]:
    """Submitting ``view`` (as sent to views.open) with ``values``: block id -> element state."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "alumni"},
        "user": {"id": user_id, "username": "member", "name": "member", "team_id": team_id},
        "api_app_id": "A0ALUMNI",
        "token": "deprecated-verification-token",
        "trigger_id": "1337.44.trigger",
        "view": {
            **view,
            "id": "V0001",
            "team_id": team_id,
            "state": {"values": {block: {"value": state} for block, state in values.items()}},
            "hash": "1.abc",
        },
        "response_urls": [],
    }
