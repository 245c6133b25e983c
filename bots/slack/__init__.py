"""The Slack adapter: slash commands, Block Kit, modals and the App Home over slack-bolt."""

from __future__ import annotations

from .app import SlackBridge, build_slack_app
from .http import EVENTS_PATH, mount_slack, slack_routes
from .manifest import manifest, manifest_yaml
from .replay import ReplayGuard
from .sender import SlackSender

__all__ = [
    "EVENTS_PATH",
    "ReplayGuard",
    "SlackBridge",
    "SlackSender",
    "build_slack_app",
    "manifest",
    "manifest_yaml",
    "mount_slack",
    "slack_routes",
]
