"""Commands declared once: name, arguments, permission and translated help.

Adapters turn each declaration into their native form (Telegram menu, Slack slash command,
Discord application command); the dispatcher runs the handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import CommandContext
    from .replies import Reply

__all__ = [
    "Action",
    "ActionHandler",
    "Arguments",
    "Command",
    "CommandRegistry",
    "Handler",
    "Param",
    "ParamKind",
    "Permission",
]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_HELP_LENGTH = 100  # Discord's limit for a command or option description


class Permission(StrEnum):
    """Who may run a command. Object-level rules (which country, which organisation) are
    checked by the use case itself."""

    ANYONE = "anyone"  # also people who are not members yet
    MEMBER = "member"
    REPRESENTATIVE = "representative"
    COUNTRY_ADMIN = "country_admin"
    GLOBAL_ADMIN = "global_admin"


class ParamKind(StrEnum):
    WORD = "word"  # one token
    TEXT = "text"  # the rest of the line (last positional only)
    INTEGER = "integer"
    COUNTRY = "country"  # ISO code or a country name in the user's language -> ISO code
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class Param:
    """A positional argument or a ``key:value`` option."""

    name: str
    help: str  # msgid, marked with N_()
    kind: ParamKind = ParamKind.WORD
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200
    min_value: int | None = None
    max_value: int | None = None
    autocomplete: str | None = None  # "country", "school", "group", "sector"...


class Arguments:
    """Bound arguments of one command: values by parameter name (absent -> None)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self._values = dict(values or {})

    def get(self, name: str, default: Any = None) -> Any:
        value = self._values.get(name)
        return default if value is None else value

    def __getitem__(self, name: str) -> Any:
        return self._values.get(name)

    def __contains__(self, name: object) -> bool:
        return self._values.get(name) is not None  # type: ignore[call-overload]

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if v is not None}

    def __repr__(self) -> str:
        return f"Arguments({self.as_dict()!r})"


Handler = Callable[["CommandContext", Arguments], Awaitable["Reply | Sequence[Reply]"]]
ActionHandler = Callable[
    ["CommandContext", str, dict[str, str]], Awaitable["Reply | Sequence[Reply]"]
]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str  # msgid, one line, marked with N_()
    handler: Handler | None = None  # None: reserved, announced as not available yet
    params: tuple[Param, ...] = ()
    options: tuple[Param, ...] = ()
    permission: Permission = Permission.MEMBER
    subcommands: tuple[Command, ...] = ()
    public: bool = False  # replies are public in the channel by default

    @property
    def available(self) -> bool:
        return self.handler is not None or any(s.available for s in self.subcommands)

    def subcommand(self, name: str) -> Command | None:
        return next((s for s in self.subcommands if s.name == name), None)

    def option(self, name: str) -> Param | None:
        return next((o for o in self.options if o.name == name), None)

    def usage(self, prefix: str = "/") -> str:
        """``/search [text] [country:…] [year:…]`` -- the names are the declared (English) ones."""
        parts = [f"{prefix}{self.name}"]
        for p in self.params:
            label = p.name if p.kind is not ParamKind.CHOICE else "|".join(p.choices)
            parts.append(label if p.required else f"[{label}]")
        parts.extend(f"[{o.name}:…]" for o in self.options)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Action:
    """What a button press or a form submission calls."""

    name: str
    handler: ActionHandler
    permission: Permission = Permission.MEMBER


@dataclass
class CommandRegistry:
    """All commands and actions, in declaration order."""

    _commands: dict[str, Command] = field(default_factory=dict)
    _actions: dict[str, Action] = field(default_factory=dict)

    def add(self, command: Command) -> Command:
        _validate(command)
        existing = self._commands.get(command.name)
        if existing is not None and existing.available:
            raise ValueError(f"command /{command.name} is declared twice")
        self._commands[command.name] = command
        return command

    def reserve(self, name: str, help: str, permission: Permission = Permission.MEMBER) -> None:
        """Announce a command a later feature fills in; until then it answers "not yet"."""
        if name not in self._commands:
            self.add(Command(name=name, help=help, permission=permission))

    def get(self, name: str) -> Command | None:
        return self._commands.get(name)

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def names(self) -> tuple[str, ...]:
        return tuple(self._commands)

    def action(
        self, name: str, permission: Permission = Permission.MEMBER
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Decorator registering a button/form action handler."""

        def register(handler: ActionHandler) -> ActionHandler:
            if name in self._actions:
                raise ValueError(f"action {name!r} is declared twice")
            self._actions[name] = Action(name=name, handler=handler, permission=permission)
            return handler

        return register

    def get_action(self, name: str) -> Action | None:
        return self._actions.get(name)

    def action_names(self) -> tuple[str, ...]:
        return tuple(self._actions)


def _validate(command: Command, parent: str = "") -> None:
    where = f"/{parent}{command.name}"
    if not NAME_RE.match(command.name):
        raise ValueError(f"{where}: a name is 1-32 characters of a-z, 0-9 and _")
    if not command.help or len(command.help) > MAX_HELP_LENGTH:
        raise ValueError(f"{where}: help must be 1-{MAX_HELP_LENGTH} characters")
    names = [p.name for p in (*command.params, *command.options)]
    if len(names) != len(set(names)):
        raise ValueError(f"{where}: parameter names repeat")
    if len(names) > 25:
        raise ValueError(f"{where}: at most 25 parameters")
    for p in (*command.params, *command.options):
        if not NAME_RE.match(p.name):
            raise ValueError(f"{where}: parameter {p.name!r} is not a valid name")
        if not p.help or len(p.help) > MAX_HELP_LENGTH:
            raise ValueError(f"{where}: parameter {p.name} needs a help of 1-{MAX_HELP_LENGTH}")
        if p.kind is ParamKind.CHOICE and not p.choices:
            raise ValueError(f"{where}: choice parameter {p.name} has no choices")
    for p in command.params[:-1]:
        if p.kind is ParamKind.TEXT:
            raise ValueError(f"{where}: only the last positional parameter may take the rest")
    if any(o.kind is ParamKind.TEXT for o in command.options):
        raise ValueError(f"{where}: options take one value, not the rest of the line")
    seen_optional = False
    for p in command.params:
        if p.required and seen_optional:
            raise ValueError(f"{where}: a required parameter follows an optional one")
        seen_optional = seen_optional or not p.required
    sub_names = [s.name for s in command.subcommands]
    if len(sub_names) != len(set(sub_names)):
        raise ValueError(f"{where}: subcommand names repeat")
    for sub in command.subcommands:
        if sub.subcommands:
            raise ValueError(f"{where} {sub.name}: subcommands nest one level only")
        _validate(sub, parent=f"{command.name} ")
