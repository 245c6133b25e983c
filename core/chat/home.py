"""A member's home: what a platform's home tab (Slack's App Home) shows.

Their profile, their saved alerts, their country's events of the month and its latest
offers, then the commands; each is the reply of the command a member would type, so the
home says nothing a command would not. A section that does not apply (no chapter in the
country yet) is left out. A stranger sees the commands, with the invitation to join.
"""

from __future__ import annotations

import dataclasses

from .context import Incoming
from .dispatcher import Dispatcher
from .replies import Reply

__all__ = ["home_replies"]


async def home_replies(dispatcher: Dispatcher, incoming: Incoming) -> list[Reply]:
    actor = await dispatcher.identify(incoming)
    lines = ["help"]
    if actor.is_member:
        offers = f"offers country:{actor.country_code}" if actor.country_code else "offers"
        lines = ["profile", "alerts", "events when:month", offers, "help"]
    shown: list[Reply] = []
    for line in lines:
        replies = await dispatcher.handle(dataclasses.replace(incoming, text=line))
        shown.extend(r for r in replies if r.form is None and not (r.error and actor.is_member))
    return shown
