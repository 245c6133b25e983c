"""What the core reports while it works, for whoever measures it.

Core stays library-neutral: the dispatcher and the sender workers call an ``Observer``;
``bots/web/metrics.py`` turns those calls into Prometheus series. Without one, nothing is
recorded (``NullObserver``).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["NullObserver", "Observer"]


class Observer(Protocol):
    def command_handled(self, platform: str, command: str, outcome: str, seconds: float) -> None:
        """One incoming command, button or form answered.

        ``command`` is a registered command or action name, ``message``, ``form`` or
        ``unknown`` (a bounded set); ``outcome`` is ``ok``, ``refused`` (the user was told
        why) or ``error`` (a bug: the user got an apology with a reference).
        """

    def delivery_done(self, platform: str, outcome: str, seconds: float) -> None:
        """One outbox message handed to a platform; ``outcome`` is an ``Outcome`` value."""


class NullObserver:
    def command_handled(self, platform: str, command: str, outcome: str, seconds: float) -> None:
        return None

    def delivery_done(self, platform: str, outcome: str, seconds: float) -> None:
        return None
