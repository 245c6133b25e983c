"""The composition root: the one place that wires settings, database, clock and commands."""

from __future__ import annotations

from dataclasses import dataclass, field

from .chat import builtin
from .chat.callbacks import CallbackStore
from .chat.commands import CommandRegistry
from .chat.dispatcher import Dispatcher
from .chat.flood import FloodGuard, Limit
from .chat.forms import FormStepper
from .clock import Clock, SystemClock
from .config import Settings
from .contact import commands as contact_commands
from .db import Database, create_database, upgrade
from .directory import commands as directory_commands
from .events import commands as events_commands
from .groups import commands as groups_commands
from .i18n import set_default_locale
from .mentoring import commands as mentoring_commands
from .observe import NullObserver, Observer
from .offers import commands as offers_commands

__all__ = ["App", "build_app", "build_registry"]


def build_registry() -> CommandRegistry:
    registry = CommandRegistry()
    builtin.register(registry)
    directory_commands.register(registry)
    offers_commands.register(registry)
    groups_commands.register(registry)
    events_commands.register(registry)
    contact_commands.register(registry)
    mentoring_commands.register(registry)
    builtin.reserve_remaining(registry)
    return registry


@dataclass
class App:
    settings: Settings
    db: Database
    registry: CommandRegistry
    clock: Clock = field(default_factory=SystemClock)
    observer: Observer = field(default_factory=NullObserver)
    callbacks: CallbackStore = field(init=False)
    forms: FormStepper = field(init=False)
    dispatcher: Dispatcher = field(init=False)
    flood: FloodGuard = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.flood = FloodGuard(
            self.clock.now,
            commands=Limit(s.commands_per_minute, s.commands_burst),
            group_messages=Limit(s.group_messages_per_minute, s.group_messages_burst),
        )
        self.callbacks = CallbackStore(self.db, self.clock, self.registry)
        self.forms = FormStepper(self.db, self.clock)
        self.dispatcher = Dispatcher(self)

    async def close(self) -> None:
        await self.db.dispose()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    database: Database | None = None,
) -> App:
    set_default_locale(settings.default_language)
    db = database or create_database(settings.database_url)
    if migrate:
        await upgrade(db.engine)
    return App(settings=settings, db=db, registry=build_registry(), clock=clock or SystemClock())
